import Foundation
import Testing
import S2ACCore

@Suite struct NNTests {
    @Test func pytorchDefaultInitialisationRanges() {
        var rng = SeedTree(seed: 5).stream(.networkInit)
        let layer = Linear<Double>(400, 300, using: &rng)
        let bound = 1 / 400.0.squareRoot()
        #expect(Swift.abs(kaimingUniformBound(fanIn: 400, a: 5.0.squareRoot()) - bound) < 1e-15)
        for p in [layer.weight, layer.bias!] {
            let v = p.scalars
            #expect(v.allSatisfy { Swift.abs($0) <= bound })
            // Uniform on [-b, b]: mean 0 and variance b^2 / 3, to within sampling error.
            let mean = v.reduce(0, +) / Double(v.count)
            let variance = v.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(v.count)
            #expect(Swift.abs(mean) < 4 * bound / (3 * Double(v.count)).squareRoot())
            #expect(Swift.abs(variance / (bound * bound / 3) - 1) < (v.count > 1000 ? 0.02 : 0.25))
        }
        let xavier = Linear<Double>(400, 300, initialization: .xavierUniform(gain: 1), using: &rng)
        let xb = (6.0 / 700).squareRoot()
        #expect(xavier.weight.scalars.allSatisfy { Swift.abs($0) <= xb })
        #expect(xavier.weight.scalars.map(Swift.abs).max()! > 0.95 * xb)
        #expect(xavier.bias!.scalars.allSatisfy { $0 == 0 })
    }

