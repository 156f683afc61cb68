import Foundation

// Proximal policy optimisation (Schulman et al. 2017) in the form of cleanrl's
// `ppo_continuous_action.py`: a Gaussian policy with a state-independent log std and a separate
// value network, both 64-64 tanh with orthogonal initialisation; 2048-step rollouts with
// GAE(0.95); 10 epochs of 32 shuffled minibatches of the clipped surrogate with a clipped value
// loss; Adam annealed linearly to 0; the global gradient norm clipped to 0.5; observations and
// rewards normalised by running statistics (Gymnasium's wrappers, here inside the agent so they
// are saved with it and frozen in evaluation). A Fig 8 baseline; the paper gives no
// hyperparameters for it (REFERENCE section 9), so every default is cleanrl's.

/// PPO's settings; every default is cleanrl `ppo_continuous_action.py`'s (`Args`, `Agent`,
/// `make_env`), for every environment.
public struct PPOConfig: Codable, Equatable, Sendable {
    /// Hidden widths of the policy mean network (cleanrl `actor_mean`: 64, 64).
    public var actorHidden: [Int]
    /// Hidden widths of the value network (cleanrl `critic`: 64, 64).
    public var criticHidden: [Int]
    /// Hidden activation of both (cleanrl: `nn.Tanh`).
    public var activation: Activation
    /// Orthogonal-init gain of the hidden layers (cleanrl `layer_init` default `std=np.sqrt(2)`).
    public var hiddenGain: Double
    /// Orthogonal-init gain of the policy mean's output layer (cleanrl: `std=0.01`).
    public var actorOutputGain: Double
    /// Orthogonal-init gain of the value output layer (cleanrl: `std=1.0`).
    public var criticOutputGain: Double
    /// Initial state-independent log std of every action dimension (cleanrl `actor_logstd`: zeros).
    public var initialLogStd: Double
    /// Adam learning rate at the start (cleanrl `learning_rate`: 3e-4).
    public var learningRate: Double
    /// Anneal the learning rate linearly to 0 over the run's iterations (cleanrl `anneal_lr`:
    /// True; `lr = (1 - (iteration - 1) / num_iterations) * learning_rate`).
    public var annealLearningRate: Bool
    /// Adam's epsilon (cleanrl: `optim.Adam(..., eps=1e-5)`).
    public var adamEpsilon: Double
    /// Environment steps per rollout (cleanrl `num_steps`: 2048, one environment).
    public var rolloutLength: Int
    /// Passes over each rollout (cleanrl `update_epochs`: 10).
    public var epochs: Int
    /// Minibatches per pass, of `rolloutLength / minibatches` steps (cleanrl `num_minibatches`: 32).
    public var minibatches: Int
    /// Discount (cleanrl `gamma`: 0.99; also the reward normaliser's).
    public var gamma: Double
    /// GAE lambda (cleanrl `gae_lambda`: 0.95).
    public var gaeLambda: Double
    /// Ratio clip of the surrogate and of the value change (cleanrl `clip_coef`: 0.2).
    public var clipCoefficient: Double
    /// Clip the value loss too (cleanrl `clip_vloss`: True).
    public var clipValueLoss: Bool
    /// Normalise advantages per minibatch, (A - mean) / (std + 1e-8) (cleanrl `norm_adv`: True).
    public var normalizeAdvantages: Bool
    /// Weight of the entropy bonus (cleanrl `ent_coef`: 0.0).
    public var entropyCoefficient: Double
    /// Weight of the value loss (cleanrl `vf_coef`: 0.5).
    public var valueCoefficient: Double
    /// Clip of the global gradient norm (cleanrl `max_grad_norm`: 0.5, `clip_grad_norm_`).
    public var maxGradNorm: Double
    /// Normalise observations by running mean and variance (cleanrl `make_env`: `NormalizeObservation`).
    public var normalizeObservations: Bool
    /// Clip of the normalised observations (cleanrl: `TransformObservation(..., np.clip(obs, -10, 10))`).
    public var observationClip: Double
    /// Scale rewards by the running std of the discounted return (cleanrl `make_env`: `NormalizeReward(gamma)`).
    public var normalizeRewards: Bool
    /// Clip of the scaled rewards (cleanrl: `TransformReward(..., np.clip(reward, -10, 10))`).
    public var rewardClip: Double

