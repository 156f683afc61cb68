import Foundation

// Soft Actor-Critic at a fixed temperature (Haarnoja et al. 2018), the paper's main baseline
// (REFERENCE sections 3-5): a squashed Gaussian actor, twin Q critics with Polyak-averaged
// targets (`CriticEnsemble`), and separate critic and actor temperatures as the authors' code has them.

/// SAC's settings. `paper` follows Tables 3-4 of the paper, `authorsCode` the defaults of
/// the authors' `STAC/main.py` (REFERENCE section 5).
public struct SACConfig: Codable, Equatable, Sendable {
    /// Hidden widths of each Q network (paper Table 3: 2 x 256; code: 2 x 256).
    public var criticHidden: [Int]
    /// Hidden widths of the actor trunk (paper Table 3: 2 x 256; code main.py: 3 x 256).
    public var actorHidden: [Int]
    /// Hidden activation (paper Table 3 and code: ReLU for SAC).
    public var activation: Activation
    /// Adam learning rate of the critics (paper Table 3: 3e-4; code: 1e-3).
    public var criticLearningRate: Double
    /// Adam learning rate of the actor (paper Table 3: 3e-4; code: 1e-3).
    public var actorLearningRate: Double
    /// Minibatch size (paper Table 3 and code: 100).
    public var batchSize: Int
    /// Discount (paper Tables 3-4: 0.99 MuJoCo, 0.8 multigoal; code: 0.99).
    public var gamma: Double
    /// Temperature in the critic target, alpha_c (paper Table 3: 1.0 MuJoCo, 0.2 Ant; code: 0.2).
    public var alphaCritic: Double
    /// Temperature in the actor loss, alpha_a (same values as alpha_c in paper and code).
    public var alphaActor: Double
    /// Polyak rate of the target critics (paper Table 3: tau 0.005; code: polyak 0.995).
    public var tau: Double
    /// Replay buffer capacity (paper Table 3 and code: 1e6).
    public var replaySize: Int
    /// Lower end of the clamp of the actor's log sigma (code networks.py MLPSquashedGaussian; REFERENCE 3: -20).
    public var logStdMin: Double
    /// Upper end of that clamp (REFERENCE section 3: 2).
    public var logStdMax: Double

    /// Paper, Tables 3-4: the discount and alpha are the environment's (`EnvSpec.paperGamma`,
    /// `paperAlpha`: multigoal 0.8, Ant 0.2). The paper states no SAC alpha for multigoal; 1.0,
    /// its MuJoCo value, is used.
    public static func paper(envID: String) -> SACConfig {
        let env = EnvCatalog.known(envID)
        return SACConfig(criticHidden: [256, 256], actorHidden: [256, 256], activation: .relu,
                         criticLearningRate: 3e-4, actorLearningRate: 3e-4, batchSize: 100,
                         gamma: env.paperGamma, alphaCritic: env.paperAlpha, alphaActor: env.paperAlpha, tau: 0.005,
                         replaySize: 1_000_000, logStdMin: -20, logStdMax: 2)
    }

    /// The authors' `main.py` defaults (the same for every environment).
    public static var authorsCode: SACConfig {
        SACConfig(criticHidden: [256, 256], actorHidden: [256, 256, 256], activation: .relu,
                  criticLearningRate: 1e-3, actorLearningRate: 1e-3, batchSize: 100, gamma: 0.99,
                  alphaCritic: 0.2, alphaActor: 0.2, tau: 0.005, replaySize: 1_000_000, logStdMin: -20, logStdMax: 2)
    }

    /// Small networks for smoke tests that finish in seconds (not a result of the paper).
    public static func smoke(envID: String) -> SACConfig {
        var c = paper(envID: envID)
        c.criticHidden = [32, 32]; c.actorHidden = [32, 32]; c.batchSize = 32; c.replaySize = 10_000
        return c
    }
}

/// The squashed Gaussian policy: an MLP trunk, then linear heads for mu and log sigma.
/// `a = actLimit * tanh(u)`, `u = mu + sigma * xi`, `xi ~ N(0, I)`.
public final class SquashedGaussianActor: Module {
    public let trunk: MLP<Float>
    public let mu: Linear<Float>
    public let logStd: Linear<Float>
    public let actionLimit: Float
    let logStdRange: (Float, Float)

