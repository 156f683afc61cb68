import Foundation

/// A Gaussian `N(mean, covariance)` with full covariance (Fig 4a: Table 2's target; Fig 4c/10:
/// isotropic ones). Precomputes the Cholesky factor `L` (covariance = L L^T) and the
/// precision `P = covariance^-1`, so log p, score `-P (x - mean)` and Hessian `-P` are exact.
public struct Gaussian: Target {
    public let dimension: Int
    public let mean: [Double]
    /// Row-major d x d.
    public let covariance: [Double]
    /// Lower-triangular Cholesky factor, row-major.
    public let cholesky: [Double]
    /// Row-major inverse covariance.
    public let precision: [Double]
    /// `-d/2 log(2 pi) - 1/2 log det covariance`.
    let logNormaliser: Double

    /// Throws `InputError` when the covariance is not d x d, not symmetric or not positive definite.
    public init(mean: [Double], covariance: [Double]) throws {
        let d = mean.count
        guard d > 0, covariance.count == d * d else {
            throw InputError("a Gaussian needs a d x d covariance for a mean of length \(d); got \(covariance.count) entries")
        }
        for r in 0..<d { for c in 0..<r where abs(covariance[r * d + c] - covariance[c * d + r]) > 1e-12 * max(1, abs(covariance[r * d + c])) {
            throw InputError("the covariance must be symmetric; entries (\(r),\(c)) and (\(c),\(r)) differ")
        } }
        var l = [Double](repeating: 0, count: d * d)
        for r in 0..<d {
            for c in 0...r {
                var s = covariance[r * d + c]
                for k in 0..<c { s -= l[r * d + k] * l[c * d + k] }
                if r == c {
                    guard s > 0 else { throw InputError("the covariance must be positive definite") }
                    l[r * d + r] = s.squareRoot()
                } else {
                    l[r * d + c] = s / l[c * d + c]
                }
            }
        }
        // Precision = L^-T L^-1: invert L column by column, then multiply.
        var linv = [Double](repeating: 0, count: d * d)
        for c in 0..<d {
            for r in c..<d {
                var s = r == c ? 1.0 : 0.0
                for k in c..<r { s -= l[r * d + k] * linv[k * d + c] }
                linv[r * d + c] = s / l[r * d + r]
            }
        }
        var p = [Double](repeating: 0, count: d * d)
        for r in 0..<d { for c in 0..<d {
            var s = 0.0
            for k in max(r, c)..<d { s += linv[k * d + r] * linv[k * d + c] }
            p[r * d + c] = s
        } }
        var halfLogDet = 0.0
        for r in 0..<d { halfLogDet += Foundation.log(l[r * d + r]) }
        self.dimension = d
        self.mean = mean
        self.covariance = covariance
        self.cholesky = l
        self.precision = p
        self.logNormaliser = -0.5 * Double(d) * logTwoPi - halfLogDet
    }

    /// `N(mean, std^2 I)`.
    public init(mean: [Double], std: Double) throws {
        guard std > 0 else { throw InputError("a Gaussian's standard deviation must be positive, got \(std)") }
        let d = mean.count
        var cov = [Double](repeating: 0, count: d * d)
        for i in 0..<d { cov[i * d + i] = std * std }
        try self.init(mean: mean, covariance: cov)
    }

    /// Closed form `d/2 (1 + log 2 pi) + 1/2 log det covariance`.
    public var exactEntropy: Double? { 0.5 * Double(dimension) - logNormaliser }

    @_spi(Kernels) public func logDensity(_ x: UnsafePointer<Double>) -> Double {
        // 1/2 (x-mu)^T P (x-mu) = 1/2 |L^-1 (x-mu)|^2, by forward substitution.
        let d = dimension
        var quad = 0.0
        cholesky.withUnsafeBufferPointer { l in
            withUnsafeTemporaryAllocation(of: Double.self, capacity: d) { z in
                for r in 0..<d {
                    var s = x[r] - mean[r]
                    for k in 0..<r { s -= l[r * d + k] * z[k] }
                    z[r] = s / l[r * d + r]
                    quad += z[r] * z[r]
                }
            }
        }
        return logNormaliser - 0.5 * quad
    }

    @discardableResult
    @_spi(Kernels) public func score(_ x: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) -> Double {
        let d = dimension
        var quad = 0.0
        precision.withUnsafeBufferPointer { p in
            for r in 0..<d {
                var s = 0.0
                for c in 0..<d { s -= p[r * d + c] * (x[c] - mean[c]) }
                g[r] = s
                quad -= s * (x[r] - mean[r])
            }
        }
        return logNormaliser - 0.5 * quad
    }

    @_spi(Kernels) public func hessian(_ x: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>) {
        for k in 0..<(dimension * dimension) { h[k] = -precision[k] }
    }

    @_spi(Kernels) public func sample(into x: UnsafeMutablePointer<Double>, using rng: inout Xoshiro256) {
        let d = dimension
        withUnsafeTemporaryAllocation(of: Double.self, capacity: d) { z in
            rng.fillGaussian(z)
            for r in 0..<d {
                var s = mean[r]
                for k in 0...r { s += cholesky[r * d + k] * z[k] }
                x[r] = s
            }
        }
    }
}
