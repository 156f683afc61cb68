import Foundation

/// Settings of S2AC(phi) and S2AC(phi,theta). Two presets: `paper` (Tables 3, 4, Eq. 10-13,
/// Thm 3.3) and `authorsCode` (`STAC/main.py`, `core.py`, `actors/actor_svgd.py`); REFERENCE
/// sections 3-5. Every run records which preset (and which overrides) it used.
///
/// Shared by both presets (as in the code): SVGD runs on the pre-squash u (the paper scores Q at
/// tanh(u) with the Jacobian's term, the code at u itself); the bandwidth is computed per state
/// from detached distances; log q^L(s) of a state is the mean over its m particles
/// (actor_svgd.py `logp_a`). Not followed: the code's a0 pool (opt-in, `authorsA0Pool`) and its
/// network evaluation on 2000/m copies of each state for rejection (same law, cheaper here).
public struct S2ACConfig: Codable, Sendable, Equatable {
    /// Preset name written to result files (`paper`, `authors-code`, or a custom label).
    public var preset: String
    /// m, SVGD particles per state (Table 3: 10; main.py `num_svgd_particles` 10).
    public var particles: Int
    /// L for S2AC(phi) (Table 3: 20; main.py 20).
    public var stepsPhi: Int
    /// L for S2AC(phi,theta) (Table 3: 3; main.py 3).
    public var stepsPhiTheta: Int
    /// eps, the SVGD step size (Table 3: 0.1; main.py `svgd_lr` 0.1).
    public var stepSize: Double
    /// sigma_p0, the std of q0 = N(0, sigma_p0^2 I) for S2AC(phi). Tables 4 and 3 write N(0, 0.5 I)
    /// (MuJoCo) and N(0, 0.3 I) (multigoal); elsewhere the paper's N(mu, c I) is a covariance
    /// (Table 2 and the notebook's Fig 4a start N(0, 6 I)), so `paper` reads 0.5 and 0.3 as
    /// variances: sigma_p0 = sqrt(0.5), sqrt(0.3). main.py `svgd_sigma_p0` 0.5 is the std it samples with.
    public var sigmaP0: Double
    /// Use the code's log q0 = -d/2 log(2 pi sigma_p0) - |a0|^2 / (2 sigma_p0), i.e. sigma_p0
    /// taken as the variance while a0 is drawn with std sigma_p0 (actor_svgd.py `logp_normal`).
    /// false: the exact density of the distribution actually sampled.
    public var authorsLogQ0: Bool
    /// Draw a0 of S2AC(phi) from a pool of 5 * batch * m normals made at construction
    /// (actor_svgd.py `self.a0`); false (default in both presets) draws fresh noise every call.
    public var authorsA0Pool: Bool
    /// t: q0 particles of S2AC(phi,theta) must satisfy |xi| <= t componentwise (paper Sec. 4, t = 3).
    /// Both presets reject the initial noise only. Eq. 9 asks for mu - t sigma <= a^l <= mu + t sigma
    /// at every step l, by sampling more particles and keeping those that stay inside; we do
    /// not follow it: the particles interact, so keeping some changes the others' steps, and the
    /// kept set's density is q^L times an acceptance probability that depends on theta and Q,
    /// which Thm 3.3 leaves out (rejecting xi before the first step costs only a constant);
    /// redrawing until a whole set stays inside need not end while the score points out of the
    /// band (sigma_theta is clamped to [0.1, 1], so the band can be +-0.3 wide), and clamping
    /// would break invertibility (Sec. 3.1).
    public var truncation: Double
    /// log sigma_theta clamp (networks.py `MLPSquashedGaussian`: [-20, 2]).
    public var logStdRange: [Double]
    /// sigma_theta clamp (actor_svgd.py `torch.clamp(self.sigma, 0.1, 1.0)`).
    public var sigmaRange: [Double]
    /// alpha of the sampler's target exp(Q / alpha) (Eq. 23) in the paper's placement (Eq. 24,
    /// Appendix H.1, Thm 3.3): score grad_u min(Q1,Q2) undivided, repulsion weighted by alpha
    /// (`SteinPolicy.temperature`); nil: the code's sampler, alpha unused (actor_svgd.py `phi`).
    public var svgdTemperature: Double?
    /// true (paper): the sampler scores Q at the actions a = L tanh(u) the critics are trained
    /// on, with the tanh Jacobian's term, so the policy on actions is exp(Q / alpha)
    /// (`SteinPolicy.squashedScore`); nil or false (authors' code, actor_svgd.py `phi`): Q at the
    /// pre-squash particle u.
    public var squashedScore: Bool?
    /// Kernel bandwidth rule, `Bandwidth(parsing:)` syntax (kernels.py `adaptive_sig` 4 = "forth").
    /// "forth" in both presets, not Tables 3-4's `sigma = sum_{i,j} |a_i - a_j|^2 / (4 (2 log m + 1))`
    /// (`paper-table3`): read as the kernel's sigma it sums m^2 squared distances, so it grows
    /// as m^2 and as the square of the action scale: 4.8 on multigoal's q0 (particle std 0.55),
    /// 24 on MuJoCo's, against forth's 0.33 and 0.75; on a two-mode target SVGD keeps both modes
    /// in 3 of 20 runs with it, 20 of 20 with forth (scripts/reference/bandwidth_rules.py).
    public var bandwidth: String
    /// Thm 3.3 normalisation: m - 1 (actor_svgd.py) or m (paper Thm 3.3).
    public var traceNormalization: SteinTraceNormalization
    /// Critic hidden sizes (Table 3: 2 x 256; main.py 2 x 256), ELU (REFERENCE 4: second derivatives).
    public var criticHidden: [Int]
    /// q0 network hidden sizes of S2AC(phi,theta) (Table 3: 2 x 256; main.py actor 3 x 256).
    public var actorHidden: [Int]
    /// Adam learning rate of the critics (Table 3: 3e-4; main.py 1e-3).
    public var criticLearningRate: Double
    /// Adam learning rate of q0's network (Table 3: 3e-4; main.py 1e-3).
    public var actorLearningRate: Double
    /// Discount (Table 3: 0.99 MuJoCo, Table 4: 0.8 multigoal; main.py 0.99).
    public var gamma: Double
    /// Polyak tau (Table 3: 0.005; main.py polyak 0.995).
    public var tau: Double
    /// alpha_c, entropy weight in the critic target (Table 3: 1.0, 0.2 Ant; main.py 0.2).
    public var alphaCritic: Double
    /// alpha_a, entropy weight in the actor loss (Table 3: 1.0, 0.2 Ant; main.py 0.2).
    public var alphaActor: Double
    /// Action bound: a = actionLimit * tanh(u).
    public var actionLimit: Double

