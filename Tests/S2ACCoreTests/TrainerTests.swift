import Foundation
import Testing
import S2ACCore

@Suite struct TrainerTests {
    func makeTrainer(seed: UInt64 = 3, schedule: TrainingSchedule) -> Trainer {
        let config = SACConfig.smoke(envID: "Multigoal")
        var init_ = SeedTree(seed: seed).stream(.networkInit)
        let sac = SAC(observationDimension: 2, actionDimension: 2, actionLimit: 1, config: config, using: &init_)
        return Trainer(agent: sac, env: Multigoal(), evaluationEnv: Multigoal(), schedule: schedule,
                       replayCapacity: config.replaySize, batchSize: config.batchSize, seed: SeedTree(seed: seed))
    }

    @Test func authorsScheduleUpdatesInBlocksAfterUpdateAfter() {
        var s = TrainingSchedule.smoke(steps: 40)
        (s.startSteps, s.updateAfter, s.updateEvery, s.evaluationEvery) = (20, 10, 5, 0)
        let t = makeTrainer(schedule: s)
        t.run()
        #expect(t.step == 40)
        #expect(t.updates == 30)  // after steps t = 10, 15, ..., 35 (0-based): 6 blocks of 5
        var p = s
        (p.startSteps, p.updateAfter, p.updateEvery) = (0, 1, 1)
        let u = makeTrainer(schedule: p)
        u.run()
        #expect(u.updates == 39)
        #expect(u.replay.count == 40)
    }

    @Test func evaluationsAtTheirSteps() {
        var s = TrainingSchedule.smoke(steps: 90)
        s.evaluationEvery = 30; s.evaluationEpisodes = 3
        let t = makeTrainer(schedule: s)
        t.run()
        #expect(t.evaluations.map(\.step) == [30, 60, 90])
        #expect(t.evaluations.allSatisfy { $0.returns.count == 3 && $0.returns.allSatisfy(\.isFinite) })
        #expect(!t.episodeReturns.isEmpty)
    }

