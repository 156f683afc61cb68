import Foundation

/// A target density p for the samplers of Sec. 3.3 and the entropy experiments of Sec. 4.1:
/// exact log-density, score `grad log p` and Hessian `grad^2 log p`, so every estimator of
/// Thm 3.1 / Eq. 10 / Thm 3.3 can be checked against the exact change of variables.
/// Points are `dimension` contiguous Doubles; the Hessian is written row-major, d x d. The
/// pointer requirements are the samplers' per-particle kernels (`@_spi(Kernels)`); users of the
/// library call the array forms in the extension below.
public protocol Target: Sendable {
    var dimension: Int { get }
    @_spi(Kernels) func logDensity(_ x: UnsafePointer<Double>) -> Double
    /// Writes `grad log p(x)` into `g` and returns `log p(x)`.
    @discardableResult
    @_spi(Kernels) func score(_ x: UnsafePointer<Double>, into g: UnsafeMutablePointer<Double>) -> Double
    /// Writes `grad^2 log p(x)` (row-major d x d) into `h`.
    @_spi(Kernels) func hessian(_ x: UnsafePointer<Double>, into h: UnsafeMutablePointer<Double>)
    /// Draws one exact sample.
    @_spi(Kernels) func sample(into x: UnsafeMutablePointer<Double>, using rng: inout Xoshiro256)
    /// The exact differential entropy when it has a closed form (Gaussians), else nil.
    var exactEntropy: Double? { get }
}

extension Target {
    /// `log p(x)` at one point of `dimension` values.
    public func logDensity(at x: [Double]) -> Double {
        precondition(x.count == dimension, "a point has \(dimension) values, got \(x.count)")
        return x.withUnsafeBufferPointer { logDensity($0.baseAddress!) }
    }

    /// `grad log p(x)` at one point of `dimension` values.
    public func score(at x: [Double]) -> [Double] {
        precondition(x.count == dimension, "a point has \(dimension) values, got \(x.count)")
        var g = [Double](repeating: 0, count: dimension)
        x.withUnsafeBufferPointer { xp in g.withUnsafeMutableBufferPointer { _ = score(xp.baseAddress!, into: $0.baseAddress!) } }
        return g
    }

    /// `grad^2 log p(x)` (row-major d x d) at one point of `dimension` values.
    public func hessian(at x: [Double]) -> [Double] {
        precondition(x.count == dimension, "a point has \(dimension) values, got \(x.count)")
        var h = [Double](repeating: 0, count: dimension * dimension)
        x.withUnsafeBufferPointer { xp in h.withUnsafeMutableBufferPointer { hessian(xp.baseAddress!, into: $0.baseAddress!) } }
        return h
    }

    /// One exact sample.
    public func sample(using rng: inout Xoshiro256) -> [Double] {
        var x = [Double](repeating: 0, count: dimension)
        x.withUnsafeMutableBufferPointer { sample(into: $0.baseAddress!, using: &rng) }
        return x
    }
}

/// A ground-truth entropy: exact (standard error 0) or a Monte Carlo mean of `-log p(x)` over
/// `samples` exact draws with its standard error.
public struct GroundTruthEntropy: Sendable, Equatable {
    public let value: Double
    public let standardError: Double
    public let samples: Int
    public var isExact: Bool { samples == 0 }
    public init(value: Double, standardError: Double, samples: Int) {
        self.value = value; self.standardError = standardError; self.samples = samples
    }
}

extension Target {
    /// Monte Carlo entropy `-mean log p(x)`, `x ~ p`, with its standard error (sample std / sqrt n).
    /// Welford's update keeps the variance accurate for 10^6 and more samples.
    public func monteCarloEntropy(samples n: Int, using rng: inout Xoshiro256) -> GroundTruthEntropy {
        precondition(n > 1, "a Monte Carlo entropy needs at least two samples")
        var x = [Double](repeating: 0, count: dimension)
        var mean = 0.0, m2 = 0.0
        x.withUnsafeMutableBufferPointer { xb in
            let p = xb.baseAddress!
            for k in 1...n {
                sample(into: p, using: &rng)
                let v = -logDensity(p)
                let delta = v - mean
                mean += delta / Double(k)
                m2 += delta * (v - mean)
            }
        }
        let variance = m2 / Double(n - 1)
        return GroundTruthEntropy(value: mean, standardError: (variance / Double(n)).squareRoot(), samples: n)
    }

    /// The exact entropy when there is one, else a Monte Carlo estimate over `samples` draws.
    public func groundTruthEntropy(monteCarloSamples n: Int, using rng: inout Xoshiro256) -> GroundTruthEntropy {
        if let h = exactEntropy { return GroundTruthEntropy(value: h, standardError: 0, samples: 0) }
        return monteCarloEntropy(samples: n, using: &rng)
    }
}

let logTwoPi = Foundation.log(2.0 * Double.pi)
