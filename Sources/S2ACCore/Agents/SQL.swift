import Foundation

// Soft Q-Learning (Haarnoja et al. 2017) as the authors' code runs it (`actor_sql.py`, `core.py`;
// REFERENCE sections 3-5): twin ReLU critics with Polyak-averaged targets, an amortized SVGD
// sampler a = actionLimit * tanh(f(s, xi)), xi ~ U[0,1)^d, trained by pushing its output along
// the SVGD direction, and a soft value of the next state importance-sampled from m actions:
// the sampler's own particles in the code, uniform draws on the action box in the `paper`
// preset (Haarnoja et al.'s softqlearning, whose constant alpha (d log 2 - log m) assumes them).

/// SQL's settings. `paper` takes the paper's shared hyperparameters (Tables 3-4) with the score
/// exp(Q / alpha) of Haarnoja et al. 2017; `authorsCode` the defaults of `STAC/main.py` for
/// `--actor svgd_sql`. The paper gives no SQL-specific values; it cites Haarnoja et al. 2017,
/// so `paper` takes the soft value's proposal and the sampler's squash correction from their
/// softqlearning (`sql.py`), `authorsCode` the code's. Noise and kernel are the code's in both.
public struct SQLConfig: Codable, Equatable, Sendable {
    /// Preset name written to result files (`paper`, `authors-code`, `smoke`).
    public var preset: String
    /// m, sampler particles per state for the soft value, the SVGD direction and max/softmax
    /// selection (Table 3: 10; main.py `svgd_particles` 10).
    public var particles: Int
    /// Hidden widths of each Q network (Table 3: 2 x 256; main.py `l_critic` 2 x `hid` 256).
    public var criticHidden: [Int]
    /// Hidden widths of the sampler f(s, xi) (Table 3: 2 x 256; main.py `l_actor` 3 x 256).
    public var actorHidden: [Int]
    /// Hidden activation of critics and sampler (main.py: ReLU for `svgd_sql`; REFERENCE section 5).
    public var activation: Activation
    /// Adam learning rate of the critics (Table 3: 3e-4; main.py `lr_critic` 1e-3).
    public var criticLearningRate: Double
    /// Adam learning rate of the sampler (Table 3: 3e-4; main.py `lr_actor` 1e-3).
    public var actorLearningRate: Double
    /// Discount (Table 3: 0.99 MuJoCo, Table 4: 0.8 multigoal; main.py 0.99).
    public var gamma: Double
    /// Polyak tau of the target critics (Table 3: 0.005; main.py polyak 0.995).
    public var tau: Double
    /// alpha in the soft value `alpha logsumexp(Q/alpha) + alpha (d log 2 - log m)` (Table 3:
    /// 1.0, 0.2 Ant; main.py `a_c` 0.2).
    public var alphaCritic: Double
    /// The SVGD score is grad_a min(Q1,Q2)(s, a) / scoreTemperature; nil: no division (core.py
    /// `compute_loss_pi` differentiates Q itself). Haarnoja et al. 2017's target exp(Q/alpha): alpha.
    public var scoreTemperature: Double?
    /// Kernel bandwidth rule, `Bandwidth(parsing:)` syntax, over the m x m distances between the
    /// two particle sets (main.py `kernel_sigma_adaptive` 4 = "forth", kernels.py).
    public var bandwidth: String
    /// The soft value's m samples a'_j: true (paper; softqlearning `_create_td_update`) uniform
    /// on [-L, L]^d, L = actionLimit, the proposal whose importance weights give the constant
    /// alpha (d log(2L) - log m); false (core.py `compute_loss_q`) the sampler's own particles
    /// with alpha (d log 2 - log m), which over-estimates V most where Q is peaked.
    public var uniformValueSamples: Bool
    /// true (paper; softqlearning `_create_svgd_update`): the sampler's target log-density is
    /// Q / T + sum_k log(1 - (a_k / L)^2 + 1e-6), so the score gains
    /// -2 (a_k / L^2) / (1 - (a_k / L)^2 + 1e-6); false (core.py): Q / T alone.
    public var squashCorrection: Bool

    /// Paper, Tables 3-4: the discount and alpha are the environment's (`EnvSpec.paperGamma`,
    /// `paperAlpha`: multigoal 0.8, Ant 0.2).
    public static func paper(envID: String) -> SQLConfig {
        let env = EnvCatalog.known(envID)
        return SQLConfig(preset: "paper", particles: 10, criticHidden: [256, 256], actorHidden: [256, 256],
                         activation: .relu, criticLearningRate: 3e-4, actorLearningRate: 3e-4,
                         gamma: env.paperGamma, tau: 0.005, alphaCritic: env.paperAlpha,
                         scoreTemperature: env.paperAlpha, bandwidth: "forth", uniformValueSamples: true, squashCorrection: true)
    }