    init(observations: Int, actions: Int, hidden: [Int], activation: Activation, actionLimit: Float,
         logStdRange: (Float, Float), using rng: inout Xoshiro256) {
        precondition(!hidden.isEmpty, "the actor needs at least one hidden layer")
        trunk = MLP(inputs: observations, hidden: Array(hidden.dropLast()), outputs: hidden.last!,
                    activation: activation, outputActivation: activation, using: &rng)
        mu = Linear(hidden.last!, actions, using: &rng)
        logStd = Linear(hidden.last!, actions, using: &rng)
        self.actionLimit = actionLimit
        self.logStdRange = logStdRange
    }

    public var namedParameters: [(name: String, tensor: Tensor<Float>)] {
        trunk.namedParameters.map { ("trunk.\($0.name)", $0.tensor) }
            + mu.namedParameters.map { ("mu.\($0.name)", $0.tensor) }
            + logStd.namedParameters.map { ("log_std.\($0.name)", $0.tensor) }
    }

    /// The pre-squash Gaussian sample `u = mu + sigma * xi` for standard-normal `noise`
    /// ([batch, actions]) and its log-density `sum_d log N(u_d; mu_d, sigma_d)`, computed from
    /// xi directly since (u - mu) / sigma = xi.
    public func gaussian(_ observations: Tensor<Float>, noise: Tensor<Float>) -> (u: Tensor<Float>, logProb: Tensor<Float>) {
        let h = trunk(observations)
        let m = mu(h)
        let ls = logStd(h).clamped(min: logStdRange.0, max: logStdRange.1)
        let u = m + ls.exp() * noise
        let halfLog2Pi = Float(0.5 * Foundation.log(2 * Double.pi))
        return (u, (noise.square() * Float(-0.5) - ls - halfLog2Pi).sum(axis: 1))
    }

    /// The reparameterised action `actLimit * tanh(u)` and its log-density (`squashed`).
    public func sample(_ observations: Tensor<Float>, noise: Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>) {
        let (u, logProb) = gaussian(observations, noise: noise)
        return squashed(u, logProb: logProb, actionLimit: actionLimit)
    }

    /// The Gaussian mean mu(s) before squashing.
    public func mean(_ observations: Tensor<Float>) -> Tensor<Float> { mu(trunk(observations)) }

    /// `actLimit * tanh(mu)`: the deterministic action.
    public func meanAction(_ observations: Tensor<Float>) -> Tensor<Float> {
        mean(observations).tanh() * actionLimit
    }
}

/// `actLimit * tanh(u)` and the log-density of `u` ([batch]) minus the tanh correction
/// `sum_d 2 (log 2 - u - softplus(-2u))` = `sum_d log(1 - tanh(u)^2)` in a stable form
/// (REFERENCE section 3). The constant log(actLimit) is left out, as in the authors' code.
func squashed(_ u: Tensor<Float>, logProb: Tensor<Float>, actionLimit: Float) -> (action: Tensor<Float>, logProb: Tensor<Float>) {
    let correction = ((Float(Foundation.log(2.0)) - u - (u * Float(-2)).softplus()) * Float(2)).sum(axis: 1)
    return (u.tanh() * actionLimit, logProb - correction)
}

/// The losses and gradients of one SAC update, for conformance tests and logs.
public struct SACLosses {
    public var criticLoss: Float
    public var actorLoss: Float
    /// Gradients of the critic loss (q1 then q2 parameters) and of the actor loss (actor parameters).
    public var criticGradients: [Tensor<Float>]
    public var actorGradients: [Tensor<Float>]
    /// Mean log-density of the actions in the actor loss (minus an entropy estimate).
    public var meanLogProb: Float

    /// Fills the actor fields from `CriticEnsemble.actorLoss`.
    mutating func setActor(_ a: (loss: Float, gradients: [Tensor<Float>], meanLogProb: Float)) {
        (actorLoss, actorGradients, meanLogProb) = (a.loss, a.gradients, a.meanLogProb)
    }

    /// The losses as logged per update.
    public var metrics: UpdateMetrics {
        UpdateMetrics(criticLoss: Double(criticLoss), actorLoss: Double(actorLoss), extra: ["log_prob": Double(meanLogProb)])
    }
}