    public static func paper(envID: String) -> PPOConfig {
        PPOConfig(actorHidden: [64, 64], criticHidden: [64, 64], activation: .tanh, hiddenGain: 2.0.squareRoot(),
                  actorOutputGain: 0.01, criticOutputGain: 1.0, initialLogStd: 0, learningRate: 3e-4,
                  annealLearningRate: true, adamEpsilon: 1e-5, rolloutLength: 2048, epochs: 10, minibatches: 32,
                  gamma: 0.99, gaeLambda: 0.95, clipCoefficient: 0.2, clipValueLoss: true, normalizeAdvantages: true,
                  entropyCoefficient: 0, valueCoefficient: 0.5, maxGradNorm: 0.5, normalizeObservations: true,
                  observationClip: 10, normalizeRewards: true, rewardClip: 10)
    }

    /// Small networks and short rollouts for smoke runs of a few hundred steps (not a setting
    /// of cleanrl's).
    public static func smoke(envID: String) -> PPOConfig {
        var c = paper(envID: envID)
        c.actorHidden = [16, 16]; c.criticHidden = [16, 16]; c.rolloutLength = 64; c.epochs = 2; c.minibatches = 4
        return c
    }

    /// The training schedule: no random warm-up (the off-policy fields are unused by an
    /// on-policy learner); training draws from the policy (`sample`), tests take its mean.
    public func schedule(name: String, steps: Int, evaluationEvery: Int, evaluationEpisodes: Int) -> TrainingSchedule {
        TrainingSchedule(name: name, totalSteps: steps, startSteps: 0, updateAfter: 0, updateEvery: 1,
                         evaluationEvery: evaluationEvery, evaluationEpisodes: evaluationEpisodes,
                         evaluationSelection: .mean, trainingSelection: .sample)
    }
}

/// The Gaussian policy: mean = MLP(x), log std a free parameter per action dimension.
public final class PPOPolicy: Module {
    public let mean: MLP<Float>
    /// [1, actions] (cleanrl `actor_logstd`).
    public let logStd: Tensor<Float>

    init(observations: Int, actions: Int, config: PPOConfig, using rng: inout Xoshiro256) {
        mean = orthogonalMLP(inputs: observations, hidden: config.actorHidden, outputs: actions, activation: config.activation,
                             hiddenGain: config.hiddenGain, outputGain: config.actorOutputGain, using: &rng)
        logStd = Tensor([Float](repeating: Float(config.initialLogStd), count: actions), shape: [1, actions]).trackingGrad()
    }

    public var namedParameters: [(name: String, tensor: Tensor<Float>)] {
        mean.namedParameters.map { ("mean.\($0.name)", $0.tensor) } + [("log_std", logStd)]
    }

    /// sum_d log N(a_d; mu_d, sigma_d) and sum_d of the Gaussian entropy 1/2 + 1/2 log(2 pi) + log sigma_d
    /// (torch `Normal.log_prob` and `entropy`), [batch] each.
    func logProbAndEntropy(_ x: Tensor<Float>, actions a: Tensor<Float>) -> (logProb: Tensor<Float>, entropy: Tensor<Float>) {
        let mu = mean(x)
        let variance = (logStd * Float(2)).exp()
        let halfLog2Pi = Float(0.5 * Foundation.log(2 * Double.pi))
        let logProb = ((a - mu).square() / (variance * Float(2)) + logStd + halfLog2Pi).sum(axis: 1) * Float(-1)
        let entropy = (logStd + (0.5 + halfLog2Pi)).sum(axis: 1).expanded(to: [x.shape[0]])
        return (logProb, entropy)
    }
}

