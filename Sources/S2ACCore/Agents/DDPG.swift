import Foundation

// Deep deterministic policy gradient (Lillicrap et al. 2016) in the form of cleanrl's
// `ddpg_continuous_action.py`, which follows Fujimoto et al.'s "OurDDPG": a deterministic tanh
// actor, one critic, target copies of both, Gaussian exploration noise, and the actor and the
// targets updated every second step. A Fig 8 baseline; the paper gives no hyperparameters for
// it (REFERENCE section 9), so every default is cleanrl's.

/// DDPG's settings; every default is cleanrl `ddpg_continuous_action.py`'s (`Args` and the
/// networks), for every environment.
public struct DDPGConfig: Codable, Equatable, Sendable {
    /// Hidden widths of the actor (cleanrl `Actor`: fc1, fc2 of 256).
    public var actorHidden: [Int]
    /// Hidden widths of the critic (cleanrl `QNetwork`: fc1, fc2 of 256 on state and action joined).
    public var criticHidden: [Int]
    /// Hidden activation of both networks (cleanrl: `F.relu`).
    public var activation: Activation
    /// Adam learning rate of the actor (cleanrl `learning_rate`: 3e-4, one value for both optimisers).
    public var actorLearningRate: Double
    /// Adam learning rate of the critic (cleanrl `learning_rate`: 3e-4).
    public var criticLearningRate: Double
    /// Minibatch size (cleanrl `batch_size`: 256).
    public var batchSize: Int
    /// Replay buffer capacity (cleanrl `buffer_size`: 1e6).
    public var replaySize: Int
    /// Discount (cleanrl `gamma`: 0.99).
    public var gamma: Double
    /// Polyak rate of the target actor and critic (cleanrl `tau`: 0.005).
    public var tau: Double
    /// Standard deviation of the Gaussian exploration noise, in units of the action scale
    /// (cleanrl `exploration_noise`: 0.1; the noise is `normal(0, action_scale * 0.1)`).
    public var explorationNoise: Double
    /// The actor and both targets move on every `policyFrequency`-th update only (cleanrl
    /// `policy_frequency`: 2, tested as `global_step % policy_frequency == 0`).
    public var policyFrequency: Int
    /// Uniform-random actions for the first this many steps; updates start after the step of
    /// 0-based index `startSteps` (cleanrl `learning_starts`: 25e3, random actions while
    /// `global_step < learning_starts`, updates when `global_step > learning_starts`).
    public var startSteps: Int

    public static func paper(envID: String) -> DDPGConfig {
        DDPGConfig(actorHidden: [256, 256], criticHidden: [256, 256], activation: .relu, actorLearningRate: 3e-4,
                   criticLearningRate: 3e-4, batchSize: 256, replaySize: 1_000_000, gamma: 0.99, tau: 0.005,
                   explorationNoise: 0.1, policyFrequency: 2, startSteps: 25_000)
    }

    /// Small networks and a short warm-up for smoke runs of a few hundred steps (not a setting
    /// of cleanrl's).
    public static func smoke(envID: String) -> DDPGConfig {
        var c = paper(envID: envID)
        c.actorHidden = [32, 32]; c.criticHidden = [32, 32]; c.batchSize = 32; c.replaySize = 10_000; c.startSteps = 50
        return c
    }

    /// The training schedule these settings imply: `startSteps` random steps, then one update
    /// per step from the step after; evaluation by the deterministic action (`mean`), training
    /// with exploration noise (`sample`).
    public func schedule(name: String, steps: Int, evaluationEvery: Int, evaluationEpisodes: Int) -> TrainingSchedule {
        TrainingSchedule(name: name, totalSteps: steps, startSteps: startSteps, updateAfter: startSteps + 1, updateEvery: 1,
                         evaluationEvery: evaluationEvery, evaluationEpisodes: evaluationEpisodes,
                         evaluationSelection: .mean, trainingSelection: .sample)
    }
}

