import Foundation
import Testing
import S2ACCore

/// SAC-NF: the radial flow's log-determinant, the run wiring, and bit-exact resume.
@Suite struct SACNFTests {
    /// log|det J| of a d x d matrix by Gaussian elimination with partial pivoting.
    static func logAbsDet(_ m: [[Double]]) -> Double {
        var a = m
        let n = a.count
        var sum = 0.0
        for k in 0..<n {
            let p = (k..<n).max { abs(a[$0][k]) < abs(a[$1][k]) }!
            a.swapAt(k, p)
            sum += Foundation.log(abs(a[k][k]))
            for i in (k + 1)..<n {
                let f = a[i][k] / a[k][k]
                for j in k..<n { a[i][j] -= f * a[k][j] }
            }
        }
        return sum
    }

    /// The closed-form log-determinant of each radial layer equals log|det| of its Jacobian
    /// taken by autodiff, row by row, in Double (including beta < -alpha, where the layer is
    /// not invertible but the formula still holds).
    @Test(arguments: [1, 2, 3, 6])
    func radialLogDeterminantMatchesAutodiffJacobian(dimension d: Int) {
        var rng = Xoshiro256(seed: UInt64(40 + d))
        for (logAlpha, beta) in [(0.3, 0.9), (-0.5, -0.4), (0.0, -2.5), (1.2, 3.0)] {
            let flow = RadialFlow<Double>(dimension: d, initBound: 1, using: &rng)
            flow.logAlpha.assign(Tensor([logAlpha], shape: [1]))
            flow.beta.assign(Tensor([beta], shape: [1]))
            let n = 7
            let z = Tensor<Double>((0..<(n * d)).map { _ in rng.nextGaussian() }, shape: [n, d], requiresGrad: true)
            let (out, logDet) = flow(z)
            // Row j of every sample's Jacobian: the gradient of sum_i out[i, j] with respect to z.
            var jac = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: d), count: d), count: n)
            for j in 0..<d {
                var seed = [Double](repeating: 0, count: n * d)
                for i in 0..<n { seed[i * d + j] = 1 }
                let g = grad(of: out, wrt: [z], seed: Tensor(seed, shape: [n, d]))[0].scalars
                for i in 0..<n { jac[i][j] = Array(g[(i * d)..<(i * d + d)]) }
            }
            // The autodiff Jacobian itself against central differences of the forward pass.
            let eps = 1e-6
            var zv = z.scalars
            for i in 0..<n {
                for k in 0..<d {
                    let x = zv[i * d + k]
                    zv[i * d + k] = x + eps
                    let up = flow(Tensor(zv, shape: [n, d])).z.scalars
                    zv[i * d + k] = x - eps
                    let down = flow(Tensor(zv, shape: [n, d])).z.scalars
                    zv[i * d + k] = x
                    for j in 0..<d {
                        let fd = (up[i * d + j] - down[i * d + j]) / (2 * eps)
                        #expect(abs(fd - jac[i][j][k]) < 1e-7 * max(1, abs(fd)), "d \(d) row \(i): J[\(j)][\(k)]")
                    }
                }
            }
            let closed = logDet.scalars
            for i in 0..<n {
                let expected = Self.logAbsDet(jac[i])
                #expect(abs(closed[i] - expected) < 1e-10 * max(1, abs(expected)),
                        "d \(d), log alpha \(logAlpha), beta \(beta), row \(i): \(closed[i]) vs \(expected)")
            }
        }
    }

    /// The gradients with respect to z0, log_alpha and beta of <w, z'> + <v, logDet> against
    /// central differences, in Double.
    @Test func radialParameterGradientsMatchFiniteDifferences() {
        var rng = Xoshiro256(seed: 11)
        let (n, d) = (5, 3)
        let flow = RadialFlow<Double>(dimension: d, initBound: 0.8, using: &rng)
        let z = Tensor<Double>((0..<(n * d)).map { _ in rng.nextGaussian() }, shape: [n, d])
        let w = Tensor<Double>((0..<(n * d)).map { _ in rng.nextGaussian() }, shape: [n, d])
        let v = Tensor<Double>((0..<n).map { _ in rng.nextGaussian() }, shape: [n])
        func objective() -> Tensor<Double> {
            let (out, logDet) = flow(z)
            return (out * w).sum() + (logDet * v).sum()
        }
        let grads = grad(of: objective(), wrt: flow.parameters)
        for (p, g) in zip(flow.parameters, grads) {
            var values = p.scalars
            for k in values.indices {
                let x = values[k], eps = 1e-6
                values[k] = x + eps; p.assign(Tensor(values, shape: p.shape))
                let up = withNoGrad { objective().item }
                values[k] = x - eps; p.assign(Tensor(values, shape: p.shape))
                let down = withNoGrad { objective().item }
                values[k] = x; p.assign(Tensor(values, shape: p.shape))
                let fd = (up - down) / (2 * eps)
                #expect(abs(fd - g.scalars[k]) < 1e-7 * max(1, abs(fd)), "parameter \(p.shape)[\(k)]: \(g.scalars[k]) vs \(fd)")
            }
        }
    }

    /// With beta = 0 every layer is the identity: SAC-NF then acts and scores as SAC would.
    @Test func identityFlowIsTheSquashedGaussian() {
        var rng = Xoshiro256(seed: 3)
        let agent = SACNF(observationDimension: 2, actionDimension: 2, actionLimit: 1,
                          config: .smoke(envID: "Multigoal"), using: &rng)
        for f in agent.actor.flows { f.beta.assign(Tensor([0], shape: [1])) }
        let s = Tensor<Float>.randomNormal([5, 2], using: &rng), xi = Tensor<Float>.randomNormal([5, 2], using: &rng)
        let (a, logp) = agent.actor.sample(s, noise: xi)
        let (a0, logp0) = agent.actor.gaussian.sample(s, noise: xi)
        #expect(a.scalars == a0.scalars && logp.scalars == logp0.scalars)
        var g = Xoshiro256(seed: 0)
        #expect(agent.act(observations: s, selection: .mean, using: &g).scalars == agent.actor.gaussian.meanAction(s).scalars)
    }

    @Test func runConfigBuildsSACNF() throws {
        let c = try TrainRunConfig.resolve(agent: "sac-nf", env: "Multigoal", preset: "paper", seed: 1, alpha: 5)
        #expect(c.sac == nil && c.s2ac == nil)
        let nf = try #require(c.sacNF)
        #expect(nf.sac.alphaActor == 5 && nf.sac.alphaCritic == 5 && nf.sac.gamma == 0.8 && nf.flowLayers == 2)
        #expect(c.schedule.trainingSelection == .sample && c.schedule.evaluationSelection == .mean)
        #expect(c.batchSize == nf.sac.batchSize)
        let code = try TrainRunConfig.resolve(agent: "sac-nf", env: "Hopper-v4", preset: "authors-code", seed: 1)
        #expect(code.sacNF == .authorsCode && code.batchSize == 256)
        var g = Xoshiro256(seed: 1)
        #expect(try c.makeAgent(observationDimension: 2, actionDimension: 2, actionLimit: 1, using: &g).name == "sac-nf")
    }

    func trainer(seed: Int, steps: Int) throws -> Trainer {
        var c = try TrainRunConfig.resolve(agent: "sac-nf", env: "Multigoal", preset: "smoke", seed: seed, steps: steps)
        (c.schedule.startSteps, c.schedule.updateAfter, c.schedule.updateEvery, c.schedule.evaluationEvery) = (20, 20, 1, 40)
        return try c.makeTrainer()
    }

    /// N steps, checkpoint, N more from the file == 2N steps, bit for bit.
    @Test func checkpointResumeIsBitIdentical() throws {
        let n = 53  // mid-episode
        let whole = try trainer(seed: 5, steps: 2 * n)
        whole.run()
        #expect(whole.updates > 0)
        let path = makeTemporaryFolder("sacnf-ckpt") + "/run.ckpt.h5"
        let first = try trainer(seed: 5, steps: 2 * n)
        first.run(until: n)
        try first.writeCheckpoint(path: path, configJSON: "cfg")
        let second = try trainer(seed: 77, steps: 2 * n)  // other weights: all must come from the file
        try second.readCheckpoint(path: path, configJSON: "cfg")
        second.run()
        #expect(second.agent.parametersSHA256 == whole.agent.parametersSHA256)
        #expect(second.replay.contentsSHA256 == whole.replay.contentsSHA256)
        #expect(second.evaluations.map(\.returns) == whole.evaluations.map(\.returns))
        #expect(second.updates == whole.updates)
        let other = try trainer(seed: 6, steps: 2 * n)
        other.run()
        #expect(other.agent.parametersSHA256 != whole.agent.parametersSHA256)
    }

    @Test func trainCommandRunsSACNF() throws {
        let out = makeTemporaryFolder("train-sacnf") + "/sacnf.h5"
        let r = try runSuiteTool("train", ["--agent", "sac-nf", "--env", "Multigoal", "--preset", "smoke", "--steps", "120",
                                           "--seed", "2", "--out", out, "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: out)
        defer { file.close() }
        #expect(try Provenance.read(from: file).configJSON.contains("\"flowLayers\":2"))
        #expect(try file.root.group("train").attribute("params_sha256")?.stringValue?.count == 64)
    }
}