    /// Test episodes played side by side (one batched `act` per time step over the episodes
    /// still running) return what each episode returns when played alone from the same reset:
    /// a direct loop, one observation per `act`. SAC's `mean` draws nothing, so the resets take
    /// the evaluation stream's first draws in both.
    @Test func batchedEvaluationPlaysEveryEpisodeAsAlone() {
        var s = TrainingSchedule.smoke(steps: 150)
        s.evaluationEvery = 0; s.evaluationEpisodes = 6
        let t = makeTrainer(schedule: s)
        t.run()
        let batched = t.evaluate()
        var g = SeedTree(seed: 3).stream(.evaluation)
        let envs = (0..<6).map { _ in Multigoal() }
        let starts = envs.map { $0.reset(using: &g) }
        var lengths: [Int] = []
        let alone = zip(envs, starts).map { env, start -> Double in
            var obs = start, total = 0.0, n = 0
            while true {
                var unused = Xoshiro256(seed: 0)
                let a = t.agent.act(observations: Tensor(obs.map(Float.init), shape: [1, 2]), selection: .mean, using: &unused).scalars
                let r = env.step(a)
                total += r.reward; obs = r.observation; n += 1
                if r.terminated || r.truncated { lengths.append(n); return total }
            }
        }
        #expect(batched.count == 6)
        for (b, a) in zip(batched, alone) { #expect(Swift.abs(b - a) <= 1e-5 * Swift.max(1, Swift.abs(a)), "\(batched) vs \(alone)") }
        // The reference episodes did not all end together, so the batch shrank along the way.
        #expect(Set(lengths).count > 1 || lengths.allSatisfy { $0 == Multigoal().maxEpisodeSteps }, "\(lengths)")
    }

    /// A schedule's further test rules are played at every evaluation point, stored apart and
    /// checkpointed with the rest.
    @Test func additionalRulesAreEvaluatedAndCheckpointed() throws {
        var s = TrainingSchedule.smoke(steps: 100)
        s.evaluationEvery = 50; s.evaluationEpisodes = 2; s.evaluationSelection = .mean
        s.additionalEvaluationSelections = [.sample]
        let t = makeTrainer(schedule: s)
        t.run()
        let more = try #require(t.additionalEvaluations[.sample])
        #expect(more.count == 2 && more.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isFinite) })
        let folder = makeTemporaryFolder("rules")
        try t.writeCheckpoint(path: folder + "/c.ckpt.h5", configJSON: "x")
        let u = makeTrainer(schedule: s)
        try u.readCheckpoint(path: folder + "/c.ckpt.h5", configJSON: "x")
        #expect(u.additionalEvaluations[.sample] == more)
        // The main rule cannot also be a further rule.
        var c = try TrainRunConfig.resolve(agent: "sac", env: "Multigoal", preset: "smoke", seed: 0)
        c.schedule.additionalEvaluationSelections = [.mean]
        #expect(throws: InputError.self) { try c.validate() }
    }

    @Test func sameSeedSameBits() {
        let s = TrainingSchedule.smoke(steps: 120)
        let a = makeTrainer(schedule: s), b = makeTrainer(schedule: s)
        a.run(); b.run()
        #expect(a.agent.parametersSHA256 == b.agent.parametersSHA256)
        #expect(a.replay.contentsSHA256 == b.replay.contentsSHA256)
        let c = makeTrainer(seed: 4, schedule: s)
        c.run()
        #expect(c.agent.parametersSHA256 != a.agent.parametersSHA256)
    }

    /// N steps, checkpoint, N more in a fresh process state == 2N steps, bit for bit.
    @Test func checkpointResumeIsBitIdentical() throws {
        let n = 137  // mid-episode (multigoal episodes last at most 30 steps)
        var s = TrainingSchedule.smoke(steps: 2 * n)
        s.evaluationEvery = 50
        let whole = makeTrainer(schedule: s)
        whole.run()
        let folder = makeTemporaryFolder("ckpt")
        let path = folder + "/run.ckpt.h5"
        let first = makeTrainer(schedule: s)
        first.run(until: n)
        #expect(first.episodeStep > 0)
        try first.writeCheckpoint(path: path, configJSON: "cfg")
        let second = makeTrainer(seed: 99, schedule: s)  // other weights: all must come from the file
        #expect(throws: InputError.self) { try second.readCheckpoint(path: path, configJSON: "other") }
        try second.readCheckpoint(path: path, configJSON: "cfg")
        #expect(second.step == n && second.observation == first.observation)
        second.run()
        #expect(second.agent.parametersSHA256 == whole.agent.parametersSHA256)
        #expect(second.replay.contentsSHA256 == whole.replay.contentsSHA256)
        #expect(second.evaluations.map(\.returns) == whole.evaluations.map(\.returns))
        #expect(second.episodeReturns.map(\.value) == whole.episodeReturns.map(\.value))
        #expect(second.updates == whole.updates)
    }

    /// The same on a MuJoCo environment with S2AC(phi,theta) (the MuJoCo runs' agent): the
    /// resumed episode is rebuilt by replaying its actions through the simulator, and the
    /// per-update loss log continues where it stopped.
    @Test func mujocoCheckpointResumeIsBitIdentical() throws {
        let n = 73
        var config = try TrainRunConfig.resolve(agent: "s2ac-phi-theta", env: "Hopper-v4", preset: "smoke", seed: 5,
                                                steps: 2 * n, evalEvery: 60, evalEpisodes: 1)
        config.schedule.startSteps = 40; config.schedule.updateAfter = 40
        let json = try canonicalJSON(config)
        let whole = try config.makeTrainer()
        whole.run()
        let path = makeTemporaryFolder("ckpt-mujoco") + "/run.ckpt.h5"
        let first = try config.makeTrainer()
        first.run(until: n)
        try first.writeCheckpoint(path: path, configJSON: json)
        var other = config
        other.seed = 6
        let second = try other.makeTrainer()
        try second.readCheckpoint(path: path, configJSON: json)
        #expect(second.step == n && second.observation == first.observation)
        second.run()
        #expect(whole.updates > 0 && second.updates == whole.updates)
        #expect(second.agent.parametersSHA256 == whole.agent.parametersSHA256)
        #expect(second.replay.contentsSHA256 == whole.replay.contentsSHA256)
        #expect(second.evaluations.map(\.returns) == whole.evaluations.map(\.returns))
        #expect(second.episodeReturns.map(\.value) == whole.episodeReturns.map(\.value))
        #expect(Set(second.updateLog.keys) == Set(whole.updateLog.keys))
        for (name, values) in whole.updateLog {
            #expect(second.updateLog[name]!.map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
        }
    }

    /// Truncation bootstraps, termination does not (REFERENCE section 4).
    @Test func truncationBootstrapsTerminationDoesNot() {
        var init_ = Xoshiro256(seed: 5)
        let sac = SAC(observationDimension: 2, actionDimension: 2, actionLimit: 1, config: .smoke(envID: "Multigoal"), using: &init_)
        var b = ReplayBatch(batchSize: 4, observationDim: 2, actionDim: 2)
        var g = Xoshiro256(seed: 6)
        for i in b.observations.indices { b.observations[i] = Float(g.nextUniform()); b.nextObservations[i] = Float(g.nextUniform()) }
        for i in b.actions.indices { b.actions[i] = Float(g.nextUniform() - 0.5) }
        let z = Tensor<Float>.zeros([4, 2])
        let base = sac.losses(batch: b, nextNoise: z, noise: z).criticLoss
        var truncated = b; truncated.truncated = [1, 1, 1, 1]
        #expect(sac.losses(batch: truncated, nextNoise: z, noise: z).criticLoss == base)
        var terminated = b; terminated.terminated = [1, 1, 1, 1]
        #expect(sac.losses(batch: terminated, nextNoise: z, noise: z).criticLoss != base)
    }
}

@Suite struct SACActingTests {
    /// `.mean` is act_limit * tanh(mu), deterministic; `.sample` draws inside the bounds.
    @Test func actionsRespectTheLimit() {
        var g = Xoshiro256(seed: 11)
        let sac = SAC(observationDimension: 3, actionDimension: 2, actionLimit: 0.4, config: .smoke(envID: "Humanoid-v4"), using: &g)
        let obs = Tensor<Float>.randomNormal([50, 3], using: &g)
        let m1 = sac.act(observations: obs, selection: .mean, using: &g)
        let m2 = sac.act(observations: obs, selection: .mean, using: &g)
        #expect(m1.scalars == m2.scalars)
        let expected = (sac.actor.mu(sac.actor.trunk(obs)).tanh() * Float(0.4)).scalars
        #expect(m1.scalars == expected)
        let s = sac.act(observations: obs, selection: .sample, using: &g)
        #expect(s.shape == [50, 2] && s.scalars.allSatisfy { abs($0) <= 0.4 })
        #expect(s.scalars != m1.scalars)
    }
}
