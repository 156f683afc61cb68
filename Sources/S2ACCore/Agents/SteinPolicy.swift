import Foundation

/// How the Thm 3.3 trace is normalised. Both sum over the neighbours j != i only.
public enum SteinTraceNormalization: String, Codable, Sendable, CaseIterable {
    /// Divide by m - 1 (authors' `actor_svgd.py`, `term1`/`term2`; notebook `phi_log_prob`).
    case authors
    /// Divide by m (paper, Thm 3.3 and Appendix H.1).
    case paper
}

/// The unrolled SVGD sampler of S2AC (Alg. 1, Eq. 1, Thm 3.3) as tensor operations, so the
/// final particles and their log-likelihood can be differentiated into q0's parameters.
///
/// Particles are the pre-squash u ([batch * m, d], the m particles of state b in rows
/// b*m ..< (b+1)*m); each state has its own kernel and bandwidth. After the L steps
/// `a = actionLimit * tanh(u)` and the log-density gets the tanh correction at the final u
/// (REFERENCE section 3). The score is taken at u (the code) or at tanh(u) with the
/// Jacobian's term (`squashedScore`, the paper's policy on actions).
public struct SteinPolicy: Sendable, Equatable {
    public var particles: Int
    public var steps: Int
    public var stepSize: Double
    public var actionLimit: Double
    /// alpha of the target exp(Q / alpha), placed as the paper places it (Eq. 24, Appendix H.1,
    /// Thm 3.3): the score is Q's gradient undivided and alpha weights the repulsion,
    ///   h(a_i) = 1/m sum_j [ k(a_j, a_i) grad_{a_j} Q(s, a_j) + alpha grad_{a_j} k(a_j, a_i) ],
    /// i.e. alpha times the standard SVGD direction on exp(Q / alpha) (the same fixed point,
    /// a step eps * alpha in the standard scale). Thm 3.3's kernel terms then carry alpha:
    ///   log q^L = log q^0 + eps / (m sigma^2) sum_l sum_{j != i} k_ij ((a_i - a_j) . grad Q(a_j)
    ///             + alpha / sigma^2 |a_i - a_j|^2 - d alpha).
    /// nil: the authors' sampler (actor_svgd.py `phi`), which never uses alpha (weight 1).
    public var temperature: Double?
    /// Score the particles at the actions the critics see (the `paper` preset). The sampler
    /// moves u and the environment receives a = L tanh(u); the paper's policy is exp(Q(s, a) / alpha)
    /// on actions, which in u is p(u) ~ exp(Q(s, L tanh u) / alpha) |det J(u)|, J = da/du =
    /// L diag(1 - tanh^2 u). In the paper's alpha placement the score is alpha grad_u log p(u):
    ///   g(u) = grad_u Q(s, L tanh u) + alpha grad_u log|det J(u)|
    ///        = L (1 - tanh^2 u) * grad_a Q(s, a) - 2 alpha tanh u      (d/du log(1 - tanh^2 u) = -2 tanh u),
    /// and g takes grad Q's place everywhere: h(u_i) = 1/m sum_j [k(u_j, u_i) g(u_j) + alpha grad_{u_j} k(u_j, u_i)]
    /// (alpha times the standard SVGD direction on p(u)), and Thm 3.3 with g gives log q^L(u^L);
    /// log pi(a) = log q^L(u^L) - log|det J(u^L)| (the tanh correction below). false: Q is scored
    /// at u itself (the authors' code), so the sampler follows the critic outside [-1, 1]^d,
    /// where it was never trained, and the policy on actions is not exp(Q / alpha).
    public var squashedScore: Bool
    public var bandwidth: Bandwidth
    public var traceNormalization: SteinTraceNormalization

    public init(particles: Int, steps: Int, stepSize: Double, actionLimit: Double, temperature: Double?,
                squashedScore: Bool = false, bandwidth: Bandwidth = .forth,
                traceNormalization: SteinTraceNormalization = .authors) {
        self.particles = particles; self.steps = steps; self.stepSize = stepSize; self.actionLimit = actionLimit
        self.temperature = temperature; self.squashedScore = squashedScore; self.bandwidth = bandwidth
        self.traceNormalization = traceNormalization
    }

    /// The score g of the step at the particles `u` ([n, d]): grad_u min(Q1,Q2)(s, u), or with
    /// `squashedScore` L (1 - t^2) * grad_a min(Q1,Q2)(s, a) - 2 alpha t, t = tanh(u), a = L t
    /// (the acting path computes the same operations in the same order).
    func score<T: TensorScalar>(observations: Tensor<T>, u: Tensor<T>, createGraph: Bool,
                                minQ: (Tensor<T>, Tensor<T>) -> Tensor<T>) -> Tensor<T> {
        guard squashedScore else { return grad(of: minQ(observations, u).sum(), wrt: [u], createGraph: createGraph)[0] }
        let t = u.tanh()
        let a = t * T(actionLimit)
        let gA = grad(of: minQ(observations, a).sum(), wrt: [a], createGraph: createGraph)[0]
        return gA * ((T(1) - t * t) * T(actionLimit)) - t * T(2 * (temperature ?? 1))
    }