    /// The authors' `main.py` defaults for `svgd_sql` (the same for every environment).
    public static let authorsCode = SQLConfig(
        preset: "authors-code", particles: 10, criticHidden: [256, 256], actorHidden: [256, 256, 256],
        activation: .relu, criticLearningRate: 1e-3, actorLearningRate: 1e-3, gamma: 0.99, tau: 0.005,
        alphaCritic: 0.2, scoreTemperature: nil, bandwidth: "forth", uniformValueSamples: false, squashCorrection: false)

    /// Small networks and few particles for smoke tests that finish in seconds (not a result of the paper).
    public static func smoke(envID: String) -> SQLConfig {
        var c = paper(envID: envID)
        c.preset = "smoke"; c.criticHidden = [32, 32]; c.actorHidden = [32, 32]; c.particles = 4
        return c
    }

    /// Sets both temperatures (the soft value's alpha and, when the score is divided, its temperature).
    public mutating func setAlpha(_ alpha: Double) {
        alphaCritic = alpha
        if scoreTemperature != nil { scoreTemperature = alpha }
    }
}

/// Values of one SQL update, exposed for the PyTorch conformance tests and logs.
public struct SQLUpdateTrace {
    public var criticLoss: Float = 0
    /// The actor surrogate `-sum(stop_grad(direction) * f(s, xi'))` whose gradient the sampler descends.
    public var actorSurrogate: Float = 0
    /// The Bellman target y, [batch].
    public var target: [Float] = []
    /// The SVGD direction at the moved particles, [batch * m * d].
    public var direction: [Float] = []
    /// The kernel sigma of each state, [batch].
    public var sigmas: [Double] = []
    /// Gradients of the critic loss (q1 then q2 parameters) and of the surrogate (sampler parameters).
    public var criticGradients: [Tensor<Float>] = []
    public var actorGradients: [Tensor<Float>] = []
}

public final class SQL: OffPolicyAgent {
    public let name = "sql"
    public let config: SQLConfig
    public let observationDimension: Int
    public let actionDimension: Int
    public let actionLimit: Float
    public let critics: CriticEnsemble
    /// f(s, xi): [obs + d] -> hidden -> d, tanh and the action limit applied after.
    public let sampler: MLP<Float>
    public let actorOptimizer: Adam<Float>
    let bandwidth: Bandwidth
    /// Reused host buffers of the per-state loops (the update allocates them once).
    private var softValues: [Double] = []
    private var directionBuffer: [Float] = []

    /// Networks drawn from `rng` in the order q1, q2, q1 target, q2 target, sampler (targets
    /// start as copies of the critics).
    public init(observationDimension: Int, actionDimension: Int, actionLimit: Float, config: SQLConfig,
                using rng: inout Xoshiro256) throws {
        precondition(config.particles >= 1 && !config.actorHidden.isEmpty, "SQL needs particles and a sampler network")
        self.config = config
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        self.actionLimit = actionLimit
        bandwidth = try Bandwidth(parsing: config.bandwidth)
        critics = CriticEnsemble(observations: observationDimension, actions: actionDimension, hidden: config.criticHidden,
                                 activation: config.activation, learningRate: config.criticLearningRate, layout: .authors,
                                 using: &rng)
        sampler = MLP(inputs: observationDimension + actionDimension, hidden: config.actorHidden, outputs: actionDimension,
                      activation: config.activation, using: &rng)
        actorOptimizer = Adam(parameters: sampler.parameters, learningRate: config.actorLearningRate)
    }

    /// `actionLimit * tanh(f(s, xi))` for states `s` [n, obs] and noise `xi` [n * d].
    public func sample(_ s: Tensor<Float>, xi: [Float]) -> Tensor<Float> {
        sampler(s, Tensor(xi, shape: [s.shape[0], actionDimension])).tanh() * actionLimit
    }

    /// xi ~ U[0,1)^d per row, 24-bit floats as torch.rand draws them (actor_sql.py `act`).
    public func uniformNoise(rows: Int, using rng: inout Xoshiro256) -> [Float] {
        var out = [Float](repeating: 0, count: rows * actionDimension)
        for i in out.indices { out[i] = rng.nextUniformFloat() }
        return out
    }

    // MARK: acting