/// inputs -> hidden (activation) -> outputs, every layer `.orthogonal`: `hiddenGain` for the
/// hidden layers, `outputGain` for the last (cleanrl `layer_init`).
func orthogonalMLP(inputs: Int, hidden: [Int], outputs: Int, activation: Activation, hiddenGain: Double, outputGain: Double,
                   using rng: inout Xoshiro256) -> MLP<Float> {
    let sizes = [inputs] + hidden + [outputs]
    let layers = (0..<(sizes.count - 1)).map { i in
        Linear<Float>(sizes[i], sizes[i + 1], initialization: .orthogonal(gain: i == sizes.count - 2 ? outputGain : hiddenGain),
                      using: &rng)
    }
    return MLP(layers: layers, activation: activation)
}

/// One minibatch of a rollout, gathered into preallocated rows.
public struct PPOMinibatch {
    public var observations: [Float]
    public var actions: [Float]
    public var logProbs: [Float]
    public var advantages: [Float]
    public var returns: [Float]
    public var values: [Float]
    public var count: Int

    public init(observations: [Float], actions: [Float], logProbs: [Float], advantages: [Float], returns: [Float], values: [Float]) {
        self.observations = observations; self.actions = actions; self.logProbs = logProbs
        self.advantages = advantages; self.returns = returns; self.values = values; count = logProbs.count
    }
}

/// The losses, diagnostics and gradients of one minibatch step.
public struct PPOLosses {
    /// pg_loss - entropy_coef * entropy + value_coef * v_loss.
    public var loss: Float
    public var policyLoss: Float
    public var valueLoss: Float
    public var entropy: Float
    /// ((ratio - 1) - log ratio).mean() (cleanrl `approx_kl`).
    public var approxKL: Float
    /// Share of |ratio - 1| > clip (cleanrl `clipfracs`).
    public var clipFraction: Float
    /// Gradients in `PPO.parameters` order, before clipping.
    public var gradients: [Tensor<Float>]
    /// Their global 2-norm, and the factor they were scaled by (min(1, max / (norm + 1e-6))).
    public var gradientNorm: Double = .nan
    public var clipScale: Float = 1
}

public final class PPO: OnPolicyAgent {
    public let name = "ppo"
    public let config: PPOConfig
    public let observationDimension: Int
    public let actionDimension: Int
    public let actionLimit: Float
    public let critic: MLP<Float>
    public let policy: PPOPolicy
    /// One Adam over the critic, then the policy mean, then the log std (cleanrl `agent.parameters()`).
    public let optimizer: Adam<Float>
    public private(set) var observationNormalizer: ObservationNormalizer
    public private(set) var rewardScaler: RewardScaler
    private var order: [Int]
    private var minibatch: PPOMinibatch

    /// The critic, then the policy mean, drawn from `rng` (cleanrl builds them in that order).
    public init(observationDimension: Int, actionDimension: Int, actionLimit: Float, config: PPOConfig,
                using rng: inout Xoshiro256) {
        precondition(config.minibatches > 0 && config.rolloutLength % config.minibatches == 0 && config.epochs > 0,
                     "PPO needs a rollout of whole minibatches and at least one epoch")
        self.config = config
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        self.actionLimit = actionLimit
        critic = orthogonalMLP(inputs: observationDimension, hidden: config.criticHidden, outputs: 1, activation: config.activation,
                               hiddenGain: config.hiddenGain, outputGain: config.criticOutputGain, using: &rng)
        policy = PPOPolicy(observations: observationDimension, actions: actionDimension, config: config, using: &rng)
        optimizer = Adam(parameters: critic.parameters + policy.parameters, learningRate: config.learningRate, eps: config.adamEpsilon)
        observationNormalizer = ObservationNormalizer(dimension: observationDimension, clip: config.observationClip)
        rewardScaler = RewardScaler(gamma: config.gamma, clip: config.rewardClip)
        order = Array(0..<config.rolloutLength)
        let m = config.rolloutLength / config.minibatches
        minibatch = PPOMinibatch(observations: [Float](repeating: 0, count: m * observationDimension),
                                 actions: [Float](repeating: 0, count: m * actionDimension), logProbs: [Float](repeating: 0, count: m),
                                 advantages: [Float](repeating: 0, count: m), returns: [Float](repeating: 0, count: m),
                                 values: [Float](repeating: 0, count: m))
    }