    /// Paper, MuJoCo (Tables 3; Thm 3.3; Eq. 23 for the score temperature).
    public static let paper = S2ACConfig(
        preset: "paper", particles: 10, stepsPhi: 20, stepsPhiTheta: 3, stepSize: 0.1, sigmaP0: 0.5.squareRoot(),
        authorsLogQ0: false, authorsA0Pool: false, truncation: 3, logStdRange: [-20, 2], sigmaRange: [0.1, 1.0],
        svgdTemperature: 1.0, squashedScore: true, bandwidth: "forth", traceNormalization: .paper, criticHidden: [256, 256],
        actorHidden: [256, 256], criticLearningRate: 3e-4, actorLearningRate: 3e-4, gamma: 0.99, tau: 0.005,
        alphaCritic: 1.0, alphaActor: 1.0, actionLimit: 1)

    /// The authors' code defaults (main.py, actor_svgd.py), MuJoCo.
    public static let authorsCode = S2ACConfig(
        preset: "authors-code", particles: 10, stepsPhi: 20, stepsPhiTheta: 3, stepSize: 0.1, sigmaP0: 0.5,
        authorsLogQ0: true, authorsA0Pool: false, truncation: 3, logStdRange: [-20, 2], sigmaRange: [0.1, 1.0],
        svgdTemperature: nil, squashedScore: nil, bandwidth: "forth", traceNormalization: .authors, criticHidden: [256, 256],
        actorHidden: [256, 256, 256], criticLearningRate: 1e-3, actorLearningRate: 1e-3, gamma: 0.99, tau: 0.005,
        alphaCritic: 0.2, alphaActor: 0.2, actionLimit: 1)

