import Foundation

// The Stein variational direction (Eq. 1; Eq. 24 with a second particle set), written once.
// With the RBF kernel k(a, x) = exp(-gamma |a - x|^2) and grad_a k(a, x) = 2 gamma (x - a) k(a, x):
//   h(x_i) = 1/n sum_j [ k(a_j, x_i) s_j + w grad_{a_j} k(a_j, x_i) ],
// s_j the score at a_j, w the weight on the repulsion (the temperature alpha in the paper's
// placement, Eq. 24; 1 in the authors' sampler). The bandwidth rules live in Kernel.swift
// (`rbfBandwidth`); gamma comes from sigma through `rbfGamma`.
//
// Three forms, each in the summation order its callers have always used (so their bits are kept):
// - `steinDirection(particles:scores:...)`: tensor operations, differentiable to any order
//   (the S2AC actor loss takes second derivatives through it);
// - `SteinDirectionWorkspace.move`: the same operations on raw rows, without a graph and
//   allocation-free once the sizes have been seen (the acting sampler; same bits as the graph);
// - `steinDirection(sources:scores:targets:...)`: an element loop over two particle sets, the
//   amortized SVGD step (SQL, f_psi of Eq. 24-25) and the Fig 4 reference direction.

/// gamma of the kernel exp(-gamma r2) at bandwidth sigma: 1 / (1e-8 + 2 sigma^2), as the
/// authors' `kernels.py` writes it (the 1e-8 keeps a collapsed particle set finite).
@inlinable
public func rbfGamma(sigma: Double) -> Double { 1 / (1e-8 + 2 * sigma * sigma) }

/// gamma without the 1e-8: the kernel exp(-r2 / (2 sigma^2)) of Eq. 1 as written (the Fig 4 sampler).
@inlinable
public func rbfGammaUnregularized(sigma: Double) -> Double { 1 / (2 * sigma * sigma) }

/// Per state, sigma under `rule` and gamma = `rbfGamma(sigma)` from the squared distances
/// `r2` ([b, m, m], detached: the bandwidth adds nothing to any Jacobian). gamma is [b, 1, 1].
public func rbfGammas<T: TensorScalar>(_ r2: Tensor<T>, bandwidth rule: Bandwidth) -> (gamma: Tensor<T>, sigmas: [Double]) {
    let b = r2.shape[0], m = r2.shape[1]
    let values = r2.scalars.map(Double.init)
    var sigmas = [Double](repeating: 0, count: b)
    var gammas = [T](repeating: 0, count: b)
    values.withUnsafeBufferPointer { all in
        for s in 0..<b {
            let block = UnsafeBufferPointer(rebasing: all[(s * m * m)..<((s + 1) * m * m)])
            let sigma = rbfBandwidth(rule, squaredDistances: block, particleCount: m)
            sigmas[s] = sigma
            gammas[s] = T(rbfGamma(sigma: sigma))
        }
    }
    return (Tensor(gammas, shape: [b, 1, 1]), sigmas)
}

/// The graph form's result: the direction and the kernel quantities Thm 3.3's trace reuses.
public struct SteinGraphDirection<T: TensorScalar> {
    /// h(x_i), [b, m, d].
    public let direction: Tensor<T>
    /// |x_i - x_j|^2, [b, m, m].
    public let squaredDistances: Tensor<T>
    /// gamma per state, [b, 1, 1] (no graph).
    public let gamma: Tensor<T>
    /// sigma per state.
    public let sigmas: [Double]
    /// k(x_i, x_j), [b, m, m].
    public let kernel: Tensor<T>
    /// sum_j k_ij s_j, [b, m, d].
    public let kernelScore: Tensor<T>
}

