import Foundation
import S2ACCore
import Testing

@Suite struct CriticEnsembleTests {
    /// A batch of three transitions: a plain step, a terminated one and a time-limit cut.
    private func batch() -> ReplayBatch {
        var b = ReplayBatch(batchSize: 3, observationDim: 2, actionDim: 1)
        b.observations = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]
        b.actions = [0.2, -0.1, 0.7]
        b.nextObservations = [0.2, 0.1, -0.3, 0.5, 0.6, -0.4]
        b.rewards = [1, 4, 6]
        b.terminated = [0, 1, 0]
        b.truncated = [0, 0, 1]
        return b
    }

    /// The agents' target: truncation bootstraps from min_k Q'_k(s', a') - alpha log pi, termination does not.
    @Test(arguments: [CriticEnsemble.Layout.single, .sac, .authors])
    func softTargetBootstrapsTruncationNotTermination(layout: CriticEnsemble.Layout) {
        var rng = SeedTree(seed: 5).stream(.networkInit)
        let critics = CriticEnsemble(observations: 2, actions: 1, hidden: [8], activation: .elu, learningRate: 1e-3,
                                     layout: layout, using: &rng)
        #expect(critics.critics.count == layout.critics.count && critics.targets.count == layout.targets.count)
        let b = batch(), gamma = 0.9, alpha = 0.5
        let nextActions = Tensor<Float>([0.3, -0.6, 0.1], shape: [3, 1]), logProb = Tensor<Float>([-1, 0.5, 2], shape: [3])
        let y = critics.softTarget(batch: b, nextActions: nextActions, nextLogProb: logProb, alpha: alpha, gamma: gamma).scalars
        let s2 = Tensor(b.nextObservations, shape: [3, 2])
        let q = withNoGrad { critics.targets.map { $0(s2, nextActions).scalars } }
        for i in 0..<3 {
            let v = q.map { $0[i] }.min()! - logProb.scalars[i] * Float(alpha)
            let expected = b.terminated[i] == 1 ? b.rewards[i] : b.rewards[i] + v * Float(gamma)
            #expect(abs(y[i] - expected) <= 1e-6 * max(1, abs(expected)), "row \(i)")
        }
        #expect(y[1] == 4)  // terminated: the reward alone
        // m particles per state: the value is the mean over them of min_k Q'_k.
        let two = Tensor<Float>([0.3, 0.3, -0.6, -0.6, 0.1, 0.1], shape: [6, 1])
        let y2 = critics.softTarget(batch: b, nextActions: two, nextLogProb: logProb, alpha: alpha, gamma: gamma).scalars
        for i in 0..<3 { #expect(abs(y2[i] - y[i]) <= 1e-6 * max(1, abs(y[i]))) }
    }

    /// The same rule in the precision SQL computes its value in.
    @Test func bellmanTargetsInDouble() {
        let y = bellmanTargets(batch: batch(), nextValues: [10.0, 10, 10], gamma: 0.5)
        #expect(y == [6, 4, 11])
    }

    /// One Adam step lowers the loss; the targets move by tau only.
    @Test func fitAndPolyak() {
        var rng = SeedTree(seed: 6).stream(.networkInit)
        let critics = CriticEnsemble(observations: 2, actions: 1, hidden: [8], activation: .relu, learningRate: 1e-2,
                                     layout: .sac, using: &rng)
        let b = batch(), y = Tensor<Float>([1, 2, 3], shape: [3])
        let before = critics.loss(batch: b, target: y).loss
        for _ in 0..<20 { critics.fit(batch: b, target: y) }
        #expect(critics.loss(batch: b, target: y).loss < before)
        let old = critics.target1.parameters.map(\.scalars), now = critics.q1.parameters.map(\.scalars)
        critics.updateTargets(tau: 0.25)
        for (t, (o, n)) in zip(critics.target1.parameters.map(\.scalars), zip(old, now)) {
            for k in t.indices { #expect(abs(t[k] - (0.75 * o[k] + 0.25 * n[k])) <= 1e-6) }
        }
    }

    /// Checkpoints written before the agents shared one critic type (`Fixtures/old_checkpoints`,
    /// made by `train` at f6d67d5: smoke preset, Multigoal, seed 7, 80 steps, a checkpoint at 60)
    /// still load, and resuming them continues the old run. Identical bits are a property of the
    /// same operations in the same order, so the old code's fingerprint at step 80 is required
    /// only when the OpenBLAS kernel that made the fixture (its `/run/blas_core`) runs here too;
    /// another kernel sums the products' terms in another order, and then the updates after the
    /// checkpoint must give the old run's losses to rounding, and those before it come back from
    /// the checkpoint bit for bit.
    @Test(arguments: ["sac", "s2ac-phi-theta", "sql"])
    func oldCheckpointLoadsAndResumesBitForBit(agent: String) throws {
        let folder = try #require(Bundle.module.url(forResource: "old_checkpoints", withExtension: nil, subdirectory: "Fixtures"))
        let ckpt = folder.appendingPathComponent("\(agent).ckpt.h5").path, run = folder.appendingPathComponent("\(agent).h5").path
        let old = try HDF5File.open(at: run)
        defer { old.close() }
        let expected = try #require(try old.root.group("train").attribute("params_sha256")?.stringValue)
        let oldKernel = try Provenance.read(from: old).blasCore
        // Every value the old run logged per update (losses and the agent's extras).
        let updates = try old.root.group("train").group("updates"), names = try updates.memberNames()
        try #require(names.contains("critic_loss") && names.contains("actor_loss"), "\(names)")
        var oldLog: [String: [Float]] = [:]
        for name in names { oldLog[name] = try updates.read(name, as: Float.self).values }
        let config = try TrainRunConfig.resolve(agent: agent, env: "Multigoal", preset: "smoke", seed: 7, steps: 80,
                                                evalEvery: 0, checkpointEvery: 60)
        let trainer = try config.makeTrainer()
        try trainer.readCheckpoint(path: ckpt, configJSON: try canonicalJSON(config))
        #expect(trainer.step == 60)
        let resumedAt = trainer.updates
        trainer.run()
        #expect(trainer.step == 80)
        if oldKernel == blasCoreName {
            #expect(trainer.agent.parametersSHA256 == expected)
            return
        }
        print("oldCheckpointLoadsAndResumesBitForBit(\(agent)): the fixture was made with OpenBLAS kernel \(oldKernel), "
              + "this process runs \(blasCoreName): the resumed updates are compared to rounding, not bit for bit")
        for name in names {
            let before = try #require(oldLog[name]), after = try #require(trainer.updateLog[name])
            try #require(after.count == before.count && resumedAt > 0 && resumedAt < before.count, "\(name)")
            for i in 0..<before.count {
                let a = after[i], b = before[i]
                if i < resumedAt {
                    #expect(a.bitPattern == b.bitPattern, "\(name) update \(i), restored from the checkpoint")
                } else {
                    #expect(a.isNaN == b.isNaN && (a.isNaN || abs(a - b) <= 1e-3 * max(1, abs(b))), "\(name) update \(i): \(a) against \(b)")
                }
            }
        }
    }
}