/// The losses and gradients of one DDPG update, for conformance tests and logs.
public struct DDPGLosses {
    public var criticLoss: Float
    /// nil when this update did not move the actor (`policyFrequency`).
    public var actorLoss: Float?
    public var criticGradients: [Tensor<Float>]
    public var actorGradients: [Tensor<Float>]

    public var metrics: UpdateMetrics {
        UpdateMetrics(criticLoss: Double(criticLoss), actorLoss: actorLoss.map(Double.init))
    }
}

public final class DDPG: OffPolicyAgent {
    public let name = "ddpg"
    public let config: DDPGConfig
    public let observationDimension: Int
    public let actionDimension: Int
    /// mu(s) = actionLimit * tanh(MLP(s)) (cleanrl `Actor`: tanh, then `action_scale`; every
    /// environment here has bounds +-limit, so `action_bias` is 0).
    public let actor: MLP<Float>
    public let targetActor: MLP<Float>
    /// One critic and its target (`CriticEnsemble.Layout.single`).
    public let critics: CriticEnsemble
    public let actorOptimizer: Adam<Float>
    public let actionLimit: Float
    /// Updates so far (the critic moves on each, the actor on every `policyFrequency`-th).
    public private(set) var updates = 0
    private var noiseBuffer: [Float] = []

