import Foundation
import Testing
import S2ACCore

/// The values written by scripts/reference/torch_ddpg_ppo.py (PyTorch 2.15.0, float32).
struct DDPGPPOFixture: Decodable {
    struct DDPGCase: Decodable {
        struct Config: Decodable {
            let seed: UInt64
            let batch, obs, act, policy_frequency: Int
            let act_limit, lr_actor, lr_critic, gamma, tau: Double
            let actor_hidden, critic_hidden: [Int]
        }
        struct Update: Decodable {
            let critic_loss: Double
            let actor_loss: Double?
            let critic_grads: [String: [Double]]
            let actor_grads: [String: [Double]]?
            let params_after: [String: [Double]]
        }
        let config: Config
        let terminated, truncated: [Double]
        let updates: [Update]
    }
    struct PPOConfigEntry: Decodable {
        let seed, shuffle_seed: UInt64
        let obs, act, minibatch, rollout, minibatches, epochs, terminated_at, truncated_at: Int
        let hidden: [Int]
        let log_std_bound, lr, fraction_remaining, adam_eps, clip, ent_coef, vf_coef, max_grad_norm, gamma, gae_lambda: Double
    }
    struct PPOMinibatchCase: Decodable {
        let config: PPOConfigEntry
        let old_log_probs, old_values: [Double]
        let loss, policy_loss, value_loss, entropy, approx_kl, clip_fraction, grad_norm: Double
        let grads, params_after: [String: [Double]]
    }
    struct PPOEpochsCase: Decodable {
        struct Last: Decodable { let loss, policy_loss, value_loss, entropy, approx_kl, clip_fraction, grad_norm: Double }
        let config: PPOConfigEntry
        let rewards, terminated, truncated, log_probs, values, advantages, returns: [Double]
        let final_value, next_value: Double
        let orders: [[Int]]
        let last: Last
        let params_after: [String: [Double]]
    }
    struct Cases: Decodable {
        let ddpg: DDPGCase
        let ppoMinibatch: PPOMinibatchCase
        let ppoEpochs: PPOEpochsCase
        enum CodingKeys: String, CodingKey { case ddpg, ppoMinibatch = "ppo-minibatch", ppoEpochs = "ppo-epochs" }
    }
    let cases: Cases