    /// What one run of the sampler returns.
    public struct Sample<T: TensorScalar> {
        /// Final pre-squash particles u^L, [batch * m, d].
        public let preSquash: Tensor<T>
        /// Squashed actions actionLimit * tanh(u^L), [batch * m, d].
        public let actions: Tensor<T>
        /// Per-particle log q^L(a) (q0 + closed-form SVGD change + tanh correction), [batch * m].
        public let logProb: Tensor<T>
        /// The SVGD part alone, sum over steps of -eps * trace / norm, [batch * m].
        public let logProbSVGD: Tensor<T>
        /// The kernel sigma of every state at every step ([steps][batch]).
        public let sigmas: [[Double]]
        /// With `exactLogDeterminant`: log q^L with the exact change of variables of Thm 3.1,
        /// `log q0 - sum_l log|det(I + eps J_ii)| - tanh correction`, J_ii = d h_i / d u_i with
        /// the other particles held fixed (autodiff, m * d vector-Jacobian products per step;
        /// for diagnostics at small d, no graph). The notebook's "line 1" beside Thm 3.3's "line 2".
        public let logProbExact: [Double]?
    }

    /// Runs L SVGD steps from `initial` (u^0, [batch * m, d], may carry a graph to q0's
    /// parameters) with `logQ0` ([batch * m]) its log-density. `observations` are the states
    /// repeated per particle ([batch * m, obs]); `minQ(obs, u)` returns [batch * m, 1].
    /// `differentiable`: keep the graph through the steps (create_graph on the score: second
    /// derivatives of Q); otherwise every step is cut from the graph (targets, acting).
    public func sample<T: TensorScalar>(observations: Tensor<T>, initial: Tensor<T>, logQ0: Tensor<T>,
                                        differentiable: Bool, exactLogDeterminant: Bool = false,
                                        minQ: (Tensor<T>, Tensor<T>) -> Tensor<T>) -> Sample<T> {
        let n = initial.shape[0], d = initial.shape[1], m = particles
        precondition(n % m == 0, "SteinPolicy: \(n) particles are not a multiple of m = \(m)")
        let b = n / m
        let norm = T(traceNormalization == .authors ? m - 1 : m)
        let eps = T(stepSize)
        var u = differentiable && initial.requiresGrad ? initial : initial.detached().trackingGrad()
        var logSVGD = Tensor<T>.zeros([b, m])
        var sigmas: [[Double]] = []
        var exact = exactLogDeterminant ? logQ0.scalars.map(Double.init) : []
        for _ in 0..<steps {
            let score = score(observations: observations, u: u, createGraph: differentiable || exactLogDeterminant,
                              minQ: minQ)
            let x = u.reshaped([b, m, d]), s = score.reshaped([b, m, d])
            let stein = steinDirection(particles: x, scores: s, bandwidth: bandwidth, repulsionWeight: temperature)
            let (r2, gamma, k, ks, h) = (stein.squaredDistances, stein.gamma, stein.kernel, stein.kernelScore, stein.direction)
            sigmas.append(stein.sigmas)
            // Thm 3.3: trace of d h_i / d u_i over the neighbours j != i (2 gamma = 1 / sigma^2).
            //   term1 = -2 gamma sum_j k_ij (u_i - u_j) . s_j
            //   term2 = alpha sum_{j != i} k_ij (2 gamma d - 4 gamma^2 r2_ij)
            let us = (x * s).sum(axis: 2, keepDims: true)                          // u_j . s_j
            let term1 = ((x * ks).sum(axis: 2) - k.matmul(us).reshaped([b, m])) * gamma.reshaped([b, 1]) * T(-2)
            let g2 = gamma * T(2)
            var term2 = (k * (g2 * T(d) - g2 * g2 * r2)).sum(axis: 2) - g2.reshaped([b, 1]) * T(d)
            if let alpha = temperature { term2 = term2 * T(alpha) }
            logSVGD = logSVGD - (term1 + term2) * (eps / norm)
            let next = u + h.reshaped([n, d]) * eps
            if exactLogDeterminant { subtractExactLogDeterminants(next, u, m: m, into: &exact) }
            if differentiable {
                u = next
            } else {
                u = next.detached().trackingGrad()
                logSVGD = logSVGD.detached()
            }
        }
        let final = differentiable ? u : u.detached()
        // log|d tanh(u)/du| = 2 (log 2 - u - softplus(-2u)); actionLimit's constant is left out, as in the code.
        let tanhCorrection = ((T(Foundation.log(2.0)) - final - (final * T(-2)).softplus()) * T(2)).sum(axis: 1)
        let svgd = logSVGD.reshaped([n])
        let logProb = logQ0 + svgd - tanhCorrection
        if exactLogDeterminant {
            for (i, c) in tanhCorrection.scalars.enumerated() { exact[i] -= Double(c) }
        }
        return Sample(preSquash: final, actions: final.tanh() * T(actionLimit), logProb: logProb,
                      logProbSVGD: svgd, sigmas: sigmas, logProbExact: exactLogDeterminant ? exact : nil)
    }

