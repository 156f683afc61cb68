import Foundation

/// An equal-weight mixture of M isotropic Gaussians `N(mean_k, std^2 I)` (Fig 4c, 10;
/// REFERENCE.md section 6). Exact log-density by log-sum-exp; score and Hessian through the
/// responsibilities `r_k`: with `g_k = -(x - mean_k)/std^2`,
/// `grad log p = sum_k r_k g_k`, `grad^2 log p = -I/std^2 + sum_k r_k g_k g_k^T - (sum r g)(sum r g)^T`.
/// The entropy has no closed form for M > 1: use `monteCarloEntropy`.
public struct GaussianMixture: Target {
    public let dimension: Int
    public let components: Int
    /// Row-major M x d.
    public let means: [Double]
    public let std: Double
    let logComponentNormaliser: Double

    public init(means: [Double], components: Int, std: Double) throws {
        guard components > 0, !means.isEmpty, means.count % components == 0 else {
            throw InputError("a mixture needs M > 0 means of equal length; got \(means.count) numbers for M = \(components)")
        }
        guard std > 0 else { throw InputError("a mixture's component std must be positive, got \(std)") }
        self.components = components
        self.dimension = means.count / components
        self.means = means
        self.std = std
        self.logComponentNormaliser = -0.5 * Double(means.count / components) * (logTwoPi + 2 * Foundation.log(std))
            - Foundation.log(Double(components))
    }

    /// The mixture of the paper's Fig 4c (authors' notebook `GMMDist`): component i has mean
    /// `4 (sin(2 pi i/M), cos(2 pi i/M))` in the first two coordinates and, in every further
    /// coordinate, a value uniform in [-1, 1) drawn from `rng`.
    public static func circle(components: Int, dimension: Int, std: Double,
                              using rng: inout Xoshiro256) throws -> GaussianMixture {
        guard dimension >= 2 else { throw InputError("the circle mixture needs dimension >= 2, got \(dimension)") }
        guard components > 0 else { throw InputError("the circle mixture needs at least one component") }
        var means = [Double](repeating: 0, count: components * dimension)
        for i in 0..<components {
            let angle = 2 * Double.pi * Double(i) / Double(components)
            means[i * dimension] = 4 * Foundation.sin(angle)
            means[i * dimension + 1] = 4 * Foundation.cos(angle)
            for c in 2..<dimension { means[i * dimension + c] = rng.nextUniform(-1, 1) }
        }
        return try GaussianMixture(means: means, components: components, std: std)
    }

    /// Exact for one component (it is a Gaussian); nil otherwise.
    public var exactEntropy: Double? {
        components == 1 ? 0.5 * Double(dimension) * (1 + logTwoPi + 2 * Foundation.log(std)) : nil
    }

    /// Fills `logw` (M entries) with log-weight + log-component density and returns log p(x).
    @inline(__always)
    func componentLogs(_ x: UnsafePointer<Double>, _ logw: UnsafeMutablePointer<Double>) -> Double {
        let d = dimension
        let inv = 1 / (2 * std * std)
        var top = -Double.infinity
        means.withUnsafeBufferPointer { mu in
            for k in 0..<components {
                var q = 0.0
                let base = k * d
                for c in 0..<d { let t = x[c] - mu[base + c]; q += t * t }
                logw[k] = logComponentNormaliser - q * inv
                top = max(top, logw[k])
            }
        }
        var s = 0.0
        for k in 0..<components { s += Foundation.exp(logw[k] - top) }
        return top + Foundation.log(s)
    }

    public func logDensity(_ x: UnsafePointer<Double>) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: components) { componentLogs(x, $0.baseAddress!) }
    }

    @discardableResult
    public func score(_ x: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) -> Double {
        let d = dimension
        let inv = 1 / (std * std)
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: components) { lw in
            let logp = componentLogs(x, lw.baseAddress!)
            for c in 0..<d { g[c] = 0 }
            means.withUnsafeBufferPointer { mu in
                for k in 0..<components {
                    let r = Foundation.exp(lw[k] - logp)
                    for c in 0..<d { g[c] -= r * (x[c] - mu[k * d + c]) * inv }
                }
            }
            return logp
        }
    }

    public func hessian(_ x: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) {
        let d = dimension
        let inv = 1 / (std * std)
        withUnsafeTemporaryAllocation(of: Double.self, capacity: components + 2 * d) { buf in
            let lw = buf.baseAddress!, gk = lw + components, gbar = gk + d
            let logp = componentLogs(x, lw)
            for k in 0..<(d * d) { h[k] = 0 }
            for c in 0..<d { gbar[c] = 0 }
            means.withUnsafeBufferPointer { mu in
                for k in 0..<components {
                    let r = Foundation.exp(lw[k] - logp)
                    for c in 0..<d { gk[c] = -(x[c] - mu[k * d + c]) * inv; gbar[c] += r * gk[c] }
                    for a in 0..<d { let ra = r * gk[a]; for b in 0..<d { h[a * d + b] += ra * gk[b] } }
                }
            }
            for a in 0..<d {
                for b in 0..<d { h[a * d + b] -= gbar[a] * gbar[b] }
                h[a * d + a] -= inv
            }
        }
    }

    public func sample(into x: UnsafeMutablePointer<Double>, using rng: inout Xoshiro256) {
        let d = dimension
        let k = rng.nextIndex(components)
        rng.fillGaussian(UnsafeMutableBufferPointer(start: x, count: d), mean: 0, std: std)
        for c in 0..<d { x[c] += means[k * d + c] }
    }
}
