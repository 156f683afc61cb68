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

    @_spi(Kernels) public func logDensity(_ x: UnsafePointer<Double>) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: components) { componentLogs(x, $0.baseAddress!) }
    }

    @discardableResult
    @_spi(Kernels) public func score(_ x: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) -> Double {
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

    @_spi(Kernels) public func hessian(_ x: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) {
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

    @_spi(Kernels) public func sample(into x: UnsafeMutablePointer<Double>, using rng: inout Xoshiro256) {
        let d = dimension
        let k = rng.nextIndex(components)
        rng.fillGaussian(UnsafeMutableBufferPointer(start: x, count: d), mean: 0, std: std)
        for c in 0..<d { x[c] += means[k * d + c] }
    }
}

extension GaussianMixture {
    /// The same Monte Carlo estimate of `-E log p` as `monteCarloEntropy`, drawing only what
    /// log p depends on. For a draw `x = mean_k + std xi` from component k,
    /// `|x - mean_j|^2 = |v_j|^2 + 2 std xi.v_j + std^2 |xi|^2` with `v_j = mean_k - mean_j`, so it
    /// needs `xi` only in the span of the `v_j` (rank r <= M - 1: r normals in an orthonormal
    /// basis) and `|xi|^2 = |z|^2 + chi^2_{d-r}` (one gamma draw). Exact in distribution; about
    /// d / (M + 1) times fewer random numbers. Falls back to `monteCarloEntropy` when d - r < 2.
    public func projectedMonteCarloEntropy(samples n: Int, using rng: inout Xoshiro256) -> GroundTruthEntropy {
        precondition(n > 1, "a Monte Carlo entropy needs at least two samples")
        let d = dimension, mCount = components
        // Per component: basis coefficients of every v_j (rank x M, row-major) and |v_j|^2.
        var coefficients: [[Double]] = [], ranks: [Int] = [], normsSquared: [[Double]] = []
        for k in 0..<mCount {
            var basis: [[Double]] = []
            var vs: [[Double]] = []
            for j in 0..<mCount {
                let v = (0..<d).map { means[k * d + $0] - means[j * d + $0] }
                vs.append(v)
                var w = v
                for b in basis { let p = zip(w, b).reduce(0) { $0 + $1.0 * $1.1 }; for c in 0..<d { w[c] -= p * b[c] } }
                let norm = w.reduce(0) { $0 + $1 * $1 }.squareRoot()
                let scale = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 1e-10 * max(scale, 1) { basis.append(w.map { $0 / norm }) }
            }
            let r = basis.count
            if d - r < 2 { return monteCarloEntropy(samples: n, using: &rng) }
            var coef = [Double](repeating: 0, count: r * mCount)
            for (a, b) in basis.enumerated() { for j in 0..<mCount { coef[a * mCount + j] = zip(b, vs[j]).reduce(0) { $0 + $1.0 * $1.1 } } }
            coefficients.append(coef); ranks.append(r); normsSquared.append(vs.map { $0.reduce(0) { $0 + $1 * $1 } })
        }
        let inv = 1 / (2 * std * std)
        var mean = 0.0, m2 = 0.0
        var z = [Double](repeating: 0, count: max(mCount, 1))
        var logs = [Double](repeating: 0, count: mCount)
        for t in 1...n {
            let k = rng.nextIndex(mCount)
            let r = ranks[k]
            var xi2 = 0.0
            z.withUnsafeMutableBufferPointer { zb in
                if r > 0 { rng.fillGaussian(UnsafeMutableBufferPointer(rebasing: zb[0..<r])) }
            }
            for a in 0..<r { xi2 += z[a] * z[a] }
            xi2 += 2 * rng.nextGamma(shape: 0.5 * Double(d - r))
            var top = -Double.infinity
            for j in 0..<mCount {
                var dot = 0.0
                for a in 0..<r { dot += z[a] * coefficients[k][a * mCount + j] }
                // x - mean_j = v_j + std xi, with xi.v_j = dot.
                let dist2 = normsSquared[k][j] + 2 * std * dot + std * std * xi2
                logs[j] = logComponentNormaliser - dist2 * inv
                top = max(top, logs[j])
            }
            var s = 0.0
            for j in 0..<mCount { s += Foundation.exp(logs[j] - top) }
            let v = -(top + Foundation.log(s))
            let delta = v - mean
            mean += delta / Double(t)
            m2 += delta * (v - mean)
        }
        return GroundTruthEntropy(value: mean, standardError: (m2 / Double(n - 1) / Double(n)).squareRoot(), samples: n)
    }
}

extension RandomNumberGenerator {
    /// A Gamma(shape, 1) draw, shape >= 1 (Marsaglia & Tsang 2000).
    public mutating func nextGamma(shape a: Double) -> Double {
        precondition(a >= 1, "nextGamma needs shape >= 1")
        let dd = a - 1.0 / 3.0, c = 1 / (9 * dd).squareRoot()
        while true {
            var x = 0.0, v = 0.0
            repeat { x = nextGaussian(); v = 1 + c * x } while v <= 0
            v = v * v * v
            let u = 1.0 - nextUniform()
            if Foundation.log(u) < 0.5 * x * x + dd - dd * v + dd * Foundation.log(v) { return dd * v }
        }
    }
}