/// The SAC family's losses (SAC, SAC-NF; they differ only in their policy) over the shared
/// `CriticEnsemble`, saved with the `.sac` layout.
extension CriticEnsemble {
    /// SAC's twin ReLU critics (Table 3: 2 x 256), drawn from `rng` after the actor.
    convenience init(sac config: SACConfig, observations: Int, actions: Int, using rng: inout Xoshiro256) {
        self.init(observations: observations, actions: actions, hidden: config.criticHidden, activation: config.activation,
                  learningRate: config.criticLearningRate, layout: .sac, using: &rng)
    }

    /// The critic loss with the soft target `softTarget` at (a', log pi(a'|s')) = `policy(s')`,
    /// as `SACLosses` with the actor fields empty until `setActor`.
    func criticLosses(batch: ReplayBatch, alphaCritic: Double, gamma: Double,
                      policy: (Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>)) -> SACLosses {
        let y: Tensor<Float> = withNoGrad {
            let (a2, logp2) = policy(Tensor(batch.nextObservations, shape: [batch.batchSize, batch.observationDim]))
            return softTarget(batch: batch, nextActions: a2, nextLogProb: logp2, alpha: alphaCritic, gamma: gamma)
        }
        let c = loss(batch: batch, target: y)
        return SACLosses(criticLoss: c.loss, actorLoss: .nan, criticGradients: c.gradients, actorGradients: [], meanLogProb: .nan)
    }

    /// `softActorLoss` at the batch's states with reparameterised actions and log-densities
    /// from `policy`, differentiated with respect to `parameters` (the policy's).
    func actorLoss(batch: ReplayBatch, alphaActor: Double, parameters: [Tensor<Float>],
                   policy: (Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>))
        -> (loss: Float, gradients: [Tensor<Float>], meanLogProb: Float) {
        let s = Tensor(batch.observations, shape: [batch.batchSize, batch.observationDim])
        let (a, logp) = policy(s)
        let loss = softActorLoss(self, observations: s, action: a, logProb: logp, alphaActor: alphaActor)
        return (loss.item, grad(of: loss, wrt: parameters), logp.detached().mean().item)
    }
}

/// The SAC family's actor loss `mean(alpha_a log pi(a|s) - min Q(s,a))` for reparameterised
/// actions `a` with log-densities `logProb`; the caller differentiates it with respect to the
/// policy's parameters only, so the critics do not move.
func softActorLoss(_ critics: CriticEnsemble, observations s: Tensor<Float>, action a: Tensor<Float>, logProb: Tensor<Float>,
                   alphaActor: Double) -> Tensor<Float> {
    (logProb * Float(alphaActor) - critics.minQ(s, a).reshaped([s.shape[0]])).mean()
}

public final class SAC: OffPolicyAgent {
    public let name = "sac"
    public let config: SACConfig
    public let observationDimension: Int
    public let actionDimension: Int
    public let actor: SquashedGaussianActor
    public let critics: CriticEnsemble
    public let actorOptimizer: Adam<Float>
    private var noiseBuffer: [Float] = []