/// The Stein direction of every state's m particles `x` ([b, m, d]) with scores `s` ([b, m, d])
/// as tensor operations (self term included, n = m), the graph kept through x and s:
///   h_i = 1/m [ sum_j k_ij s_j + w 2 gamma sum_j k_ij (x_i - x_j) ],
/// `repulsionWeight` nil: w = 1 and no multiplication (the authors' sampler).
public func steinDirection<T: TensorScalar>(particles x: Tensor<T>, scores s: Tensor<T>, bandwidth: Bandwidth,
                                            repulsionWeight: Double?) -> SteinGraphDirection<T> {
    let b = x.shape[0], m = x.shape[1], d = x.shape[2]
    let diff = x.reshaped([b, m, 1, d]) - x.reshaped([b, 1, m, d])        // x_i - x_j
    let r2 = diff.square().sum(axis: 3)                                    // [b, m, m]
    let (gamma, sigmas) = rbfGammas(r2.detached(), bandwidth: bandwidth)
    let k = (-(gamma * r2)).exp()                                          // k(x_i, x_j)
    let ks = k.matmul(s)                                                   // sum_j k_ij s_j
    let rowSum = k.sum(axis: 2, keepDims: true)
    // sum_j grad_{x_j} k(x_j, x_i) = 2 gamma sum_j k_ij (x_i - x_j)
    var repulsion = (x * rowSum - k.matmul(x)) * gamma * T(2)
    if let w = repulsionWeight { repulsion = repulsion * T(w) }
    return SteinGraphDirection(direction: (ks + repulsion) / T(m), squaredDistances: r2, gamma: gamma, sigmas: sigmas,
                               kernel: k, kernelScore: ks)
}

/// Scratch memory of one scalar type kept between calls: grown when a call needs more, never shrunk.
final class ScratchBuffer<T: TensorScalar> {
    private(set) var pointer: UnsafeMutablePointer<T>
    private var capacity = 0

    init() { pointer = .allocate(capacity: 1) }
    deinit { pointer.deallocate() }

    /// At least `count` values (contents unspecified).
    func reserve(_ count: Int) -> UnsafeMutablePointer<T> {
        if count > capacity {
            pointer.deallocate()
            pointer = .allocate(capacity: count)
            capacity = count
        }
        return pointer
    }
}

/// The graph-free form of `steinDirection(particles:scores:...)`: the same kernels, BLAS calls
/// and summation orders on raw rows, so the same bits, in buffers kept between calls (nothing
/// is allocated once the sizes have been seen).
final class SteinDirectionWorkspace<T: TensorScalar> {
    private let k = ScratchBuffer<T>(), ks = ScratchBuffer<T>(), kx = ScratchBuffer<T>()
    private let distances = ScratchBuffer<Double>()

    /// One Stein step of the m particles `x` ([m, d]) in place, x <- x + eps h(x), with scores
    /// `s` ([m, d]); returns sigma.
    @discardableResult
    func move(_ x: UnsafeMutablePointer<T>, scores s: UnsafePointer<T>, count m: Int, dimension d: Int,
              bandwidth: Bandwidth, repulsionWeight: Double?, stepSize eps: T) -> Double {
        let k = k.reserve(m * m), ks = ks.reserve(m * d), kx = kx.reserve(m * d)
        let distances = distances.reserve(m * m)
        for i in 0..<m {
            for j in 0..<m {
                var acc: T = 0
                for c in 0..<d { let v = x[i * d + c] - x[j * d + c]; acc += v * v }
                k[i * m + j] = acc
                distances[i * m + j] = Double(acc)
            }
        }
        let sigma = rbfBandwidth(bandwidth, squaredDistances: UnsafeBufferPointer(start: distances, count: m * m),
                                 particleCount: m)
        let gamma = T(rbfGamma(sigma: sigma))
        for i in 0..<(m * m) { k[i] = fastExp(-(gamma * k[i])) }
        T.gemm(transposeA: false, transposeB: false, m: m, n: d, k: m, alpha: 1, a: k, lda: m, b: s, ldb: d,
               beta: 0, c: ks, ldc: d)
        T.gemm(transposeA: false, transposeB: false, m: m, n: d, k: m, alpha: 1, a: k, lda: m, b: x, ldb: d,
               beta: 0, c: kx, ldc: d)
        let mt = T(m), weight = repulsionWeight.map { T($0) }
        for i in 0..<m {
            var rowSum: T = 0
            for j in 0..<m { rowSum += k[i * m + j] }
            for c in 0..<d {
                let e = i * d + c
                var repulsion = (x[e] * rowSum - kx[e]) * gamma * 2
                if let w = weight { repulsion = repulsion * w }
                let h = (ks[e] + repulsion) / mt
                ks[e] = h * eps   // x stays intact until every row has used it
            }
        }
        for e in 0..<(m * d) { x[e] = x[e] + ks[e] }
        return sigma
    }
}