    /// `random` draws one sampler output per state (the code picks one of m fresh samples,
    /// the same law); `softmax` (beta = 1) and `max` choose among m samples by min(Q1,Q2) at
    /// them, as actor_sql.py does. SQL has no mean action, and its amortized sampler is its
    /// only policy: `mean`, `sample` and `amortized` are treated as `random`.
    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        withNoGrad {
            let b = observations.shape[0], m = config.particles
            switch selection {
            case .softmax, .max:
                let s = repeatRows(observations.detached(), m)
                let a = sample(s, xi: uniformNoise(rows: b * m, using: &rng))
                let q = critics.minQ(s, a).scalars
                return selectParticle(actions: a, q: q, particles: m, selection: selection, using: &rng)
            case .random, .mean, .sample, .amortized:
                return sample(observations.detached(), xi: uniformNoise(rows: b, using: &rng))
            }
        }
    }

    // MARK: learning

    /// One update with its noise drawn from `rng` in the order: s' particles, s particles
    /// (the fixed set), moved particles ([batch * m * d] each).
    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics {
        let rows = batch.batchSize * config.particles
        let next = uniformNoise(rows: rows, using: &rng)
        let fixed = uniformNoise(rows: rows, using: &rng)
        let moved = uniformNoise(rows: rows, using: &rng)
        let t = update(batch: batch, nextNoise: next, fixedNoise: fixed, movedNoise: moved)
        let sigma = t.sigmas.reduce(0, +) / Double(max(t.sigmas.count, 1))
        return UpdateMetrics(criticLoss: Double(t.criticLoss), actorLoss: Double(t.actorSurrogate),
                             extra: ["kernel_sigma": sigma])
    }

    /// The full update with given noise: the critic Adam step on the soft-value target, the
    /// sampler Adam step along the SVGD direction (computed with the updated critics, as
    /// core.py does), then Polyak averaging of the target critics.
    @discardableResult
    public func update(batch: ReplayBatch, nextNoise: [Float], fixedNoise: [Float], movedNoise: [Float]) -> SQLUpdateTrace {
        var trace = SQLUpdateTrace()
        let y = softTarget(batch: batch, nextNoise: nextNoise)
        trace.target = y.scalars
        (trace.criticLoss, trace.criticGradients) = critics.fit(batch: batch, target: y)
        actorStep(batch: batch, fixedNoise: fixedNoise, movedNoise: movedNoise, trace: &trace)
        critics.updateTargets(tau: config.tau)
        return trace
    }

    /// y = r + gamma (1 - terminated) V(s') (`bellmanTargets`, in Double), V(s') = alpha logsumexp_j(minQ'(s', a'_j) / alpha)
    /// + alpha (d log(2L) - log m): the importance-sampled soft value with a uniform proposal on
    /// [-L, L]^d. `uniformValueSamples`: a'_j = L (2 xi_j - 1), drawn from that proposal
    /// (softqlearning); otherwise a'_j = f(s', xi_j) with L taken as 1 in the constant (core.py
    /// `compute_loss_q`). `nextNoise` is U[0,1)^(batch * m * d) either way. Truncated
    /// transitions bootstrap.
    func softTarget(batch: ReplayBatch, nextNoise: [Float]) -> Tensor<Float> {
        let b = batch.batchSize, m = config.particles, d = actionDimension
        let alpha = config.alphaCritic
        let q: Tensor<Float> = withNoGrad {
            let s2 = repeatRows(Tensor(batch.nextObservations, shape: [b, observationDimension]), m)
            let actions = config.uniformValueSamples
                ? Tensor(nextNoise.map { actionLimit * (2 * $0 - 1) }, shape: [b * m, d]) : sample(s2, xi: nextNoise)
            return critics.minTargetQ(s2, actions)
        }
        if softValues.count != b { softValues = [Double](repeating: 0, count: b) }
        let width = config.uniformValueSamples ? 2 * Double(actionLimit) : 2.0
        let offset = alpha * (Double(d) * Foundation.log(width) - Foundation.log(Double(m)))
        q.withUnsafeBufferPointer { qs in
            for i in 0..<b {
                var top = -Double.infinity
                for j in 0..<m { top = Swift.max(top, Double(qs[i * m + j]) / alpha) }
                var sum = 0.0
                for j in 0..<m { sum += Foundation.exp(Double(qs[i * m + j]) / alpha - top) }
                softValues[i] = alpha * (top + Foundation.log(sum)) + offset
            }
        }
        return Tensor(bellmanTargets(batch: batch, nextValues: softValues, gamma: config.gamma).map(Float.init), shape: [b])
    }

    /// The amortized SVGD step (core.py `compute_loss_pi`, kernels.py `RBF`): fixed particles
    /// a_j = f(s, xi_j) give the score grad_a minQ(s, a_j) (divided by `scoreTemperature` if set,
    /// plus the gradient of sum log(1 - (a/L)^2 + 1e-6) with `squashCorrection`);
    /// moved particles b_i = f(s, xi'_i) get the direction
    /// `h_i = 1/m sum_j [k(a_j, b_i) score_j + grad_{a_j} k(a_j, b_i)]`, with the RBF bandwidth
    /// from the m x m squared distances |a_j - b_i|^2 of the state (detached), and the sampler
    /// descends `-sum_i h_i . b_i` with h held fixed.
    func actorStep(batch: ReplayBatch, fixedNoise: [Float], movedNoise: [Float], trace: inout SQLUpdateTrace) {
        let b = batch.batchSize, m = config.particles, d = actionDimension
        let s = repeatRows(Tensor(batch.observations, shape: [b, observationDimension]), m)
        let fixed = withNoGrad { sample(s, xi: fixedNoise) }
        let score = minQScore(s, fixed)
        let moved = sample(s, xi: movedNoise)
        let n = b * m * d
        if directionBuffer.count != n { directionBuffer = [Float](repeating: 0, count: n) }
        var sigmas = [Double](repeating: 0, count: b)
        // One state's sources, scores, targets and direction in Double, and the m x m scratch.
        var work = [Double](repeating: 0, count: 4 * m * d + 2 * m * m)
        let inverseTemperature = 1 / (config.scoreTemperature ?? 1)
        let limit = Double(actionLimit), squash = config.squashCorrection
        var surrogate = 0.0
        fixed.withUnsafeBufferPointer { a in
            score.withUnsafeBufferPointer { g in
                moved.withUnsafeBufferPointer { x in
                    work.withUnsafeMutableBufferPointer { buffer in
                        let sources = buffer.baseAddress!, scores = sources + m * d, targets = scores + m * d
                        let h = targets + m * d, r2 = h + m * d, k = r2 + m * m
                        for state in 0..<b {
                            let base = state * m * d
                            for e in 0..<(m * d) {
                                let aj = Double(a[base + e])
                                var score = Double(g[base + e]) * inverseTemperature
                                if squash {
                                    let r = aj / limit
                                    score += -2 * r / limit / (1 - r * r + 1e-6)
                                }
                                sources[e] = aj; scores[e] = score; targets[e] = Double(x[base + e])
                            }
                            sigmas[state] = steinDirection(sources: sources, scores: scores, targets: targets, count: m,
                                                           dimension: d, bandwidth: bandwidth, repulsionWeight: 1,
                                                           squaredDistances: r2, kernel: k, into: h)
                            for e in 0..<(m * d) {
                                directionBuffer[base + e] = Float(-h[e])
                                surrogate -= h[e] * targets[e]
                            }
                        }
                    }
                }
            }
        }
        // d(-sum h . b)/d psi: the vector-Jacobian product of the moved particles with seed -h.
        let grads = grad(of: moved, wrt: actorOptimizer.parameters, seed: Tensor(directionBuffer, shape: [b * m, d]))
        for (p, gr) in zip(actorOptimizer.parameters, grads) { p.grad = gr }
        actorOptimizer.step()
        actorOptimizer.zeroGrad()
        trace.actorSurrogate = Float(surrogate)
        trace.direction = directionBuffer.map { -$0 }
        trace.sigmas = sigmas
        trace.actorGradients = grads
    }

    /// grad_a min(Q1,Q2)(s, a), [rows, d], as the backward of `minimum` gives it, each row
    /// differentiated through the critic attaining its minimum only (`minimumWithInputGradient`).
    public func minQScore(_ s: Tensor<Float>, _ a: Tensor<Float>) -> Tensor<Float> {
        let obs = s.shape[1]
        return withNoGrad {
            let x = Tensor.concat([s.detached(), a.detached()], axis: -1)
            return minimumWithInputGradient(critics.q1, critics.q2, x, upstream: 1).gradient.slice(axis: 1, obs..<(obs + actionDimension))
        }
    }

    // MARK: state

    public var samplerNamedParameters: [(name: String, tensor: Tensor<Float>)] {
        sampler.namedParameters.map { ("svgd_net.\($0.name)", $0.tensor) }
    }

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        critics.namedParameters + samplerNamedParameters
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try group.setAttribute("config_json", canonicalJSON(config))
        try critics.save(to: group)
        try sampler.saveParameters(to: try group.createGroup("svgd_net"))
        try actorOptimizer.save(to: try group.createGroup("pi_optimizer"))
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        for sub in ["svgd_net", "pi_optimizer"] where group.kind(of: sub) != .group {
            throw InputError("\(group.file.path):\(group.path): no '\(sub)' in the saved agent")
        }
        try critics.load(from: group)
        try sampler.loadParameters(from: try group.group("svgd_net"))
        try actorOptimizer.load(from: try group.group("pi_optimizer"))
    }
}

extension SQLConfig {
    /// The range of every field (`train --set` and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        c.range(particles, 2...10_000, p + ".particles")
        c.actorCritic(criticHidden: criticHidden, actorHidden: actorHidden, criticLearningRate: criticLearningRate,
                      actorLearningRate: actorLearningRate, gamma: gamma, tau: tau, at: p)
        c.temperature(alphaCritic, p + ".alphaCritic")
        if let t = scoreTemperature { c.temperature(t, p + ".scoreTemperature") }
        c.bandwidth(bandwidth, p + ".bandwidth")
    }
}