    /// Multigoal (Table 3: m 10, eps 0.01, L 10, q0 N(0, 0.3 I) with 0.3 a variance, gamma 0.8).
    public static var paperMultigoal: S2ACConfig {
        var c = paper
        c.preset = "paper-multigoal"; c.stepSize = 0.01; c.stepsPhi = 10; c.stepsPhiTheta = 10
        c.sigmaP0 = 0.3.squareRoot(); c.gamma = 0.8
        return c
    }

    /// Multigoal as the code runs it (main.py: L 5, eps 0.1).
    public static var authorsCodeMultigoal: S2ACConfig {
        var c = authorsCode
        c.preset = "authors-code-multigoal"; c.stepSize = 0.1; c.stepsPhi = 5; c.stepsPhiTheta = 5
        return c
    }

    /// A preset by its name (`paper`, `authors-code`, `paper-multigoal`, `authors-code-multigoal`).
    public static func preset(named name: String) throws -> S2ACConfig {
        switch name {
        case "paper": return paper
        case "authors-code": return authorsCode
        case "paper-multigoal": return paperMultigoal
        case "authors-code-multigoal": return authorsCodeMultigoal
        default: throw InputError("unknown S2AC preset '\(name)' (paper, authors-code, paper-multigoal, authors-code-multigoal)")
        }
    }

    /// The sampler with L = `steps`.
    public func policy(steps: Int) throws -> SteinPolicy {
        SteinPolicy(particles: particles, steps: steps, stepSize: stepSize, actionLimit: actionLimit,
                    temperature: svgdTemperature, squashedScore: squashedScore ?? false,
                    bandwidth: try Bandwidth(parsing: bandwidth),
                    traceNormalization: traceNormalization)
    }
}

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

/// The twin critics of S2AC (ELU) and SQL (ReLU), their targets and optimiser (REFERENCE section 4).
public final class S2ACCritics {
    public let q1, q2, target1, target2: MLP<Float>
    public let optimizer: Adam<Float>

    /// S2AC's critics: ELU networks (REFERENCE section 4: second derivatives of Q).
    convenience init<G: RandomNumberGenerator>(observationDimension: Int, actionDimension: Int, config: S2ACConfig, using rng: inout G) {
        self.init(observationDimension: observationDimension, actionDimension: actionDimension, hidden: config.criticHidden,
                  activation: .elu, learningRate: config.criticLearningRate, using: &rng)
    }

    /// q1, q2, then the two targets drawn from `rng` (targets start as copies of q1, q2).
    init<G: RandomNumberGenerator>(observationDimension: Int, actionDimension: Int, hidden: [Int], activation: Activation,
                                   learningRate: Double, using rng: inout G) {
        func make() -> MLP<Float> {
            MLP(inputs: observationDimension + actionDimension, hidden: hidden, outputs: 1, activation: activation, using: &rng)
        }
        q1 = make(); q2 = make()
        target1 = make(); target2 = make()
        target1.copyParameters(from: q1); target2.copyParameters(from: q2)
        optimizer = Adam(parameters: q1.parameters + q2.parameters, learningRate: learningRate)
    }

    public var parameters: [Tensor<Float>] { q1.parameters + q2.parameters }

