import Foundation

/// Values of one update, exposed for the PyTorch conformance tests.
public struct S2ACUpdateTrace {
    public var criticLoss: Float
    public var actorLoss: Float?
    /// Per-particle log q^L at s' (critic target), [batch * m].
    public var logProbNext: [Float]
    /// Per-particle log q^L at s (actor loss), [batch * m]; empty for S2AC(phi).
    public var logProbActor: [Float]
    /// The Bellman target y, [batch].
    public var target: [Float]
    /// Gradients of the critic loss, in `critics.parameters` order.
    public var criticGradients: [[Float]]
    /// Gradients of the actor loss, in the actor's parameter order.
    public var actorGradients: [[Float]]
}

extension CriticEnsemble {
    /// S2AC's twin critics: ELU networks (REFERENCE section 4: second derivatives of Q).
    convenience init<G: RandomNumberGenerator>(s2ac config: S2ACConfig, observations: Int, actions: Int, using rng: inout G) {
        self.init(observations: observations, actions: actions, hidden: config.criticHidden, activation: .elu,
                  learningRate: config.criticLearningRate, layout: .authors, using: &rng)
    }

    /// S2AC's critic step: `softTarget` with the m particles a'_j at s' (`nextActions`
    /// [batch * m, d]) and log q^L per state (`nextLogProb` [batch]) at alpha_c, then `fit`;
    /// the loss, target and gradients go to `trace`.
    func update(batch: ReplayBatch, nextActions: Tensor<Float>, nextLogProb: Tensor<Float>, config: S2ACConfig,
                trace: inout S2ACUpdateTrace) {
        let y = softTarget(batch: batch, nextActions: nextActions, nextLogProb: nextLogProb, alpha: config.alphaCritic,
                           gamma: config.gamma)
        let (loss, grads) = fit(batch: batch, target: y)
        trace.criticLoss = loss
        trace.target = y.scalars
        trace.criticGradients = grads.map(\.scalars)
    }
}
