import Foundation

/// Running mean and variance of a stream of vectors, Gymnasium's `RunningMeanStd`
/// (`gymnasium/wrappers/utils.py`, after OpenAI baselines): the parallel update of Chan et al.
/// for a batch of mean m_b, variance v_b (population) and count n_b,
///
///     delta = m_b - mean,  n = count + n_b
///     mean' = mean + delta n_b / n
///     var'  = (var count + v_b n_b + delta^2 count n_b / n) / n
///
/// starting from mean 0, variance 1 and count epsilon = 1e-4 (so the first observations do not
/// divide by a zero variance). In Double, as numpy's float64.
public struct RunningMeanStd: Equatable, Sendable {
    public private(set) var mean: [Double]
    public private(set) var variance: [Double]
    public private(set) var count: Double

    public init(dimension: Int, epsilon: Double = 1e-4) {
        mean = [Double](repeating: 0, count: dimension)
        variance = [Double](repeating: 1, count: dimension)
        count = epsilon
    }

    public var dimension: Int { mean.count }

    /// Takes in one vector (a batch of one: its variance is 0).
    public mutating func update(_ x: [Double]) {
        precondition(x.count == dimension, "running statistics of dimension \(dimension) given \(x.count) values")
        let n = count + 1
        for i in 0..<dimension {
            let delta = x[i] - mean[i]
            mean[i] += delta / n
            variance[i] = (variance[i] * count + delta * delta * count / n) / n
        }
        count = n
    }

    /// Restores saved statistics.
    public init(mean: [Double], variance: [Double], count: Double) {
        precondition(mean.count == variance.count, "mean and variance of different dimensions")
        self.mean = mean; self.variance = variance; self.count = count
    }

    func save(to group: HDF5Group) throws {
        try group.write("mean", mean)
        try group.write("variance", variance)
        try group.write("count", [count])
    }

    static func load(from group: HDF5Group, dimension: Int) throws -> RunningMeanStd {
        let m = try group.read("mean", as: Double.self).values, v = try group.read("variance", as: Double.self).values
        let n = try group.read("count", as: Double.self).values
        guard m.count == dimension, v.count == dimension, n.count == 1, n[0] > 0 else {
            throw InputError("\(group.file.path):\(group.path): running statistics are not of dimension \(dimension)")
        }
        return RunningMeanStd(mean: m, variance: v, count: n[0])
    }
}

/// Observation normalisation as cleanrl's PPO wraps its environments: Gymnasium's
/// `NormalizeObservation` (each observation the environment returns, the final one of an
/// episode and the first after a reset included, first updates the statistics, then becomes
/// (x - mean) / sqrt(var + 1e-8)), then `TransformObservation` clipping to +-10.
public struct ObservationNormalizer: Equatable, Sendable {
    public private(set) var statistics: RunningMeanStd
    /// Gymnasium's `epsilon` inside the square root.
    public let epsilon: Double
    public let clip: Double

    public init(dimension: Int, clip: Double, epsilon: Double = 1e-8) {
        statistics = RunningMeanStd(dimension: dimension)
        self.epsilon = epsilon; self.clip = clip
    }

    /// The normalised, clipped observation; the statistics take `x` in first when `updating`.
    public mutating func callAsFunction(_ x: [Double], updating: Bool) -> [Float] {
        if updating { statistics.update(x) }
        return normalized(x)
    }

    /// The normalised, clipped observation under the current statistics (frozen).
    public func normalized(_ x: [Double]) -> [Float] {
        (0..<x.count).map { i in
            let z = (x[i] - statistics.mean[i]) / (statistics.variance[i] + epsilon).squareRoot()
            return Float(min(max(z, -clip), clip))
        }
    }

    func save(to group: HDF5Group) throws { try statistics.save(to: group) }

    mutating func load(from group: HDF5Group) throws {
        statistics = try RunningMeanStd.load(from: group, dimension: statistics.dimension)
    }
}

/// Reward scaling as cleanrl's PPO wraps its environments: Gymnasium's `NormalizeReward`
/// keeps the discounted return G <- gamma (1 - terminated) G + r (a truncation does not reset
/// it), takes G into running statistics, and divides the reward (not G) by
/// sqrt(var(G) + 1e-8); then `TransformReward` clips to +-10.
public struct RewardScaler: Equatable, Sendable {
    public private(set) var statistics = RunningMeanStd(dimension: 1)
    /// The discounted return G so far.
    public private(set) var discountedReturn = 0.0
    public let gamma: Double
    public let epsilon: Double
    public let clip: Double

    public init(gamma: Double, clip: Double, epsilon: Double = 1e-8) {
        self.gamma = gamma; self.clip = clip; self.epsilon = epsilon
    }

    /// The scaled, clipped reward; updates G and its statistics.
    public mutating func callAsFunction(_ reward: Double, terminated: Bool) -> Float {
        discountedReturn = discountedReturn * gamma * (terminated ? 0 : 1) + reward
        statistics.update([discountedReturn])
        let scaled = reward / (statistics.variance[0] + epsilon).squareRoot()
        return Float(min(max(scaled, -clip), clip))
    }

    func save(to group: HDF5Group) throws {
        try statistics.save(to: group)
        try group.write("discounted_return", [discountedReturn])
    }

    mutating func load(from group: HDF5Group) throws {
        statistics = try RunningMeanStd.load(from: group, dimension: 1)
        let g = try group.read("discounted_return", as: Double.self).values
        guard g.count == 1 else { throw InputError("\(group.file.path):\(group.path): no discounted return") }
        discountedReturn = g[0]
    }
}
