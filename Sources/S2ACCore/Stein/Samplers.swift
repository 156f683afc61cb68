import CBLAS
import Foundation

/// The four samplers of Fig 4a (Sec. 3.3). Each moves every particle by `a <- a + eps h(a)`:
/// - `svgd`: h is the Stein variational direction of Eq. 1 (RBF kernel);
/// - `sgld`: `h = grad log p(a) + noise / eps` (Langevin; not invertible, Prop 3.4);
/// - `dld`: `h = grad log p(a)` (Langevin without noise);
/// - `hmc`: one leapfrog step per sampler step with momentum v kept across steps:
///   `h = v + eps/2 grad log p(a)`, then `v <- v + eps/2 (grad log p(a) + grad log p(a'))`.
///   Its log-likelihood uses the Jacobian in a at fixed v, i.e. Eq. 10 applied as the paper
///   applies it; the marginal of a is not what that tracks (Prop 3.4).
public enum SamplerKind: String, CaseIterable, Sendable, Codable {
    case svgd, sgld, dld, hmc
}

/// One sampler's settings. `paper` / `authors-code` differences live in the experiment
/// presets, which fill these fields; every field is written to the results.
public struct SamplerSettings: Sendable, Equatable {
    public var kind: SamplerKind
    /// eps of Eq. 1 (Table 2: 0.5).
    public var stepSize: Double
    /// SVGD only: how sigma is chosen at each step.
    public var bandwidth: Bandwidth
    /// SGLD only: standard deviation of the Gaussian noise added to a per step.
    public var noiseStd: Double
    /// HMC only: standard deviation of the initial momentum.
    public var momentumStd: Double
    /// Whether to assemble the per-particle Jacobian and take the exact log|det| at every step.
    public var exactLogDeterminant: Bool

    public init(kind: SamplerKind, stepSize: Double, bandwidth: Bandwidth = .forth, noiseStd: Double = 0,
                momentumStd: Double = 1, exactLogDeterminant: Bool = true) {
        self.kind = kind; self.stepSize = stepSize; self.bandwidth = bandwidth
        self.noiseStd = noiseStd; self.momentumStd = momentumStd; self.exactLogDeterminant = exactLogDeterminant
    }
}

/// The four per-particle log-likelihood estimators of one run, as entropies `-mean_i log q^l(a_i^l)`.
public struct EntropyEstimates: Sendable, Equatable {
    /// Thm 3.1 without approximation: `- sum_l log|det(I + eps grad h)|`.
    public var logDeterminant: Double
    /// Eq. 10: `- eps sum_l Tr(grad h)`.
    public var trace: Double
    /// Thm 3.3 as the authors' code evaluates it: self term left out, normalised by m - 1 (SVGD only, else NaN).
    public var closedFormAuthors: Double
    /// Thm 3.3 as printed: self term left out, normalised by m (SVGD only, else NaN).
    public var closedFormPaper: Double
}

/// Eq. 1, the Stein variational direction for every particle at a fixed sigma:
/// `h(a_i) = 1/n sum_j [k(a_j, a_i) grad log p(a_j) + grad_{a_j} k(a_j, a_i)]`, where
/// `grad_{a_j} k(a_j, a_i) = (a_i - a_j)/sigma^2 k(a_j, a_i)`.
/// With `includeSelf == false` the j = i term is left out and n = m - 1: the authors'
/// `phi_log_prob`, whose Jacobian trace is the closed form of Thm 3.3 (Appendix H.1).
/// Particles and the result are row-major m x d.
public func steinDirection(target: any Target, particles: [Double], sigma: Double, includeSelf: Bool = true) -> [Double] {
    let d = target.dimension
    let m = particles.count / d
    precondition(m * d == particles.count && m > 1, "steinDirection needs m > 1 particles of the target's dimension")
    var scores = [Double](repeating: 0, count: m * d)
    var h = [Double](repeating: 0, count: m * d)
    var r2 = [Double](repeating: 0, count: m * m)
    var k = [Double](repeating: 0, count: m * m)
    particles.withUnsafeBufferPointer { a in
        let a = a.baseAddress!
        scores.withUnsafeMutableBufferPointer { s in
            for j in 0..<m { target.score(a + j * d, into: s.baseAddress! + j * d) }
        }
        squaredDistances(a, count: m, dimension: d, into: &r2)
        steinDirection(sources: a, scores: scores, targets: a, count: m, dimension: d, gamma: rbfGammaUnregularized(sigma: sigma),
                       repulsionWeight: 1, selfTerm: includeSelf ? .inOrder : .excluded, squaredDistances: r2,
                       kernel: &k, into: &h)
    }
    return h
}