    @Test func mlpShapesNamesAndActivations() {
        var rng = SeedTree(seed: 6).stream(.networkInit)
        let net = MLP<Float>(inputs: 14, hidden: [256, 256], outputs: 1, activation: .elu, using: &rng)
        #expect(net.namedParameters.map(\.name) == ["layers.0.weight", "layers.0.bias", "layers.1.weight",
                                                      "layers.1.bias", "layers.2.weight", "layers.2.bias"])
        #expect(net.parameters.map(\.shape) == [[256, 14], [256], [256, 256], [256], [1, 256], [1]])
        let x = Tensor<Float>.randomNormal([5, 14], using: &rng)
        #expect(net(x).shape == [5, 1])
        // One layer by hand: tanh(x W^T + b).
        let small = MLP<Double>(layers: [Linear(weight: Tensor([1, 2, 3, 4], shape: [2, 2]), bias: Tensor([0.5, -1], shape: [2]))],
                                activation: .relu, outputActivation: .tanh)
        let y = small(Tensor([1, -1], shape: [1, 2])).scalars
        #expect(y == [Foundation.tanh(-0.5), Foundation.tanh(-2)])
        #expect(Activation.relu(Tensor<Double>([-1, 2], shape: [2])).scalars == [0, 2])
        #expect(Activation.elu(Tensor<Double>([-1, 2], shape: [2])).scalars == [Foundation.expm1(-1), 2])
    }

    /// A ReLU MLP runs its layers as `linearReLU`: the same values and gradients, bit for bit,
    /// as `linear` followed by `relu`; `inputGradient(rows:)` gives the rows of the engine's
    /// input gradient (to rounding: its products have fewer rows).
    @Test func fusedReLUAndRowInputGradientsMatchTheEngine() {
        var rng = SeedTree(seed: 12).stream(.networkInit)
        let net = MLP<Float>(inputs: 5, hidden: [16, 16], outputs: 2, activation: .relu, using: &rng)
        let x = Tensor<Float>.randomNormal([12, 5], using: &rng).trackingGrad()
        var h = x
        for (i, layer) in net.layers.enumerated() { h = i < net.layers.count - 1 ? layer(h).relu() : layer(h) }
        let y = net(x)
        #expect(y.scalars == h.scalars)
        let seed = Tensor<Float>.randomNormal([12, 2], using: &rng)
        let expected = grad(of: h, wrt: [x] + net.parameters, seed: seed)
        let got = grad(of: y, wrt: [x] + net.parameters, seed: seed)
        #expect(zip(expected, got).allSatisfy { $0.scalars == $1.scalars })
        let rows = [0, 3, 4, 9, 11]
        let g = net.inputGradient(rows: rows, seed: seed.gather(rows, axis: 0), activations: net.activations(x)).scalars
        let reference = expected[0].gather(rows, axis: 0).scalars
        let scale = reference.map(Swift.abs).max()!
        #expect(scale > 0 && zip(g, reference).allSatisfy { Swift.abs($0 - $1) <= 1e-6 * scale })
    }

    /// Adam against the update written out from the algorithm in PyTorch's documentation.
    @Test(arguments: [0.0, 0.01])
    func adamFollowsPyTorchSemantics(weightDecay: Double) {
        let p = Tensor<Double>([0.5, -1.5, 2], shape: [3], requiresGrad: true)
        let adam = Adam(parameters: [p], learningRate: 0.1, beta1: 0.8, beta2: 0.9, eps: 1e-3, weightDecay: weightDecay)
        var x = [0.5, -1.5, 2], m = [0.0, 0, 0], v = [0.0, 0, 0]
        for t in 1...5 {
            adam.zeroGrad()
            (p * p * p).sum().backward()  // gradient 3 x^2
            adam.step()
            for i in 0..<3 {
                let g = 3 * x[i] * x[i] + weightDecay * x[i]
                m[i] = 0.8 * m[i] + 0.2 * g
                v[i] = 0.9 * v[i] + 0.1 * g * g
                let mHat = m[i] / (1 - Foundation.pow(0.8, Double(t)))
                let vHat = v[i] / (1 - Foundation.pow(0.9, Double(t)))
                x[i] -= 0.1 * mHat / (vHat.squareRoot() + 1e-3)
            }
            #expect(close(p.scalars, x, 1e-14), "step \(t)")
        }
        #expect(adam.stepCount == 5)
        // A parameter without a gradient does not move.
        let q = Tensor<Double>([1], shape: [1], requiresGrad: true)
        let opt = Adam(parameters: [q])
        opt.step()
        #expect(q.scalars == [1])
    }

    /// Float Adam runs four lanes at a time; every element must get the bits of the scalar
    /// update in the same order (37 elements: vector body and scalar tail).
    @Test(arguments: [0.0, 0.01])
    func floatAdamVectorLanesMatchTheScalarUpdate(weightDecay: Double) {
        var rng = Xoshiro256(seed: 12)
        let n = 37
        let p = Tensor<Float>.randomNormal([n], using: &rng).trackingGrad()
        let adam = Adam(parameters: [p], learningRate: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: weightDecay)
        var x = p.scalars, m = [Float](repeating: 0, count: n), v = m
        for t in 1...4 {
            let g = Tensor<Float>.randomNormal([n], using: &rng)
            p.grad = g
            adam.step()
            let bc1 = 1 - Foundation.pow(0.9, Double(t)), bc2 = Float((1 - Foundation.pow(0.999, Double(t))).squareRoot())
            let stepSize = Float(0.01 / bc1), wd = Float(weightDecay)
            for (i, gi0) in g.scalars.enumerated() {
                let gi = wd == 0 ? gi0 : gi0 + wd * x[i]
                m[i] += Float(1 - 0.9) * (gi - m[i])
                v[i] = v[i] * Float(0.999) + Float(1 - 0.999) * gi * gi
                x[i] -= stepSize * m[i] / (v[i].squareRoot() / bc2 + Float(1e-8))
            }
            #expect(p.scalars == x, "step \(t)")
        }
    }

    @Test func polyakAveragingAndCopy() {
        var rng = SeedTree(seed: 7).stream(.networkInit)
        let source = MLP<Double>(inputs: 3, hidden: [4], outputs: 2, activation: .tanh, using: &rng)
        let target = MLP<Double>(inputs: 3, hidden: [4], outputs: 2, activation: .tanh, using: &rng)
        let before = target.parameters.map(\.scalars)
        polyakUpdate(target: target, source: source, tau: 0.005)
        for (k, p) in target.parameters.enumerated() {
            let expected = zip(source.parameters[k].scalars, before[k]).map { 0.005 * $0 + 0.995 * $1 }
            #expect(close(p.scalars, expected, 1e-15))
        }
        target.copyParameters(from: source)
        #expect(target.parameters.map(\.scalars) == source.parameters.map(\.scalars))
        // Copies, not shared storage: changing the source leaves the target alone.
        source.parameters[0].withUnsafeMutableBufferPointer { $0[0] += 1 }
        #expect(target.parameters[0].scalars[0] != source.parameters[0].scalars[0])
    }
}

