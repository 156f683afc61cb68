import Foundation
import Testing
import S2ACCore

/// The tensor SVGD policy against the autodiff engine and its own rules: Thm 3.3's trace is the
/// Jacobian trace of one step without the self term, the selection rules pick what they say,
/// q0 noise respects the truncation, actions stay in bounds.
@Suite struct SteinPolicyTests {
    /// One SVGD step; the Jacobian of u^1_i with respect to u^0_i is I + eps J_ii, whose trace
    /// minus the self term tr(Hess Q(u_i)) / m is the paper-normalised closed form (Thm 3.3);
    /// the score is Q's gradient undivided (Eq. 24's placement), so the self term is too.
    @Test func closedFormIsTheJacobianTraceWithoutTheSelfTerm() {
        var rng = Xoshiro256(seed: 9)
        let (b, m, d, obs) = (2, 4, 2, 3)
        let critic1 = MLP<Double>(inputs: obs + d, hidden: [12, 12], outputs: 1, activation: .elu, using: &rng)
        let critic2 = MLP<Double>(inputs: obs + d, hidden: [12, 12], outputs: 1, activation: .elu, using: &rng)
        let minQ = { (s: Tensor<Double>, a: Tensor<Double>) in critic1(s, a).minimum(critic2(s, a)) }
        let s = repeatRows(Tensor<Double>.randomNormal([b, obs], using: &rng), m)
        let u0 = Tensor<Double>.randomNormal([b * m, d], std: 0.7, using: &rng).trackingGrad()
        let eps = 0.1
        for normalization in SteinTraceNormalization.allCases {
            let policy = SteinPolicy(particles: m, steps: 1, stepSize: eps, actionLimit: 1, temperature: 0.5,
                                     traceNormalization: normalization)
            let out = policy.sample(observations: s, initial: u0, logQ0: .zeros([b * m]), differentiable: true, minQ: minQ)
            // Diagonal blocks d u^1_i / d u^0_i, one vector-Jacobian product per particle and coordinate.
            var jacobianTrace = [Double](repeating: 0, count: b * m)
            for p in 0..<d {
                for i in 0..<(b * m) {
                    var one = [Double](repeating: 0, count: b * m * d); one[i * d + p] = 1
                    let row = grad(of: out.preSquash, wrt: [u0], seed: Tensor(one, shape: [b * m, d]))[0].scalars
                    jacobianTrace[i] += row[i * d + p]
                }
            }
            let score = grad(of: minQ(s, u0).sum(), wrt: [u0], createGraph: true)[0]
            var hessianTrace = [Double](repeating: 0, count: b * m)
            for p in 0..<d {
                var one = [Double](repeating: 0, count: b * m * d)
                for i in 0..<(b * m) { one[i * d + p] = 1 }
                // Particles do not interact through Q, so one seed per coordinate gives every diagonal entry.
                let h = grad(of: score, wrt: [u0], seed: Tensor(one, shape: [b * m, d]))[0].scalars
                for i in 0..<(b * m) { hessianTrace[i] += h[i * d + p] }
            }
            let svgd = out.logProbSVGD.scalars
            let scale = Double(normalization == .authors ? m - 1 : m) / Double(m)
            for i in 0..<(b * m) {
                let traceJ = (jacobianTrace[i] - Double(d)) / eps           // tr J_ii of h
                let neighbours = traceJ - hessianTrace[i] / Double(m)       // the j != i part, over m
                #expect(Swift.abs(-svgd[i] / eps * scale - neighbours) < 1e-9, "\(normalization) particle \(i)")
            }
        }
    }

    /// The exact change of variables (log|det(I + eps J_ii)|) agrees with the full trace
    /// (Thm 3.3 plus the self term tr(Hess)/m) to O(eps^2), and the per-step vjps see the
    /// particles of each state apart.
    @Test func exactLogDeterminantMatchesTheTraceForSmallSteps() {
        var rng = Xoshiro256(seed: 11)
        let (b, m, d, obs) = (3, 5, 2, 3)
        let critic = MLP<Double>(inputs: obs + d, hidden: [10, 10], outputs: 1, activation: .elu, using: &rng)
        let minQ = { (s: Tensor<Double>, a: Tensor<Double>) in critic(s, a) }
        let s = repeatRows(Tensor<Double>.randomNormal([b, obs], using: &rng), m)
        let u0 = Tensor<Double>.randomNormal([b * m, d], using: &rng)
        let eps = 1e-3
        let policy = SteinPolicy(particles: m, steps: 1, stepSize: eps, actionLimit: 1, temperature: 0.05,
                                 traceNormalization: .paper)
        let out = policy.sample(observations: s, initial: u0, logQ0: .zeros([b * m]), differentiable: false,
                                exactLogDeterminant: true, minQ: minQ)
        let x = u0.trackingGrad()
        let score = grad(of: minQ(s, x).sum(), wrt: [x], createGraph: true)[0]
        var hessianTrace = [Double](repeating: 0, count: b * m)
        for p in 0..<d {
            var one = [Double](repeating: 0, count: b * m * d)
            for i in 0..<(b * m) { one[i * d + p] = 1 }
            let h = grad(of: score, wrt: [x], seed: Tensor(one, shape: [b * m, d]))[0].scalars
            for i in 0..<(b * m) { hessianTrace[i] += h[i * d + p] }
        }
        let closed = out.logProb.scalars, exact = out.logProbExact!
        var worst = 0.0, selfTerm = 0.0
        for i in 0..<(b * m) {
            let full = closed[i] - eps * hessianTrace[i] / Double(m)
            worst = Swift.max(worst, Swift.abs(exact[i] - full))
            selfTerm = Swift.max(selfTerm, Swift.abs(eps * hessianTrace[i] / Double(m)))
        }
        print("exact vs trace: max difference \(worst), largest self term \(selfTerm)")
        #expect(worst < 1e-2 * selfTerm)
    }