/// A set of m particles moved by one sampler, carrying each particle's log-likelihood under
/// the four estimators (Thm 3.1 exact, Eq. 10, Thm 3.3 twice). Buffers are allocated once;
/// a step allocates nothing.
public final class ParticleSampler {
    public let target: any Target
    public let settings: SamplerSettings
    public let count: Int
    public let dimension: Int
    /// The sigma the last SVGD step used (NaN before the first step and for other samplers).
    public private(set) var lastSigma: Double = .nan
    public private(set) var stepsTaken = 0

    let a: UnsafeMutablePointer<Double>        // m x d positions
    let v: UnsafeMutablePointer<Double>        // m x d momenta (HMC)
    let s: UnsafeMutablePointer<Double>        // m x d scores
    let h: UnsafeMutablePointer<Double>        // m x d directions
    let hess: UnsafeMutablePointer<Double>     // m x d x d Hessians of log p
    let r2: UnsafeMutablePointer<Double>       // m x m squared distances
    let w: UnsafeMutablePointer<Double>        // m x m weights k_ij / sigma^2, zero diagonal
    let kernel: UnsafeMutablePointer<Double>   // m x m kernel values k_ij
    let z: UnsafeMutablePointer<Double>        // m x d*d rows s_j a_j^T - a_j a_j^T / sigma^2
    let t: UnsafeMutablePointer<Double>        // m x d*d, t = w z
    let centred: UnsafeMutablePointer<Double>  // m x d positions minus their mean
    let jac: UnsafeMutablePointer<Double>      // d x d scratch
    let logQ0: UnsafeMutablePointer<Double>
    let sumLogDet: UnsafeMutablePointer<Double>
    let sumTrace: UnsafeMutablePointer<Double>
    let sumClosedAuthors: UnsafeMutablePointer<Double>
    let sumClosedPaper: UnsafeMutablePointer<Double>