/// r2[j * m + i] = |a_j - x_i|^2 in Double for m sources `a` and m targets `x` ([m, d] each).
func squaredDistances<T: TensorScalar>(sources a: UnsafePointer<T>, targets x: UnsafePointer<T>, count m: Int,
                                       dimension d: Int, into r2: UnsafeMutablePointer<Double>) {
    for j in 0..<m {
        for i in 0..<m {
            var t = 0.0
            for c in 0..<d {
                let e = Double(a[j * d + c]) - Double(x[i * d + c])
                t += e * e
            }
            r2[j * m + i] = t
        }
    }
}

/// Where the element-loop form puts the j == i term of h_i (one particle set: k = 1, no repulsion,
/// so the term is the score s_i itself).
public enum SteinSelfTerm: Sendable {
    /// Summed with the others in the order of j (f_psi; also any two particle sets, where j == i
    /// is no self pair).
    case inOrder
    /// The sum starts from s_i and adds the j != i terms (the Fig 4 sampler).
    case first
    /// Left out, n = m - 1 (the authors' `phi_log_prob`, whose Jacobian trace is Thm 3.3).
    case excluded
}

/// The element-loop form with two particle sets (Eq. 24 read as amortized SVGD): for the m
/// sources `a` with scores `g` and the m targets `x` ([m, d] each; x may be a itself),
///   h_i = 1/n sum_j k(a_j, x_i) (g_j + 2 gamma w (x_i - a_j)),   k(a_j, x_i) = exp(-gamma r2_ji),
/// each h_i summed over j in order, in T, n = m (m - 1 with `.excluded`). `r2` holds
/// `squaredDistances(sources:targets:...)` (or any r2[j * m + i] = |a_j - x_i|^2); `kernel` (m*m)
/// receives k(a_j, x_i) at [j * m + i].
func steinDirection<T: TensorScalar>(sources a: UnsafePointer<T>, scores g: UnsafePointer<T>, targets x: UnsafePointer<T>,
                                     count m: Int, dimension d: Int, gamma: T, repulsionWeight w: T,
                                     selfTerm: SteinSelfTerm = .inOrder,
                                     squaredDistances r2: UnsafePointer<Double>, kernel k: UnsafeMutablePointer<T>,
                                     into h: UnsafeMutablePointer<T>) {
    for e in 0..<(m * m) { k[e] = T.exp(-gamma * T(r2[e])) }
    let repulsion = 2 * gamma * w
    let n = T(selfTerm == .excluded ? m - 1 : m)
    for i in 0..<m {
        for c in 0..<d {
            let xi = x[i * d + c]
            var sum: T = selfTerm == .first ? g[i * d + c] : 0
            for j in 0..<m where selfTerm == .inOrder || j != i {
                sum += k[j * m + i] * (g[j * d + c] + repulsion * (xi - a[j * d + c]))
            }
            h[i * d + c] = sum / n
        }
    }
}

/// The element-loop form with the bandwidth rule: r2, sigma under `rule`, gamma = `rbfGamma(sigma)`
/// and the direction into `h`. `r2` (m*m) and `kernel` (m*m) are scratch; returns sigma.
@discardableResult
func steinDirection<T: TensorScalar>(sources a: UnsafePointer<T>, scores g: UnsafePointer<T>, targets x: UnsafePointer<T>,
                                     count m: Int, dimension d: Int, bandwidth rule: Bandwidth, repulsionWeight w: T,
                                     squaredDistances r2: UnsafeMutablePointer<Double>, kernel k: UnsafeMutablePointer<T>,
                                     into h: UnsafeMutablePointer<T>) -> Double {
    squaredDistances(sources: a, targets: x, count: m, dimension: d, into: r2)
    let sigma = rbfBandwidth(rule, squaredDistances: UnsafeBufferPointer(start: r2, count: m * m), particleCount: m)
    steinDirection(sources: a, scores: g, targets: x, count: m, dimension: d, gamma: T(rbfGamma(sigma: sigma)),
                   repulsionWeight: w, squaredDistances: r2, kernel: k, into: h)
    return sigma
}
