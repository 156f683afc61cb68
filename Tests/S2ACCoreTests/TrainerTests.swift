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