    /// `initial` holds the m starting particles (row-major m x d), `initialLogDensity` their
    /// exact `log q^0`. `rng` draws the HMC momenta.
    public init(target: any Target, settings: SamplerSettings, initial: [Double], initialLogDensity: [Double],
                using rng: inout Xoshiro256) {
        let d = target.dimension
        let m = initialLogDensity.count
        precondition(m > 1 && initial.count == m * d, "a sampler needs m > 1 particles of the target's dimension")
        self.target = target; self.settings = settings; self.count = m; self.dimension = d
        func buffer(_ n: Int) -> UnsafeMutablePointer<Double> {
            let p = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1)); p.initialize(repeating: 0, count: max(n, 1)); return p
        }
        let needsPairs = settings.kind == .svgd
        let needsJacobianProduct = needsPairs && settings.exactLogDeterminant
        a = buffer(m * d); v = buffer(m * d); s = buffer(m * d); h = buffer(m * d)
        hess = buffer(m * d * d); r2 = buffer(needsPairs ? m * m : 0); w = buffer(needsPairs ? m * m : 0)
        kernel = buffer(needsPairs ? m * m : 0)
        z = buffer(needsJacobianProduct ? m * d * d : 0); t = buffer(needsJacobianProduct ? m * d * d : 0)
        centred = buffer(m * d); jac = buffer(d * d)
        logQ0 = buffer(m); sumLogDet = buffer(m); sumTrace = buffer(m); sumClosedAuthors = buffer(m); sumClosedPaper = buffer(m)
        for k in 0..<(m * d) { a[k] = initial[k] }
        for i in 0..<m { logQ0[i] = initialLogDensity[i] }
        if settings.kind == .hmc {
            rng.fillGaussian(UnsafeMutableBufferPointer(start: v, count: m * d), mean: 0, std: settings.momentumStd)
        }
    }

    deinit {
        for p in [a, v, s, h, hess, r2, w, kernel, z, t, centred, jac, logQ0, sumLogDet, sumTrace, sumClosedAuthors, sumClosedPaper] {
            p.deallocate()
        }
    }

    /// The current particles, row-major m x d.
    public var particles: [Double] { Array(UnsafeBufferPointer(start: a, count: count * dimension)) }

    /// Per-particle `log q^l(a_i^l)` under each estimator, in the order logdet, trace, closed (authors), closed (paper).
    public func logLikelihoods() -> (logDeterminant: [Double], trace: [Double], closedFormAuthors: [Double], closedFormPaper: [Double]) {
        let m = count
        return ((0..<m).map { logQ0[$0] - sumLogDet[$0] }, (0..<m).map { logQ0[$0] - sumTrace[$0] },
                (0..<m).map { logQ0[$0] - sumClosedAuthors[$0] }, (0..<m).map { logQ0[$0] - sumClosedPaper[$0] })
    }

    /// `H = -mean_i log q^l(a_i^l)` under each estimator (Eq. 11 with the sample mean).
    public func entropyEstimates() -> EntropyEstimates {
        var e = (0.0, 0.0, 0.0, 0.0)
        for i in 0..<count {
            e.0 += logQ0[i] - sumLogDet[i]; e.1 += logQ0[i] - sumTrace[i]
            e.2 += logQ0[i] - sumClosedAuthors[i]; e.3 += logQ0[i] - sumClosedPaper[i]
        }
        let n = Double(count)
        let isSVGD = settings.kind == .svgd
        return EntropyEstimates(logDeterminant: settings.exactLogDeterminant ? -e.0 / n : .nan, trace: -e.1 / n,
                                closedFormAuthors: isSVGD ? -e.2 / n : .nan, closedFormPaper: isSVGD ? -e.3 / n : .nan)
    }

    /// One sampler step: computes every particle's direction and log-likelihood change at the
    /// current positions, then moves all particles at once. `rng` draws the SGLD noise.
    public func step(using rng: inout Xoshiro256) {
        let m = count, d = dimension, eps = settings.stepSize
        for j in 0..<m { target.score(a + j * d, into: s + j * d) }
        for j in 0..<m { target.hessian(a + j * d, into: hess + j * d * d) }
        switch settings.kind {
        case .svgd:
            steinStepTerms()
        case .sgld, .dld:
            for k in 0..<(m * d) { h[k] = s[k] }
            jacobianTermsFromHessian(scale: 1)
        case .hmc:
            for k in 0..<(m * d) { h[k] = v[k] + 0.5 * eps * s[k] }
            jacobianTermsFromHessian(scale: 0.5 * eps)
        }
        for k in 0..<(m * d) { a[k] += eps * h[k] }
        if settings.kind == .sgld {
            withUnsafeTemporaryAllocation(of: Double.self, capacity: m * d) { noise in
                rng.fillGaussian(noise, mean: 0, std: settings.noiseStd)
                for k in 0..<(m * d) { a[k] += noise[k] }
            }
        }
        if settings.kind == .hmc {
            // v <- v + eps/2 (grad log p(a) + grad log p(a')); s still holds grad log p(a).
            for k in 0..<(m * d) { v[k] += 0.5 * eps * s[k] }
            withUnsafeTemporaryAllocation(of: Double.self, capacity: d) { g in
                for j in 0..<m {
                    target.score(a + j * d, into: g.baseAddress!)
                    for c in 0..<d { v[j * d + c] += 0.5 * eps * g[c] }
                }
            }
        }
        stepsTaken += 1
    }

    /// Langevin and HMC: grad h = scale * Hessian of log p at the particle.
    func jacobianTermsFromHessian(scale: Double) {
        let m = count, d = dimension, eps = settings.stepSize
        for i in 0..<m {
            let hi = hess + i * d * d
            var tr = 0.0
            for c in 0..<d { tr += hi[c * d + c] }
            sumTrace[i] += eps * scale * tr
            if settings.exactLogDeterminant {
                for k in 0..<(d * d) { jac[k] = eps * scale * hi[k] }
                for c in 0..<d { jac[c * d + c] += 1 }
                sumLogDet[i] += logAbsDeterminant(jac, order: d)
            }
        }
    }

    /// SVGD (Eq. 1) with the trace of Eq. 10, the closed forms of Thm 3.3 and, if asked, the exact
    /// per-particle Jacobian. With `d_ij = a_i - a_j`, `w_ij = k_ij / sigma^2` (j != i):
    ///   m grad h_i = Hess_i + sum_j w_ij (I - s_j d_ij^T - d_ij d_ij^T / sigma^2),
    ///   m Tr grad h_i = Tr Hess_i + S_i,  S_i = sum_j w_ij (d - d_ij . s_j - |d_ij|^2 / sigma^2),
    /// and Thm 3.3 is `S_i / m` (paper) or `S_i / (m - 1)` (authors' code).
    func steinStepTerms() {
        let m = count, d = dimension, eps = settings.stepSize
        squaredDistances(a, count: m, dimension: d, into: r2)
        let sigma = rbfBandwidth(settings.bandwidth, squaredDistances: UnsafeBufferPointer(start: r2, count: m * m), particleCount: m)
        lastSigma = sigma
        let inv = 1 / (sigma * sigma)
        // The direction (Eq. 1, self term first); the Fig 4 kernel is exp(-r2 / (2 sigma^2)), no 1e-8.
        steinDirection(sources: a, scores: s, targets: a, count: m, dimension: d, gamma: rbfGammaUnregularized(sigma: sigma),
                       repulsionWeight: 1, selfTerm: .first, squaredDistances: r2, kernel: kernel, into: h)
        let dd = Double(d)
        for i in 0..<m {
            let ai = a + i * d
            var sumS = 0.0
            for j in 0..<m where j != i {
                let aj = a + j * d, sj = s + j * d
                let wij = kernel[j * m + i] * inv
                w[i * m + j] = wij
                var dot = 0.0
                for c in 0..<d { dot += (ai[c] - aj[c]) * sj[c] }
                sumS += wij * (dd - dot - r2[i * m + j] * inv)
            }
            w[i * m + i] = 0
            var trH = 0.0
            for c in 0..<d { trH += hess[i * d * d + c * d + c] }
            sumTrace[i] += eps * (trH + sumS) / Double(m)
            sumClosedPaper[i] += eps * sumS / Double(m)
            sumClosedAuthors[i] += eps * sumS / Double(m - 1)
        }
        if settings.exactLogDeterminant { exactSteinLogDeterminants(inv: inv) }
    }

    /// Assembles `I + eps grad h_i` for every particle and adds its log|det| (Thm 3.1).
    /// The sum over j is expanded so its only O(m^2 d^2) part is one matrix product
    /// `T = W Z` (BLAS), `Z_j = s_j a_j^T - a_j a_j^T / sigma^2`, in coordinates centred on the
    /// particle mean (translation leaves every d_ij unchanged and keeps the products small):
    ///   sum_j w_ij (-s_j d_ij^T - d_ij d_ij^T/sigma^2)
    ///     = -g_i a_i^T - (C_i/sigma^2) a_i a_i^T + (a_i u_i^T + u_i a_i^T)/sigma^2 + T_i,
    /// with `C_i = sum_j w_ij`, `g_i = sum_j w_ij s_j`, `u_i = sum_j w_ij a_j`.
    func exactSteinLogDeterminants(inv: Double) {
        let m = count, d = dimension, eps = settings.stepSize, d2 = d * d
        for c in 0..<d {
            var mean = 0.0
            for j in 0..<m { mean += a[j * d + c] }
            mean /= Double(m)
            for j in 0..<m { centred[j * d + c] = a[j * d + c] - mean }
        }
        for j in 0..<m {
            let cj = centred + j * d, sj = s + j * d, zj = z + j * d2
            for p in 0..<d { for q in 0..<d { zj[p * d + q] = (sj[p] - cj[p] * inv) * cj[q] } }
        }
        _ = openBLASThreadsOff
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(d2), Int32(m),
                    1.0, w, Int32(m), z, Int32(d2), 0.0, t, Int32(d2))
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * d) { buf in
            let g = buf.baseAddress!, u = g + d
            let scale = eps / Double(m)
            for i in 0..<m {
                var cSum = 0.0
                for c in 0..<d { g[c] = 0; u[c] = 0 }
                for j in 0..<m {
                    let wij = w[i * m + j]
                    if wij == 0 { continue }
                    cSum += wij
                    for c in 0..<d { g[c] += wij * s[j * d + c]; u[c] += wij * centred[j * d + c] }
                }
                let ci = centred + i * d, ti = t + i * d2, hi = hess + i * d2
                for p in 0..<d {
                    for q in 0..<d {
                        let mij = hi[p * d + q] + ti[p * d + q] - g[p] * ci[q] - cSum * inv * ci[p] * ci[q]
                            + (ci[p] * u[q] + u[p] * ci[q]) * inv
                        jac[p * d + q] = scale * mij
                    }
                    jac[p * d + p] += 1 + scale * cSum
                }
                sumLogDet[i] += logAbsDeterminant(jac, order: d)
            }
        }
    }
}