    @Test func selectionRules() {
        var rng = Xoshiro256(seed: 3)
        let actions = Tensor<Float>((0..<12).map { Float($0) }, shape: [6, 2])      // 2 states x 3 particles
        let q: [Float] = [0, 5, 1, 2, -1, 0]
        let best = selectParticle(actions: actions, q: q, particles: 3, selection: .max, using: &rng)
        #expect(best.scalars == [2, 3, 6, 7])
        var counts = [0, 0, 0]
        for _ in 0..<20000 {
            let a = selectParticle(actions: actions, q: [0, 1, 2, 0, 0, 0], particles: 3, selection: .softmax, using: &rng)
            counts[Int(a.scalars[0]) / 2] += 1
        }
        let z = 1 + M_E + M_E * M_E
        for (j, c) in counts.enumerated() {
            #expect(Swift.abs(Double(c) / 20000 - Foundation.exp(Double(j)) / z) < 0.015)
        }
        var seen = Set<Float>()
        for _ in 0..<200 { seen.insert(selectParticle(actions: actions, q: [], particles: 3, selection: .random, using: &rng).scalars[0]) }
        #expect(seen == [0, 2, 4])
    }

    @Test func agentsActInsideTheBoundsAndTruncateTheirNoise() throws {
        var rng = Xoshiro256(seed: 5)
        var config = S2ACConfig.authorsCode
        config.criticHidden = [16, 16]; config.actorHidden = [16, 16]; config.particles = 4
        config.stepsPhi = 3; config.actionLimit = 0.4
        let theta = try S2ACPhiTheta(observationDimension: 5, actionDimension: 3, config: config, using: &rng)
        let noise = theta.truncatedNoise(rows: 5000, using: &rng)
        #expect(noise.allSatisfy { Swift.abs($0) <= 3 })
        #expect(noise.contains { Swift.abs($0) > 2.5 })
        let phi = try S2ACPhi(observationDimension: 5, actionDimension: 3, config: config, using: &rng)
        let s = Tensor<Float>.randomNormal([7, 5], using: &rng)
        for agent in [theta as Agent, phi as Agent] {
            for selection in [ActionSelection.random, .softmax, .max] {
                let a = agent.act(observations: s, selection: selection, using: &rng)
                #expect(a.shape == [7, 3])
                #expect(a.scalars.allSatisfy { Swift.abs($0) <= 0.4 })
            }
        }
    }

    /// save/load round trip: a fresh agent loaded from a saved one has the same parameters and
    /// optimiser state, so the next update is identical; a foreign group is refused.
    @Test func checkpointRoundTrip() throws {
        var config = S2ACConfig.authorsCode
        config.criticHidden = [8, 8]; config.actorHidden = [8, 8]; config.particles = 3; config.stepsPhiTheta = 2
        var rng = Xoshiro256(seed: 2)
        let a = try S2ACPhiTheta(observationDimension: 4, actionDimension: 2, config: config, using: &rng)
        var batch = ReplayBatch(batchSize: 5, observationDim: 4, actionDim: 2)
        batch.observations = (0..<20).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<20).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<10).map { _ in Float(rng.nextUniform(-1, 1)) }
        batch.rewards = (0..<5).map { _ in Float(rng.nextGaussian()) }
        _ = a.update(batch: batch, using: &rng)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("s2ac-ckpt-\(UUID().uuidString).h5").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            let file = try HDF5File.create(at: path)
            try a.save(to: try file.root.createGroup("agent"))
            file.close()
        }
        var other = Xoshiro256(seed: 99)
        let b = try S2ACPhiTheta(observationDimension: 4, actionDimension: 2, config: config, using: &other)
        let file = try HDF5File.open(at: path)
        try b.load(from: try file.root.group("agent"))
        #expect(a.parametersSHA256 == b.parametersSHA256)
        var r1 = Xoshiro256(seed: 7), r2 = Xoshiro256(seed: 7)
        _ = a.update(batch: batch, using: &r1)
        _ = b.update(batch: batch, using: &r2)
        #expect(a.parametersSHA256 == b.parametersSHA256)
        let phi = try S2ACPhi(observationDimension: 4, actionDimension: 2, config: config, using: &other)
        #expect(throws: InputError.self) { try phi.load(from: try file.root.group("agent")) }
        file.close()
    }
}