    /// exact[i] -= log|det(d next_i / d u_i)| for every particle. States do not interact, so
    /// one seed on particle k of every state and coordinate p gives row p of all J_kk at once.
    func subtractExactLogDeterminants<T: TensorScalar>(_ next: Tensor<T>, _ u: Tensor<T>, m: Int, into exact: inout [Double]) {
        let n = u.shape[0], d = u.shape[1]
        var jac = [Double](repeating: 0, count: n * d * d)
        for k in 0..<m {
            for p in 0..<d {
                var seed = [T](repeating: 0, count: n * d)
                for i in stride(from: k, to: n, by: m) { seed[i * d + p] = 1 }
                let row = grad(of: next, wrt: [u], seed: Tensor(seed, shape: [n, d]))[0].scalars
                for i in stride(from: k, to: n, by: m) {
                    for c in 0..<d { jac[(i * d + p) * d + c] = Double(row[i * d + c]) }
                }
            }
        }
        for i in 0..<n { exact[i] -= logAbsDeterminant(Array(jac[(i * d * d)..<((i + 1) * d * d)]), order: d) }
    }
}

/// Repeats each row of `x` ([batch, k]) m times: [batch * m, k].
public func repeatRows<T: TensorScalar>(_ x: Tensor<T>, _ m: Int) -> Tensor<T> {
    let b = x.shape[0], k = x.shape[1]
    return x.reshaped([b, 1, k]).expanded(to: [b, m, k]).reshaped([b * m, k])
}

/// Picks one action per state from its m particles: random, softmax over Q (beta = 1) or max Q
/// (actor_svgd.py `act`; REFERENCE section 3). `q` ([batch * m]) may be empty for `random`;
/// any other selection is treated as `random`. The agents pass min(Q1,Q2) at the executed
/// (squashed) final actions; the authors' code reuses the Q of its last SVGD step, i.e. at the
/// pre-squash particles u^(L-1) before the final move.
public func selectParticle<T: TensorScalar>(actions: Tensor<T>, q: [T], particles m: Int,
                                            selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<T> {
    let n = actions.shape[0], d = actions.shape[1]
    return actions.withUnsafeBufferPointer { a in
        q.withUnsafeBufferPointer { qs in
            selectParticle(actions: a.baseAddress!, q: qs.isEmpty ? nil : qs.baseAddress!, states: n / m, dimension: d,
                           particles: m, selection: selection, using: &rng)
        }
    }
}

/// `selectParticle` on raw rows: `actions` [states * m, d], `q` [states * m] (nil for `random`).
func selectParticle<T: TensorScalar>(actions all: UnsafePointer<T>, q: UnsafePointer<T>?, states b: Int, dimension d: Int,
                                     particles m: Int, selection: ActionSelection,
                                     using rng: inout Xoshiro256) -> Tensor<T> {
    let out = Storage<T>(uninitialized: b * d)
    for s in 0..<b {
        let pick = pickParticle(q: q.map { $0 + s * m }, particles: m, selection: selection, using: &rng)
        (out.pointer + s * d).update(from: all + (s * m + pick) * d, count: d)
    }
    return Tensor(shape: [b, d], storage: out, node: nil, requiresGrad: false)
}

/// The index of the particle `selectParticle` picks for each state, drawing the same random
/// numbers: for tests that compare two ways of computing the particles by the choice they lead to.
public func selectedParticles<T: TensorScalar>(q: [T], states b: Int, particles m: Int, selection: ActionSelection,
                                               using rng: inout Xoshiro256) -> [Int] {
    q.withUnsafeBufferPointer { qs in
        (0..<b).map { s in
            pickParticle(q: qs.isEmpty ? nil : qs.baseAddress! + s * m, particles: m, selection: selection, using: &rng)
        }
    }
}

/// One state's pick among its m particles, from their Q values `q` (nil for `random`).
@inline(__always)
func pickParticle<T: TensorScalar>(q: UnsafePointer<T>?, particles m: Int, selection: ActionSelection,
                                   using rng: inout Xoshiro256) -> Int {
    switch selection {
    case .max:
        var best = 0
        for j in 1..<m where Double(q![j]) > Double(q![best]) { best = j }
        return best
    case .softmax:
        var top = -Double.infinity
        for j in 0..<m { top = Swift.max(top, Double(q![j])) }
        var total = 0.0
        for j in 0..<m { total += Foundation.exp(Double(q![j]) - top) }
        var r = rng.nextUniform() * total
        for j in 0..<m {
            r -= Foundation.exp(Double(q![j]) - top)
            if r < 0 { return j }
        }
        return m - 1
    default:
        return rng.nextIndex(m)
    }
}