    public var rolloutLength: Int { config.rolloutLength }

    // MARK: acting

    public func observe(_ observation: [Double], updatingStatistics: Bool) -> [Float] {
        guard config.normalizeObservations else { return observation.map { Float($0) } }
        return observationNormalizer(observation, updating: updatingStatistics)
    }

    /// Raw observations in, with the statistics frozen; `.mean`: the policy mean, `.sample`: a
    /// draw from the policy; either clipped to the bounds.
    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        let rows = observations.shape[0], raw = observations.scalars.map(Double.init)
        var inputs: [Float] = []
        inputs.reserveCapacity(raw.count)
        for r in 0..<rows {
            inputs += observe(Array(raw[(r * observationDimension)..<((r + 1) * observationDimension)]), updatingStatistics: false)
        }
        return withNoGrad {
            let mu = policy.mean(Tensor(inputs, shape: [rows, observationDimension]))
            switch selection {
            case .mean, .max:
                return mu.clamped(min: -actionLimit, max: actionLimit)
            case .sample, .random, .softmax:
                let noise = Tensor<Float>.randomNormal([rows, actionDimension], using: &rng)
                return (mu + policy.logStd.exp() * noise).clamped(min: -actionLimit, max: actionLimit)
            case .amortized:
                preconditionFailure("PPO has no amortized sampler")
            }
        }
    }

    public func sample(policyInput: [Float], selection: ActionSelection, using rng: inout Xoshiro256)
        -> (action: [Float], logProb: Float, value: Float) {
        withNoGrad {
            let x = Tensor(policyInput, shape: [1, observationDimension])
            let mu = policy.mean(x)
            let a: Tensor<Float>
            switch selection {
            case .mean, .max: a = mu
            default: a = mu + policy.logStd.exp() * Tensor<Float>.randomNormal([1, actionDimension], using: &rng)
            }
            return (a.scalars, policy.logProbAndEntropy(x, actions: a).logProb.item, critic(x).item)
        }
    }

    public func value(policyInput: [Float]) -> Float {
        withNoGrad { critic(Tensor(policyInput, shape: [1, observationDimension])).item }
    }

    public func scaleReward(_ reward: Double, terminated: Bool) -> Float {
        guard config.normalizeRewards else { return Float(reward) }
        return rewardScaler(reward, terminated: terminated)
    }

    // MARK: learning

    /// GAE on the rollout, then `epochs` passes over it in minibatches shuffled by `rng`
    /// (Fisher-Yates, as `np.random.shuffle`), one clipped Adam step each, at the learning
    /// rate `fractionRemaining * learningRate` when annealed. Reports the last minibatch's
    /// losses (as cleanrl logs them) and the mean clip fraction.
    public func learn(from rollout: inout RolloutBuffer, nextPolicyInput: [Float], fractionRemaining: Double,
                      using rng: inout Xoshiro256) -> UpdateMetrics {
        precondition(rollout.count == config.rolloutLength, "PPO learns from full rollouts")
        rollout.computeAdvantages(lastValue: value(policyInput: nextPolicyInput), gamma: config.gamma, lambda: config.gaeLambda)
        optimizer.learningRate = config.annealLearningRate ? fractionRemaining * config.learningRate : config.learningRate
        let n = rollout.count, size = n / config.minibatches
        var last: PPOLosses?
        var clipFractions = 0.0, steps = 0
        for i in 0..<n { order[i] = i }  // cleanrl: `b_inds = np.arange(batch_size)` each iteration
        for _ in 0..<config.epochs {
            for i in stride(from: n - 1, to: 0, by: -1) { order.swapAt(i, rng.nextIndex(i + 1)) }
            for start in stride(from: 0, to: n, by: size) {
                gather(rollout, rows: order[start..<(start + size)])
                let l = step(minibatch)
                clipFractions += Double(l.clipFraction); steps += 1
                last = l
            }
        }
        let l = last!
        return UpdateMetrics(criticLoss: Double(l.valueLoss), actorLoss: Double(l.policyLoss),
                             extra: ["entropy": Double(l.entropy), "approx_kl": Double(l.approxKL),
                                     "clip_fraction": clipFractions / Double(steps), "grad_norm": l.gradientNorm,
                                     "learning_rate": optimizer.learningRate])
    }

    /// Copies the rollout's `rows` into the preallocated minibatch.
    private func gather(_ r: RolloutBuffer, rows: ArraySlice<Int>) {
        let o = observationDimension, d = actionDimension
        for (k, row) in rows.enumerated() {
            for j in 0..<o { minibatch.observations[k * o + j] = r.observations[row * o + j] }
            for j in 0..<d { minibatch.actions[k * d + j] = r.actions[row * d + j] }
            minibatch.logProbs[k] = r.logProbs[row]; minibatch.advantages[k] = r.advantages[row]
            minibatch.returns[k] = r.returns[row]; minibatch.values[k] = r.values[row]
        }
    }

    /// The critic's, then the policy's parameters: the optimiser's order.
    public var parameters: [Tensor<Float>] { optimizer.parameters }

    /// One minibatch step: losses and gradients, the global norm clipped, one Adam step.
    @discardableResult
    public func step(_ batch: PPOMinibatch) -> PPOLosses {
        var l = losses(batch)
        var squares = 0.0
        for g in l.gradients { g.withUnsafeBufferPointer { for x in $0 { squares += Double(x) * Double(x) } } }
        l.gradientNorm = squares.squareRoot()
        l.clipScale = Float(min(1, config.maxGradNorm / (l.gradientNorm + 1e-6)))
        for (p, g) in zip(parameters, l.gradients) { p.grad = l.clipScale == 1 ? g : g * l.clipScale }
        optimizer.step()
        optimizer.zeroGrad()
        return l
    }

    /// cleanrl's minibatch loss on the current parameters, with its gradients:
    ///
    ///     ratio   = exp(log pi(a|x) - log pi_old(a|x)),  A normalised per minibatch
    ///     pg      = mean max(-A ratio, -A clip(ratio, 1 - c, 1 + c))
    ///     v_loss  = 1/2 mean max((V - R)^2, (V_old + clip(V - V_old, -c, c) - R)^2)
    ///     loss    = pg - ent_coef mean H + vf_coef v_loss
    public func losses(_ batch: PPOMinibatch) -> PPOLosses {
        let b = batch.count, c = Float(config.clipCoefficient)
        var adv = batch.advantages
        if config.normalizeAdvantages {
            let mean = adv.reduce(0.0) { $0 + Double($1) } / Double(b)
            let variance = adv.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(b - 1)
            adv = adv.map { Float((Double($0) - mean) / (variance.squareRoot() + 1e-8)) }
        }
        let x = Tensor(batch.observations, shape: [b, observationDimension])
        let (logProb, entropy) = policy.logProbAndEntropy(x, actions: Tensor(batch.actions, shape: [b, actionDimension]))
        let logRatio = logProb - Tensor(batch.logProbs, shape: [b])
        let ratio = logRatio.exp()
        let a = Tensor(adv, shape: [b])
        let policyLoss = ((a * ratio) * Float(-1)).maximum((a * ratio.clamped(min: 1 - c, max: 1 + c)) * Float(-1)).mean()
        let v = critic(x).reshaped([b]), returns = Tensor(batch.returns, shape: [b])
        let unclipped = (v - returns).square()
        let valueLoss: Tensor<Float>
        if config.clipValueLoss {
            let old = Tensor(batch.values, shape: [b])
            let clipped = (old + (v - old).clamped(min: -c, max: c) - returns).square()
            valueLoss = unclipped.maximum(clipped).mean() * Float(0.5)
        } else {
            valueLoss = unclipped.mean() * Float(0.5)
        }
        let meanEntropy = entropy.mean()
        let loss = policyLoss - meanEntropy * Float(config.entropyCoefficient) + valueLoss * Float(config.valueCoefficient)
        let r = ratio.detached().scalars, lr = logRatio.detached().scalars
        let kl = zip(r, lr).reduce(0.0) { $0 + Double(($1.0 - 1) - $1.1) } / Double(b)
        let clipped = r.reduce(0) { $0 + (Swift.abs($1 - 1) > c ? 1 : 0) }
        return PPOLosses(loss: loss.item, policyLoss: policyLoss.item, valueLoss: valueLoss.item, entropy: meanEntropy.item,
                         approxKL: Float(kl), clipFraction: Float(clipped) / Float(b), gradients: grad(of: loss, wrt: parameters))
    }

    // MARK: state

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        critic.namedParameters.map { ("critic.\($0.name)", $0.tensor) }
            + policy.namedParameters.map { ("actor.\($0.name)", $0.tensor) }
    }

    /// Networks, optimiser and both normalisers' statistics.
    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try group.setAttribute("config_json", canonicalJSON(config))
        try critic.saveParameters(to: group.createGroup("critic"))
        try policy.saveParameters(to: group.createGroup("actor"))
        try optimizer.save(to: group.createGroup("adam"))
        try observationNormalizer.save(to: group.createGroup("observation_statistics"))
        try rewardScaler.save(to: group.createGroup("return_statistics"))
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        for sub in ["critic", "actor", "adam", "observation_statistics", "return_statistics"] where group.kind(of: sub) != .group {
            throw InputError("\(group.file.path):\(group.path): no '\(sub)' in the saved agent")
        }
        try critic.loadParameters(from: group.group("critic"))
        try policy.loadParameters(from: group.group("actor"))
        try optimizer.load(from: group.group("adam"))
        try observationNormalizer.load(from: group.group("observation_statistics"))
        try rewardScaler.load(from: group.group("return_statistics"))
    }
}

