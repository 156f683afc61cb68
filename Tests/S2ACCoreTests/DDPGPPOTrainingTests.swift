import Foundation
import Testing
import S2ACCore

/// DDPG (off-policy) and PPO (on-policy) through the shared trainer: smoke runs on Hopper-v4
/// and Multigoal, resumed from a checkpoint to the same bits as a run never stopped.
@Suite struct DDPGPPOTrainingTests {
    func makeTrainer(agent: String, env envID: String, steps: Int, seed: UInt64) throws -> Trainer {
        let env = try TrainRunConfig.makeEnv(envID), evaluation = try TrainRunConfig.makeEnv(envID)
        let tree = SeedTree(seed: seed)
        var initRNG = tree.stream(.networkInit)
        let (o, a, limit) = (env.observationDimension, env.actionDimension, env.actionHigh.max() ?? 1)
        switch agent {
        case "ddpg":
            let c = DDPGConfig.smoke(envID: envID)
            let ddpg = DDPG(observationDimension: o, actionDimension: a, actionLimit: limit, config: c, using: &initRNG)
            return Trainer(agent: ddpg, env: env, evaluationEnv: evaluation,
                           schedule: c.schedule(name: "smoke", steps: steps, evaluationEvery: 100, evaluationEpisodes: 1),
                           replayCapacity: c.replaySize, batchSize: c.batchSize, seed: tree)
        default:
            let c = PPOConfig.smoke(envID: envID)
            let ppo = PPO(observationDimension: o, actionDimension: a, actionLimit: limit, config: c, using: &initRNG)
            return Trainer(agent: ppo, env: env, evaluationEnv: evaluation,
                           schedule: c.schedule(name: "smoke", steps: steps, evaluationEvery: 100, evaluationEpisodes: 1),
                           replayCapacity: 1, batchSize: 1, seed: tree)
        }
    }

    /// N steps, checkpoint, N more from the file in a trainer built with other weights == 2N
    /// steps: parameters, buffer, normaliser statistics, update log, evaluations and episodes.
    @Test(arguments: [("ddpg", "Hopper-v4"), ("ppo", "Hopper-v4"), ("ppo", "Multigoal")])
    func checkpointResumeIsBitIdentical(agent: String, env: String) throws {
        let n = 150  // DDPG: 100 updates after the 50 random steps; PPO: mid-rollout (2 x 64 + 22)
        let clock = ContinuousClock()
        let whole = try makeTrainer(agent: agent, env: env, steps: 2 * n, seed: 5)
        let elapsed = clock.measure { whole.run() }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("\(agent) \(env): \(2 * n) steps with \(whole.updates) updates and \(whole.evaluations.count) evaluations in "
              + String(format: "%.2f s (%.0f steps/s); params_sha256 %@", seconds, Double(2 * n) / seconds, whole.agent.parametersSHA256))
        let path = makeTemporaryFolder("ckpt-\(agent)") + "/run.ckpt.h5"
        let first = try makeTrainer(agent: agent, env: env, steps: 2 * n, seed: 5)
        first.run(until: n)
        try first.writeCheckpoint(path: path, configJSON: "cfg")
        let second = try makeTrainer(agent: agent, env: env, steps: 2 * n, seed: 6)
        try second.readCheckpoint(path: path, configJSON: "cfg")
        #expect(second.step == n && second.observation == first.observation)
        #expect(second.agent.parametersSHA256 == first.agent.parametersSHA256)
        second.run()
        print("\(agent) \(env): resumed at \(n), params_sha256 \(second.agent.parametersSHA256)")
        #expect(whole.updates > 0 && second.updates == whole.updates)
        #expect(second.agent.parametersSHA256 == whole.agent.parametersSHA256)
        if agent == "ddpg" {
            #expect(second.replay.contentsSHA256 == whole.replay.contentsSHA256)
        } else {
            #expect(first.rollout.count == n % 64 && second.rollout.contentsSHA256 == whole.rollout.contentsSHA256)
            let (p, q) = (try #require(second.agent as? PPO), try #require(whole.agent as? PPO))
            #expect(p.observationNormalizer == q.observationNormalizer && p.rewardScaler == q.rewardScaler)
        }
        #expect(second.evaluations.map(\.returns) == whole.evaluations.map(\.returns))
        #expect(second.episodeReturns.map(\.value) == whole.episodeReturns.map(\.value))
        #expect(Set(second.updateLog.keys) == Set(whole.updateLog.keys))
        for (name, values) in whole.updateLog {
            #expect(second.updateLog[name]!.map(\.bitPattern) == values.map(\.bitPattern), "\(name)")
        }
        #expect(whole.divergence == nil)
    }

    /// PPO: evaluation leaves the statistics frozen and reports raw returns; the rollout's
    /// actions are stored unclipped while the environment gets them clipped.
    @Test func ppoEvaluationIsFrozenAndRolloutsKeepUnclippedActions() throws {
        let t = try makeTrainer(agent: "ppo", env: "Multigoal", steps: 60, seed: 9)
        t.run(until: 60)
        let ppo = try #require(t.agent as? PPO)
        let before = (ppo.observationNormalizer, ppo.rewardScaler)
        let returns = t.evaluate()
        #expect(ppo.observationNormalizer == before.0 && ppo.rewardScaler == before.1)
        #expect(returns.count == 1 && returns[0].isFinite)
        #expect(t.rollout.count == 60)
        #expect(t.rollout.actions.prefix(120).contains { abs($0) > 1 }, "some stored action lies outside the bounds")
    }

    /// The trainer stores V(s_T) exactly at truncated steps (Multigoal truncates after 30 steps)
    /// and nothing at terminated or running ones (63 steps: one short of learning).
    @Test func ppoRolloutBootstrapsOnlyTruncations() throws {
        let t = try makeTrainer(agent: "ppo", env: "Multigoal", steps: 63, seed: 12)
        t.run()
        let r = t.rollout
        #expect(r.count == 63)
        let truncations = (0..<r.count).filter { r.truncated[$0] == 1 && r.terminated[$0] == 0 }
        #expect(!truncations.isEmpty)
        for i in 0..<r.count {
            let bootstraps = r.truncated[i] == 1 && r.terminated[i] == 0
            #expect((r.bootstrapValues[i] != 0) == bootstraps, "step \(i)")
        }
    }

    /// DDPG: `.mean` is limit * tanh(actor), deterministic; `.sample` adds noise and stays inside the bounds.
    @Test func ddpgActionsRespectTheLimit() {
        var g = Xoshiro256(seed: 11)
        let ddpg = DDPG(observationDimension: 3, actionDimension: 2, actionLimit: 0.4, config: .smoke(envID: "Humanoid-v4"), using: &g)
        let obs = Tensor<Float>.randomNormal([50, 3], using: &g)
        let m = ddpg.act(observations: obs, selection: .mean, using: &g)
        #expect(m.scalars == (ddpg.actor(obs) * Float(0.4)).scalars)
        let s = ddpg.act(observations: obs, selection: .sample, using: &g)
        #expect(s.shape == [50, 2] && s.scalars.allSatisfy { abs($0) <= 0.4 } && s.scalars != m.scalars)
    }
}