    static func load() throws -> DDPGPPOFixture {
        let url = try #require(Bundle.module.url(forResource: "torch_ddpg_ppo", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(DDPGPPOFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct TorchDDPGPPOTests {
    let tolerance = 1e-5

    /// The largest relative error over named tensors against the fixture, every name present.
    func worstError(_ got: [(name: String, tensor: Tensor<Float>)], _ want: [String: [Double]], _ what: String) throws -> Double {
        #expect(got.count == want.count, "\(what): \(got.count) tensors, fixture \(want.count)")
        var worst = 0.0
        for (name, t) in got {
            let e = relativeError(t.scalars, try #require(want[name], "\(what): \(name) missing"))
            #expect(e < tolerance, "\(what) \(name): \(e)")
            worst = max(worst, e)
        }
        return worst
    }

    // MARK: DDPG

    func ddpgFromFixture(_ f: DDPGPPOFixture.DDPGCase) -> (DDPG, ReplayBatch) {
        let c = f.config
        var config = DDPGConfig.paper(envID: "Hopper-v4")
        config.actorHidden = c.actor_hidden; config.criticHidden = c.critic_hidden
        config.actorLearningRate = c.lr_actor; config.criticLearningRate = c.lr_critic
        config.gamma = c.gamma; config.tau = c.tau; config.policyFrequency = c.policy_frequency; config.batchSize = c.batch
        var initRNG = Xoshiro256(seed: 1)
        let ddpg = DDPG(observationDimension: c.obs, actionDimension: c.act, actionLimit: Float(c.act_limit), config: config,
                        using: &initRNG)
        var d = TorchAgentTests.Drawer(rng: Xoshiro256(seed: c.seed))
        for net in [ddpg.actor, ddpg.targetActor, ddpg.critics.critics[0], ddpg.critics.targets[0]] {
            for l in net.layers { d.fill(l) }
        }
        let batch = d.batch(size: c.batch, obs: c.obs, act: c.act, actionLimit: c.act_limit,
                            terminated: f.terminated, truncated: f.truncated)
        return (ddpg, batch)
    }

    /// Two updates on one batch: the first moves the critic only (policy frequency 2), the
    /// second the critic, the actor and both targets; losses, every gradient and every
    /// parameter after each within 1e-5 of PyTorch.
    @Test func ddpgUpdatesMatchPyTorch() throws {
        let f = try DDPGPPOFixture.load().cases.ddpg
        let (ddpg, batch) = ddpgFromFixture(f)
        var worst = 0.0
        for (k, want) in f.updates.enumerated() {
            let l = ddpg.update(batch: batch)
            worst = max(worst, relativeError([l.criticLoss], [want.critic_loss]))
            #expect(relativeError([l.criticLoss], [want.critic_loss]) < tolerance, "update \(k + 1) critic loss")
            let criticNames = ddpg.critics.critics[0].namedParameters.map { "q.\($0.name)" }
            worst = max(worst, try worstError(Array(zip(criticNames, l.criticGradients)), want.critic_grads, "critic gradient"))
            if let actorLoss = want.actor_loss, let actorGrads = want.actor_grads {
                let got = try #require(l.actorLoss, "update \(k + 1) should move the actor")
                #expect(relativeError([got], [actorLoss]) < tolerance, "update \(k + 1) actor loss")
                let actorNames = ddpg.actor.namedParameters.map { "actor.\($0.name)" }
                worst = max(worst, try worstError(Array(zip(actorNames, l.actorGradients)), actorGrads, "actor gradient"))
            } else {
                #expect(l.actorLoss == nil, "update \(k + 1) should leave the actor")
            }
            worst = max(worst, try worstError(ddpg.parameterTensors, want.params_after, "parameters after update \(k + 1)"))
        }
        print("DDPG vs PyTorch (2 updates): largest relative error \(worst)")
    }

    // MARK: PPO

    func ppoFromFixture(_ c: DDPGPPOFixture.PPOConfigEntry) -> (PPO, TorchAgentTests.Drawer) {
        var config = PPOConfig.paper(envID: "Hopper-v4")
        config.actorHidden = c.hidden; config.criticHidden = c.hidden
        config.learningRate = c.lr; config.adamEpsilon = c.adam_eps; config.clipCoefficient = c.clip
        config.entropyCoefficient = c.ent_coef; config.valueCoefficient = c.vf_coef; config.maxGradNorm = c.max_grad_norm
        config.gamma = c.gamma; config.gaeLambda = c.gae_lambda
        config.rolloutLength = c.rollout; config.minibatches = c.minibatches; config.epochs = c.epochs
        var initRNG = Xoshiro256(seed: 1)
        let ppo = PPO(observationDimension: c.obs, actionDimension: c.act, actionLimit: 1, config: config, using: &initRNG)
        var d = TorchAgentTests.Drawer(rng: Xoshiro256(seed: c.seed))
        for l in ppo.critic.layers { d.fill(l) }
        for l in ppo.policy.mean.layers { d.fill(l) }
        ppo.policy.logStd.assign(Tensor(d.values(c.log_std_bound, c.act), shape: [1, c.act]))
        return (ppo, d)
    }

    /// One minibatch step with clipped ratios, clipped values and a clipped gradient norm:
    /// every loss and diagnostic, every gradient before clipping, the norm, every parameter after.
    @Test func ppoMinibatchStepMatchesPyTorch() throws {
        let f = try DDPGPPOFixture.load().cases.ppoMinibatch
        let c = f.config
        let (ppo, drawer) = ppoFromFixture(c)
        var d = drawer
        let b = c.minibatch
        let x = d.values(2, b * c.obs), a = d.values(2, b * c.act), adv = d.values(1, b), ret = d.values(1, b)
        let floats = { (v: [Double]) in v.map { Float($0) } }
        let batch = PPOMinibatch(observations: x, actions: a, logProbs: floats(f.old_log_probs), advantages: adv, returns: ret,
                                 values: floats(f.old_values))
        ppo.optimizer.learningRate = c.lr * c.fraction_remaining
        let l = ppo.step(batch)
        var worst = 0.0
        for (name, got, want) in [("loss", l.loss, f.loss), ("policy loss", l.policyLoss, f.policy_loss),
                                  ("value loss", l.valueLoss, f.value_loss), ("entropy", l.entropy, f.entropy),
                                  ("approx kl", l.approxKL, f.approx_kl), ("clip fraction", l.clipFraction, f.clip_fraction)] {
            let e = relativeError([got], [want])
            #expect(e < tolerance, "\(name): \(got) vs \(want)")
            worst = max(worst, e)
        }
        #expect(f.grad_norm > c.max_grad_norm, "the fixture should exercise the clip")
        #expect(abs(l.gradientNorm - f.grad_norm) / f.grad_norm < tolerance, "gradient norm \(l.gradientNorm) vs \(f.grad_norm)")
        let names = ppo.parameterTensors.map(\.name)
        worst = max(worst, try worstError(Array(zip(names, l.gradients)), f.grads, "gradient"))
        worst = max(worst, try worstError(ppo.parameterTensors, f.params_after, "parameters after the step"))
        print("PPO minibatch step vs PyTorch: largest relative error \(worst)")
    }

    /// A 32-step rollout with a termination and a truncation inside: GAE, then two epochs of
    /// four minibatches shuffled by the update stream (`PPO.learn`), against PyTorch.
    @Test func ppoLearnMatchesPyTorch() throws {
        let f = try DDPGPPOFixture.load().cases.ppoEpochs
        let c = f.config
        let (ppo, drawer) = ppoFromFixture(c)
        var d = drawer
        let n = c.rollout
        let x = d.values(2, n * c.obs), a = d.values(2, n * c.act)
        _ = d.values(1, n)  // rewards, read from the fixture below
        _ = d.values(2, c.obs)  // the final observation at the truncation: its value is the fixture's
        let next = d.values(2, c.obs)
        var rollout = RolloutBuffer(capacity: n, observationDim: c.obs, actionDim: c.act)
        for t in 0..<n {
            rollout.add(observation: Array(x[(t * c.obs)..<((t + 1) * c.obs)]), action: Array(a[(t * c.act)..<((t + 1) * c.act)]),
                        logProb: Float(f.log_probs[t]), value: Float(f.values[t]), reward: Float(f.rewards[t]),
                        terminated: f.terminated[t] == 1, truncated: f.truncated[t] == 1, bootstrapValue: Float(f.final_value))
        }
        #expect(relativeError([ppo.value(policyInput: next)], [f.next_value]) < tolerance)
        var rng = Xoshiro256(seed: c.shuffle_seed)
        let m = ppo.learn(from: &rollout, nextPolicyInput: next, fractionRemaining: c.fraction_remaining, using: &rng)
        var worst = max(relativeError(rollout.advantages, f.advantages), relativeError(rollout.returns, f.returns))
        #expect(worst < tolerance, "advantages and returns")
        for (name, got, want) in [("value loss", m.criticLoss, f.last.value_loss), ("policy loss", m.actorLoss ?? .nan, f.last.policy_loss)] {
            let e = abs(got - want) / max(abs(want), 1e-3)
            #expect(e < 1e-4, "last minibatch \(name): \(got) vs \(want)")
        }
        worst = max(worst, try worstError(ppo.parameterTensors, f.params_after, "parameters after two epochs"))
        print("PPO learn (GAE + 2 epochs x 4 minibatches) vs PyTorch: largest relative error \(worst)")
    }
}