extension PPOConfig {
    /// The range of every field (`train --set` and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        c.widths(actorHidden, p + ".actorHidden")
        c.widths(criticHidden, p + ".criticHidden")
        c.learningRate(learningRate, p + ".learningRate")
        c.unitInterval(gamma, p + ".gamma")
        c.positive(hiddenGain, p + ".hiddenGain")
        c.positive(actorOutputGain, p + ".actorOutputGain")
        c.positive(criticOutputGain, p + ".criticOutputGain")
        c.require(initialLogStd.isFinite && abs(initialLogStd) <= 20, p + ".initialLogStd", "must be in -20...20, got \(initialLogStd)")
        c.require(adamEpsilon.isFinite && adamEpsilon > 0 && adamEpsilon < 1, p + ".adamEpsilon", "must be in (0, 1), got \(adamEpsilon)")
        c.range(rolloutLength, 1...10_000_000, p + ".rolloutLength")
        c.range(epochs, 1...1000, p + ".epochs")
        c.range(minibatches, 1...max(rolloutLength, 1), p + ".minibatches")
        c.require(rolloutLength % max(minibatches, 1) == 0, p + ".minibatches",
                  "must divide rolloutLength (\(rolloutLength)), got \(minibatches)")
        c.unitInterval(gaeLambda, p + ".gaeLambda")
        c.require(clipCoefficient.isFinite && clipCoefficient > 0, p + ".clipCoefficient", "must be positive, got \(clipCoefficient)")
        c.require(entropyCoefficient.isFinite && entropyCoefficient >= 0, p + ".entropyCoefficient",
                  "must be finite and non-negative, got \(entropyCoefficient)")
        c.positive(valueCoefficient, p + ".valueCoefficient")
        c.positive(maxGradNorm, p + ".maxGradNorm")
        c.positive(observationClip, p + ".observationClip")
        c.positive(rewardClip, p + ".rewardClip")
    }
}