    /// min(Q1, Q2)(s, a), [n, 1].
    func minQ(_ s: Tensor<Float>, _ a: Tensor<Float>) -> Tensor<Float> { q1(s, a).minimum(q2(s, a)) }
    func minTargetQ(_ s: Tensor<Float>, _ a: Tensor<Float>) -> Tensor<Float> { target1(s, a).minimum(target2(s, a)) }

    /// Critic step: target r + gamma (1 - terminated) (mean_j minQ'(s', a'_j) - alpha_c logp(s')),
    /// detached; loss mse(Q1) + mse(Q2). `nextActions` [batch * m, d], `nextLogProb` per state [batch].
    func update(batch: ReplayBatch, nextActions: Tensor<Float>, nextLogProb: Tensor<Float>, config: S2ACConfig,
                trace: inout S2ACUpdateTrace) {
        let b = batch.batchSize, m = config.particles
        let s2 = Tensor(batch.nextObservations, shape: [b, batch.observationDim])
        let y: Tensor<Float> = withNoGrad {
            let qNext = minTargetQ(repeatRows(s2, m), nextActions).reshaped([b, m]).mean(axis: 1)
            let value = qNext - nextLogProb * Float(config.alphaCritic)
            let notDone = 1 - Tensor(batch.terminated, shape: [b])
            return Tensor(batch.rewards, shape: [b]) + notDone * value * Float(config.gamma)
        }
        let (loss, grads) = step(batch: batch, target: y)
        trace.criticLoss = loss
        trace.target = y.scalars
        trace.criticGradients = grads.map(\.scalars)
    }

    /// One Adam step on `mse(Q1(s,a), y) + mse(Q2(s,a), y)` for a detached target y ([batch]);
    /// returns the loss and its gradients (q1 then q2 parameters) before the step.
    func step(batch: ReplayBatch, target y: Tensor<Float>) -> (loss: Float, gradients: [Tensor<Float>]) {
        let b = batch.batchSize
        let s = Tensor(batch.observations, shape: [b, batch.observationDim])
        let a = Tensor(batch.actions, shape: [b, batch.actionDim])
        let q1v = q1(s, a).reshaped([b]), q2v = q2(s, a).reshaped([b])
        let loss = (q1v - y).square().mean() + (q2v - y).square().mean()
        let grads = grad(of: loss, wrt: parameters)
        for (p, g) in zip(parameters, grads) { p.grad = g }
        optimizer.step()
        optimizer.zeroGrad()
        return (loss.item, grads)
    }

    func updateTargets(tau: Double) {
        polyakUpdate(target: target1, source: q1, tau: tau)
        polyakUpdate(target: target2, source: q2, tau: tau)
    }

    var namedParameters: [(name: String, tensor: Tensor<Float>)] {
        [("q1", q1), ("q2", q2), ("q1_targ", target1), ("q2_targ", target2)].flatMap { prefix, net in
            net.namedParameters.map { ("\(prefix).\($0.name)", $0.tensor) }
        }
    }

    func save(to group: HDF5Group) throws {
        for (name, net) in [("q1", q1), ("q2", q2), ("q1_targ", target1), ("q2_targ", target2)] {
            try net.saveParameters(to: try group.createGroup(name))
        }
        try optimizer.save(to: try group.createGroup("q_optimizer"))
    }

    func load(from group: HDF5Group) throws {
        for (name, net) in [("q1", q1), ("q2", q2), ("q1_targ", target1), ("q2_targ", target2)] {
            guard group.kind(of: name) == .group else { throw InputError("\(group.path): no critic group '\(name)'") }
            try net.loadParameters(from: try group.group(name))
        }
        try optimizer.load(from: try group.group("q_optimizer"))
    }
}

/// Standard-normal noise [rows, d] in Float.
func gaussianNoise(rows: Int, dimension d: Int, using rng: inout Xoshiro256) -> [Float] {
    var out = [Float](repeating: 0, count: rows * d)
    out.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
    return out
}
