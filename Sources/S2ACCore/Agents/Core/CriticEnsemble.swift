/// N Q networks (one for DDPG, two for SAC, SAC-NF, S2AC and SQL), each with a target copy
/// that follows it by Polyak averaging, and one Adam over all of them (REFERENCE section 4;
/// stable-baselines3's `ContinuousCritic` with `polyak_update`). The agents differ only in how
/// they estimate the next state's soft value; the target itself is `bellmanTarget`.
public final class CriticEnsemble {
    /// The groups a saved ensemble is written to; they are also the parameter names that
    /// `params_sha256` hashes. The SAC family writes stable-baselines3's spelling, S2AC and SQL
    /// the authors' code's (`core.py`: `q1_targ`, `q_optimizer`), so files and fingerprints
    /// written before the agents shared this type read and compare unchanged.
    public struct Layout: Sendable, Equatable {
        public var critics: [String]
        public var targets: [String]
        public var optimizer: String

        /// SAC and SAC-NF: q1, q2, q1_target, q2_target, critic_adam.
        public static let sac = Layout(critics: ["q1", "q2"], targets: ["q1_target", "q2_target"], optimizer: "critic_adam")
        /// S2AC and SQL (authors' code): q1, q2, q1_targ, q2_targ, q_optimizer.
        public static let authors = Layout(critics: ["q1", "q2"], targets: ["q1_targ", "q2_targ"], optimizer: "q_optimizer")
        /// One critic (DDPG): q, q_target, critic_adam.
        public static let single = Layout(critics: ["q"], targets: ["q_target"], optimizer: "critic_adam")
    }

    public let critics: [MLP<Float>]
    public let targets: [MLP<Float>]
    public let optimizer: Adam<Float>
    public let layout: Layout

    /// The critics, then their targets, drawn from `rng` in that order (PyTorch's default
    /// initialisation); the targets then start as copies of the critics. One critic per name
    /// of `layout`.
    public init<G: RandomNumberGenerator>(observations: Int, actions: Int, hidden: [Int], activation: Activation,
                                          learningRate: Double, layout: Layout, using rng: inout G) {
        precondition(!layout.critics.isEmpty && layout.critics.count == layout.targets.count,
                     "an ensemble needs one target per critic")
        func critic() -> MLP<Float> {
            MLP(inputs: observations + actions, hidden: hidden, outputs: 1, activation: activation, using: &rng)
        }
        critics = layout.critics.map { _ in critic() }
        targets = layout.targets.map { _ in critic() }
        for (target, critic) in zip(targets, critics) { target.copyParameters(from: critic) }
        optimizer = Adam(parameters: critics.flatMap(\.parameters), learningRate: learningRate)
        self.layout = layout
    }

    /// The first two critics and targets, for the agents and tests of the twin-critic family.
    public var q1: MLP<Float> { critics[0] }
    public var q2: MLP<Float> { critics[1] }
    public var target1: MLP<Float> { targets[0] }
    public var target2: MLP<Float> { targets[1] }

    /// The critics' parameters (not the targets'), in critic order: what the optimiser steps.
    public var parameters: [Tensor<Float>] { optimizer.parameters }

    /// min_k Q_k(s, a), [n, 1].
    public func minQ(_ s: Tensor<Float>, _ a: Tensor<Float>) -> Tensor<Float> { Self.minimum(critics, s, a) }

    /// min_k Q'_k(s, a) of the targets, [n, 1].
    public func minTargetQ(_ s: Tensor<Float>, _ a: Tensor<Float>) -> Tensor<Float> { Self.minimum(targets, s, a) }

    private static func minimum(_ nets: [MLP<Float>], _ s: Tensor<Float>, _ a: Tensor<Float>) -> Tensor<Float> {
        nets.dropFirst().reduce(nets[0](s, a)) { $0.minimum($1(s, a)) }
    }