    /// Networks initialised from `rng` (by convention `SeedTree.stream(.networkInit)`) in the
    /// order actor, q1, q2, as PyTorch's defaults; targets start as copies of the critics.
    public init(observationDimension: Int, actionDimension: Int, actionLimit: Float, config: SACConfig,
                using rng: inout Xoshiro256) {
        self.config = config
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        actor = SquashedGaussianActor(observations: observationDimension, actions: actionDimension,
                                      hidden: config.actorHidden, activation: config.activation, actionLimit: actionLimit,
                                      logStdRange: (Float(config.logStdMin), Float(config.logStdMax)), using: &rng)
        critics = CriticEnsemble(sac: config, observations: observationDimension, actions: actionDimension, using: &rng)
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: config.actorLearningRate)
    }

    // MARK: acting

    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        withNoGrad {
            switch selection {
            case .mean, .max:
                return actor.meanAction(observations)
            case .sample, .random, .softmax:
                return actor.sample(observations, noise: gaussianNoise(rows: observations.shape[0], using: &rng)).action
            case .amortized:
                preconditionFailure("SAC has no amortized sampler")
            }
        }
    }

    private func gaussianNoise(rows: Int, using rng: inout Xoshiro256) -> Tensor<Float> {
        let n = rows * actionDimension
        if noiseBuffer.count != n { noiseBuffer = [Float](repeating: 0, count: n) }
        noiseBuffer.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
        return Tensor(noiseBuffer, shape: [rows, actionDimension])
    }

    // MARK: learning

    /// One update with the critics' next-state noise and the actor's noise drawn from `rng`
    /// (in that order, [batch, actions] each).
    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics {
        let nextNoise = gaussianNoise(rows: batch.batchSize, using: &rng)
        let noise = gaussianNoise(rows: batch.batchSize, using: &rng)
        return update(batch: batch, nextNoise: nextNoise, noise: noise).metrics
    }

    /// The full update with given noise: critic Adam step, actor Adam step, Polyak averaging.
    @discardableResult
    public func update(batch: ReplayBatch, nextNoise: Tensor<Float>, noise: Tensor<Float>) -> SACLosses {
        var l = criticLosses(batch: batch, nextNoise: nextNoise)
        critics.step(l.criticGradients)
        l.setActor(actorLoss(batch: batch, noise: noise))
        for (p, g) in zip(actorOptimizer.parameters, l.actorGradients) { p.grad = g }
        actorOptimizer.step()
        critics.updateTargets(tau: config.tau)
        return l
    }

    /// Both losses and their gradients on the current parameters, without any step (the
    /// actor loss here uses the critics before their update, unlike `update`).
    public func losses(batch: ReplayBatch, nextNoise: Tensor<Float>, noise: Tensor<Float>) -> SACLosses {
        var l = criticLosses(batch: batch, nextNoise: nextNoise)
        l.setActor(actorLoss(batch: batch, noise: noise))
        return l
    }

    /// The critic loss (`CriticEnsemble.criticLosses`) with a' drawn from the squashed Gaussian at s'.
    func criticLosses(batch: ReplayBatch, nextNoise: Tensor<Float>) -> SACLosses {
        critics.criticLosses(batch: batch, alphaCritic: config.alphaCritic, gamma: config.gamma) { actor.sample($0, noise: nextNoise) }
    }

    /// `softActorLoss` with reparameterised squashed-Gaussian actions, differentiated with
    /// respect to the actor's parameters.
    func actorLoss(batch: ReplayBatch, noise: Tensor<Float>) -> (loss: Float, gradients: [Tensor<Float>], meanLogProb: Float) {
        critics.actorLoss(batch: batch, alphaActor: config.alphaActor, parameters: actorOptimizer.parameters) {
            actor.sample($0, noise: noise)
        }
    }

    // MARK: state

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        actor.namedParameters.map { ("actor.\($0.name)", $0.tensor) } + critics.namedParameters
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try group.setAttribute("config_json", canonicalJSON(config))
        try actor.saveParameters(to: group.createGroup("actor"))
        try critics.save(to: group)
        try actorOptimizer.save(to: group.createGroup("actor_adam"))
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        for sub in ["actor", "actor_adam"] where group.kind(of: sub) != .group {
            throw InputError("\(group.file.path):\(group.path): no '\(sub)' in the saved agent")
        }
        try critics.load(from: group)
        try actor.loadParameters(from: group.group("actor"))
        try actorOptimizer.load(from: group.group("actor_adam"))
    }
}

extension SACConfig {
    /// The range of every field (`train --set` and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        c.actorCritic(criticHidden: criticHidden, actorHidden: actorHidden, criticLearningRate: criticLearningRate,
                      actorLearningRate: actorLearningRate, gamma: gamma, tau: tau, at: p)
        c.range(batchSize, 1...1_000_000, p + ".batchSize")
        c.temperature(alphaCritic, p + ".alphaCritic")
        c.temperature(alphaActor, p + ".alphaActor")
        c.range(replaySize, 1...100_000_000, p + ".replaySize")
        c.require(logStdMin.isFinite && logStdMax.isFinite && logStdMin < logStdMax, p + ".logStdMin",
                  "must be finite and below logStdMax, got \(logStdMin)...\(logStdMax)")
    }
}