    /// Networks drawn from `rng` (by convention `SeedTree.stream(.networkInit)`) in the order
    /// actor, target actor, critic, target critic, with PyTorch's default initialisation as
    /// cleanrl builds them; the targets then start as copies.
    public init(observationDimension: Int, actionDimension: Int, actionLimit: Float, config: DDPGConfig,
                using rng: inout Xoshiro256) {
        precondition(config.policyFrequency > 0, "policyFrequency must be positive")
        self.config = config
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        self.actionLimit = actionLimit
        actor = MLP(inputs: observationDimension, hidden: config.actorHidden, outputs: actionDimension,
                    activation: config.activation, outputActivation: .tanh, using: &rng)
        targetActor = MLP(inputs: observationDimension, hidden: config.actorHidden, outputs: actionDimension,
                          activation: config.activation, outputActivation: .tanh, using: &rng)
        targetActor.copyParameters(from: actor)
        critics = CriticEnsemble(observations: observationDimension, actions: actionDimension, hidden: config.criticHidden,
                                 activation: config.activation, learningRate: config.criticLearningRate,
                                 layout: .single, using: &rng)
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: config.actorLearningRate)
    }

    /// mu(s) of `network` (the actor or its target).
    func policy(_ network: MLP<Float>, _ s: Tensor<Float>) -> Tensor<Float> { network(s) * actionLimit }

    // MARK: acting

    /// `.mean`: mu(s). `.sample` (training): mu(s) + N(0, (limit * explorationNoise)^2) per
    /// dimension, clipped to the bounds as cleanrl clips before the environment.
    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        withNoGrad {
            let mu = policy(actor, observations)
            switch selection {
            case .mean, .max:
                return mu
            case .sample, .random, .softmax:
                let n = mu.count
                if noiseBuffer.count != n { noiseBuffer = [Float](repeating: 0, count: n) }
                let std = actionLimit * Float(config.explorationNoise)
                noiseBuffer.withUnsafeMutableBufferPointer { rng.fillGaussian($0, std: std) }
                return (mu + Tensor(noiseBuffer, shape: mu.shape)).clamped(min: -actionLimit, max: actionLimit)
            case .amortized:
                preconditionFailure("DDPG has no amortized sampler")
            }
        }
    }

    // MARK: learning

    /// One update: the critic on y = r + gamma (1 - terminated) Q'(s', mu'(s')) (a truncated
    /// transition bootstraps); on every `policyFrequency`-th update also the actor on
    /// -mean Q(s, mu(s)) with the updated critic, then Polyak averaging of both targets. Draws nothing.
    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics { update(batch: batch).metrics }

    @discardableResult
    public func update(batch: ReplayBatch) -> DDPGLosses {
        updates += 1
        let critic = criticLoss(batch: batch)
        critics.step(critic.gradients)
        var l = DDPGLosses(criticLoss: critic.loss, actorLoss: nil, criticGradients: critic.gradients, actorGradients: [])
        if updates % config.policyFrequency == 0 {
            let a = actorLoss(batch: batch)
            (l.actorLoss, l.actorGradients) = (a.loss, a.gradients)
            for (p, g) in zip(actorOptimizer.parameters, a.gradients) { p.grad = g }
            actorOptimizer.step()
            actorOptimizer.zeroGrad()
            polyakUpdate(target: targetActor, source: actor, tau: config.tau)
            critics.updateTargets(tau: config.tau)
        }
        return l
    }

    /// The critic's mean squared error against the target networks' Bellman target, and its
    /// gradients with respect to the critic's parameters.
    public func criticLoss(batch: ReplayBatch) -> (loss: Float, gradients: [Tensor<Float>]) {
        let y: Tensor<Float> = withNoGrad {
            let s2 = Tensor(batch.nextObservations, shape: [batch.batchSize, batch.observationDim])
            let next = critics.minTargetQ(s2, policy(targetActor, s2)).reshaped([batch.batchSize])
            return Tensor(bellmanTargets(batch: batch, nextValues: next.scalars, gamma: config.gamma), shape: [batch.batchSize])
        }
        return critics.loss(batch: batch, target: y)
    }

    /// -mean_i Q(s_i, mu(s_i)) and its gradients with respect to the actor's parameters only.
    public func actorLoss(batch: ReplayBatch) -> (loss: Float, gradients: [Tensor<Float>]) {
        let s = Tensor(batch.observations, shape: [batch.batchSize, batch.observationDim])
        let loss = -critics.minQ(s, policy(actor, s)).mean()
        return (loss.item, grad(of: loss, wrt: actorOptimizer.parameters))
    }

    // MARK: state

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        actor.namedParameters.map { ("actor.\($0.name)", $0.tensor) }
            + targetActor.namedParameters.map { ("actor_target.\($0.name)", $0.tensor) } + critics.namedParameters
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try group.setAttribute("config_json", canonicalJSON(config))
        try group.setAttribute("updates", .int(updates))
        try actor.saveParameters(to: group.createGroup("actor"))
        try targetActor.saveParameters(to: group.createGroup("actor_target"))
        try critics.save(to: group)
        try actorOptimizer.save(to: group.createGroup("actor_adam"))
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        for sub in ["actor", "actor_target", "actor_adam"] where group.kind(of: sub) != .group {
            throw InputError("\(group.file.path):\(group.path): no '\(sub)' in the saved agent")
        }
        guard let n = try group.attribute("updates")?.intValue, n >= 0 else {
            throw InputError("\(group.file.path):\(group.path): no update count in the saved agent")
        }
        try critics.load(from: group)
        try actor.loadParameters(from: group.group("actor"))
        try targetActor.loadParameters(from: group.group("actor_target"))
        try actorOptimizer.load(from: group.group("actor_adam"))
        updates = n
    }
}

extension DDPGConfig {
    /// The range of every field (`train --set` and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        c.actorCritic(criticHidden: criticHidden, actorHidden: actorHidden, criticLearningRate: criticLearningRate,
                      actorLearningRate: actorLearningRate, gamma: gamma, tau: tau, at: p)
        c.range(batchSize, 1...1_000_000, p + ".batchSize")
        c.range(replaySize, 1...100_000_000, p + ".replaySize")
        c.require(explorationNoise.isFinite && explorationNoise >= 0, p + ".explorationNoise",
                  "must be finite and non-negative, got \(explorationNoise)")
        c.range(policyFrequency, 1...1000, p + ".policyFrequency")
        c.range(startSteps, 0...100_000_000, p + ".startSteps")
    }
}