@Suite struct NNCheckpointTests {
    @Test func parametersAndAdamStateRoundTripThroughHDF5() throws {
        let path = makeTemporaryFolder("nn") + "/model.h5"
        var rng = SeedTree(seed: 8).stream(.networkInit)
        let net = MLP<Float>(inputs: 4, hidden: [8], outputs: 2, activation: .elu, using: &rng)
        let adam = Adam(parameters: net.parameters, learningRate: 0.01)
        let x = Tensor<Float>.randomNormal([5, 4], using: &rng)
        net(x).square().mean().backward()
        adam.step()
        do {
            let file = try HDF5File.create(at: path)
            try net.saveParameters(to: try file.root.createGroup("critic"))
            try adam.save(to: try file.root.createGroup("critic_optimizer"))
            file.close()
        }
        let other = MLP<Float>(inputs: 4, hidden: [8], outputs: 2, activation: .elu, using: &rng)
        let otherAdam = Adam(parameters: other.parameters, learningRate: 0.01)
        #expect(other.parameters.map(\.scalars) != net.parameters.map(\.scalars))
        let file = try HDF5File.open(at: path)
        try other.loadParameters(from: try file.root.group("critic"))
        try otherAdam.load(from: try file.root.group("critic_optimizer"))
        #expect(other.parameters.map(\.scalars) == net.parameters.map(\.scalars))
        #expect(otherAdam.stepCount == 1 && otherAdam.firstMoments == adam.firstMoments && otherAdam.secondMoments == adam.secondMoments)
        // The next step is then identical on both.
        for (m, o) in [(net, adam), (other, otherAdam)] {
            m.zeroGrad()
            m(x).square().mean().backward()
            o.step()
        }
        #expect(other.parameters.map(\.scalars) == net.parameters.map(\.scalars))
        // A model of another shape is refused with a message naming the parameter, and left unchanged.
        let wrong = MLP<Float>(inputs: 3, hidden: [8], outputs: 2, activation: .elu, using: &rng)
        let before = wrong.parameters.map(\.scalars)
        #expect(throws: InputError.self) { try wrong.loadParameters(from: try file.root.group("critic")) }
        #expect(wrong.parameters.map(\.scalars) == before)
        file.close()
    }
}

@Suite struct NNSecondOrderTests {
    /// The usage example of `Tensor`: backward() on a loss that contains dQ/da gives the same
    /// parameter gradients as grad(of:wrt:), and Adam then moves every parameter.
    @Test func backwardThroughAScoreStepMatchesGrad() {
        var rng = SeedTree(seed: 9).stream(.networkInit)
        let critic = MLP<Double>(inputs: 5, hidden: [16, 16], outputs: 1, activation: .elu, using: &rng)
        let adam = Adam(parameters: critic.parameters, learningRate: 3e-4)
        let states = Tensor<Double>.randomNormal([6, 3], using: &rng), actions = Tensor<Double>.randomNormal([6, 2], using: &rng)
        let a = actions.trackingGrad()
        let score = grad(of: critic(states, a).sum(), wrt: [a], createGraph: true)[0]
        #expect(score.hasGraph)
        let loss = -critic(states, a + score * 0.1).mean()
        let expected = grad(of: loss, wrt: critic.parameters)
        adam.zeroGrad()
        loss.backward()
        for (p, g) in zip(critic.parameters, expected) { #expect(p.grad?.scalars == g.scalars) }
        let before = critic.parameters.map(\.scalars)
        adam.step()
        #expect(zip(critic.parameters.map(\.scalars), before).allSatisfy { $0 != $1 })
    }
}