    /// The detached target `y = r + gamma (1 - terminated) V(s')` ([batch]) with the soft value
    /// `V(s') = 1/m sum_j min_k Q'_k(s', a'_j) - alpha log pi(s')`: `nextActions` holds m
    /// actions per next state ([batch * m, d], state-major; m = 1 for SAC), `nextLogProb` one
    /// log-density per state ([batch]). Truncated transitions bootstrap.
    public func softTarget(batch: ReplayBatch, nextActions: Tensor<Float>, nextLogProb: Tensor<Float>, alpha: Double,
                           gamma: Double) -> Tensor<Float> {
        let b = batch.batchSize, m = nextActions.shape[0] / b
        precondition(m * b == nextActions.shape[0], "the same number of next actions for every state")
        return withNoGrad {
            let s2 = Tensor(batch.nextObservations, shape: [b, batch.observationDim])
            let q = m == 1 ? minTargetQ(s2, nextActions).reshaped([b])
                : minTargetQ(repeatRows(s2, m), nextActions).reshaped([b, m]).mean(axis: 1)
            let value = q - nextLogProb * Float(alpha)
            return Tensor(bellmanTargets(batch: batch, nextValues: value.scalars, gamma: gamma), shape: [b])
        }
    }

    /// `sum_k mean_i (Q_k(s_i, a_i) - y_i)^2` for a detached target y ([batch]), and its
    /// gradients with respect to `parameters`.
    public func loss(batch: ReplayBatch, target y: Tensor<Float>) -> (loss: Float, gradients: [Tensor<Float>]) {
        let b = batch.batchSize
        let s = Tensor(batch.observations, shape: [b, batch.observationDim])
        let a = Tensor(batch.actions, shape: [b, batch.actionDim])
        let errors = critics.map { ($0(s, a).reshaped([b]) - y).square().mean() }
        let loss = errors.dropFirst().reduce(errors[0], +)
        return (loss.item, grad(of: loss, wrt: parameters))
    }

    /// One Adam step of the critics with the given gradients (in `parameters` order).
    public func step(_ gradients: [Tensor<Float>]) {
        for (p, g) in zip(parameters, gradients) { p.grad = g }
        optimizer.step()
        optimizer.zeroGrad()
    }

    /// `loss`, then `step`; returns the loss and the gradients of the step.
    @discardableResult
    public func fit(batch: ReplayBatch, target y: Tensor<Float>) -> (loss: Float, gradients: [Tensor<Float>]) {
        let l = loss(batch: batch, target: y)
        step(l.gradients)
        return l
    }

    /// target <- (1 - tau) target + tau critic, for every pair.
    public func updateTargets(tau: Double) {
        for (target, critic) in zip(targets, critics) { polyakUpdate(target: target, source: critic, tau: tau) }
    }

    private var networks: [(String, MLP<Float>)] {
        Array(zip(layout.critics, critics)) + Array(zip(layout.targets, targets))
    }

    /// Every parameter, targets included, as `q1.layers.0.weight`, ..., in `layout` order.
    public var namedParameters: [(name: String, tensor: Tensor<Float>)] {
        networks.flatMap { prefix, net in net.namedParameters.map { ("\(prefix).\($0.name)", $0.tensor) } }
    }

    /// The networks and the optimiser as the groups `layout` names.
    public func save(to group: HDF5Group) throws {
        for (name, net) in networks { try net.saveParameters(to: group.createGroup(name)) }
        try optimizer.save(to: group.createGroup(layout.optimizer))
    }

    /// Reads what `save` wrote; a missing group is an `InputError` naming it.
    public func load(from group: HDF5Group) throws {
        for name in networks.map(\.0) + [layout.optimizer] where group.kind(of: name) != .group {
            throw InputError("\(group.file.path):\(group.path): no '\(name)' in the saved agent")
        }
        for (name, net) in networks { try net.loadParameters(from: group.group(name)) }
        try optimizer.load(from: group.group(layout.optimizer))
    }
}
