import Dispatch

// Stratified bootstrap percentile intervals, as rliable's `get_interval_estimates` computes them
// (rliable `library.py` over arch's `IIDBootstrap.conf_int(method="percentile")`): each replicate
// resamples, independently within every task, `runs` runs with replacement; the interval is the
// pair of numpy-`percentile` (linear) quantiles at (1 - size)/2 and 1 - (1 - size)/2 of the
// replicates.
//
// Unlike rliable 1.2 (which ignores its `random_state` and draws from numpy's global generator),
// every replicate here comes from the suite's seed tree: replicates are split into fixed blocks
// of `blockSize`, block `b` of the statistic labelled `L` draws from
// `SeedTree(seed).child(fnv1a64(L)).stream(.bootstrap, index: b)`. Results are therefore
// bit-identical for a seed whatever the thread count, and an algorithm's intervals do not depend
// on which other algorithms are in the same file.

/// How to bootstrap: replicate count, interval coverage, seed, threads.
public struct BootstrapOptions: Sendable, Equatable {
    /// Bootstrap replicates (rliable: 50000 for aggregates, 2000 in its examples for the
    /// probability of improvement and for performance profiles).
    public var reps: Int
    /// Interval coverage (rliable's `confidence_interval_size`).
    public var confidence: Double
    /// Root of the seed tree the replicates draw from.
    public var seed: UInt64
    /// Worker threads; 1 runs serially. Results do not depend on it.
    public var threads: Int

    public init(reps: Int, confidence: Double = 0.95, seed: UInt64, threads: Int = 2) {
        self.reps = reps; self.confidence = confidence; self.seed = seed; self.threads = threads
    }

    /// Replicates per random stream.
    public static let blockSize = 512
}

/// A point estimate with its bootstrap percentile interval.
public struct IntervalEstimate: Equatable, Sendable {
    public var estimate: Double
    public var low: Double
    public var high: Double
    public init(estimate: Double, low: Double, high: Double) {
        self.estimate = estimate; self.low = low; self.high = high
    }
}

/// numpy's `percentile(values, 100 q)` with linear interpolation, `values` sorted ascending.
func sortedPercentile(_ sorted: UnsafeBufferPointer<Double>, _ q: Double) -> Double {
    let n = sorted.count
    precondition(n > 0, "percentile of no values")
    let position = q * Double(n - 1)
    var lo = Int(position.rounded(.down))
    lo = Swift.max(0, Swift.min(lo, n - 1))
    let hi = Swift.min(lo + 1, n - 1)
    let t = position - Double(lo)
    let a = sorted[lo], b = sorted[hi]
    // numpy's _lerp: interpolate from the nearer end for accuracy.
    let d = b - a
    return t >= 0.5 ? b - d * (1 - t) : a + d * t
}

/// numpy's `percentile(values, 100 q)` (linear) of unsorted values, by selection: reorders
/// `values`; linear time instead of a sort.
func selectPercentile(_ values: UnsafeMutableBufferPointer<Double>, _ q: Double) -> Double {
    let n = values.count
    precondition(n > 0, "percentile of no values")
    let position = q * Double(n - 1)
    let lo = Swift.max(0, Swift.min(Int(position.rounded(.down)), n - 1))
    let a = selectKth(values, lo)
    var b = a
    if lo + 1 < n {
        b = values[lo + 1]
        for i in (lo + 2)..<n where values[i] < b { b = values[i] }
    }
    let t = position - Double(lo), d = b - a
    return t >= 0.5 ? b - d * (1 - t) : a + d * t
}

/// Reorders `v` so that `v[k]` is its k-th smallest value, nothing larger before it and
/// nothing smaller after it (Hoare partitioning, median-of-three pivots); returns `v[k]`.
@discardableResult
func selectKth(_ v: UnsafeMutableBufferPointer<Double>, _ k: Int) -> Double {
    var left = 0, right = v.count - 1
    while right > left {
        let mid = left + (right - left) / 2
        if v[mid] < v[left] { v.swapAt(mid, left) }
        if v[right] < v[left] { v.swapAt(right, left) }
        if v[right] < v[mid] { v.swapAt(right, mid) }
        let pivot = v[mid]
        var i = left, j = right
        while i <= j {
            while v[i] < pivot { i += 1 }
            while pivot < v[j] { j -= 1 }
            if i <= j { v.swapAt(i, j); i += 1; j -= 1 }
        }
        if k <= j { right = j } else if k >= i { left = i } else { break }
    }
    return v[k]
}

/// The percentile interval of a set of replicates (reordered in place).
func percentileInterval(_ replicates: UnsafeMutableBufferPointer<Double>, confidence: Double) -> (low: Double, high: Double) {
    let alpha = (1 - confidence) / 2
    let low = selectPercentile(replicates, alpha)
    let high = selectPercentile(replicates, 1 - alpha)
    return (low, high)
}

/// 64-bit FNV-1a of a label: the seed-tree child a statistic's replicates draw from.
public func bootstrapStreamKey(_ label: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for b in label.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    return h
}

/// One bootstrapped statistic: a label (its random stream), how many values each replicate
/// yields, and a factory for the per-thread replicate function (which owns its scratch space).
/// A replicate function draws one bootstrap sample from the generator and writes its
/// `statCount` values to the buffer.
struct BootstrapJob {
    typealias Replicate = (inout Xoshiro256, UnsafeMutableBufferPointer<Double>) -> Void
    let label: String
    let statCount: Int
    let makeReplicate: () -> Replicate
    init(label: String, statCount: Int, makeReplicate: @escaping () -> Replicate) {
        self.label = label; self.statCount = statCount; self.makeReplicate = makeReplicate
    }
}

/// Runs every job for `options.reps` replicates, blocks spread over `options.threads` threads,
/// and returns per job its replicates, statistic-major: `result[job][stat * reps + rep]`.
func bootstrapReplicates(_ jobs: [BootstrapJob], options: BootstrapOptions) -> [[Double]] {
    precondition(options.reps > 0, "bootstrap needs at least one replicate")
    let reps = options.reps
    let blocks = (reps + BootstrapOptions.blockSize - 1) / BootstrapOptions.blockSize
    let storage = jobs.map { UnsafeMutableBufferPointer<Double>.allocate(capacity: $0.statCount * reps) }
    defer { storage.forEach { $0.deallocate() } }
    let trees = jobs.map { SeedTree(seed: options.seed).child(bootstrapStreamKey($0.label)) }
    let units = jobs.count * blocks

    let runUnit: (Int) -> Void = { unit in
        let j = unit / blocks, b = unit % blocks
        let job = jobs[j]
        var rng = trees[j].stream(.bootstrap, index: UInt64(b))
        let replicate = job.makeReplicate()
        let stats = UnsafeMutableBufferPointer<Double>.allocate(capacity: job.statCount)
        defer { stats.deallocate() }
        let out = storage[j]
        let start = b * BootstrapOptions.blockSize
        let end = Swift.min(start + BootstrapOptions.blockSize, reps)
        for rep in start..<end {
            replicate(&rng, stats)
            for s in 0..<job.statCount { out[s * reps + rep] = stats[s] }
        }
    }
    let threads = Swift.max(1, Swift.min(options.threads, units))
    if threads == 1 {
        for u in 0..<units { runUnit(u) }
    } else {
        // Workers take units in a fixed striped order; each unit's output depends only on it.
        DispatchQueue.concurrentPerform(iterations: threads) { w in
            var u = w
            while u < units { runUnit(u); u += threads }
        }
    }
    return storage.map { Array($0) }
}

/// Turns statistic-major replicates into intervals around the given point estimates.
public func percentileIntervals(estimates: [Double], replicates: [Double], reps: Int, confidence: Double) -> [IntervalEstimate] {
    var r = replicates
    return r.withUnsafeMutableBufferPointer { buf in
        estimates.enumerated().map { s, est in
            let (lo, hi) = percentileInterval(UnsafeMutableBufferPointer(rebasing: buf[(s * reps)..<((s + 1) * reps)]),
                                              confidence: confidence)
            return IntervalEstimate(estimate: est, low: lo, high: hi)
        }
    }
}

// MARK: - Resampling by counts
//
// A stratified resample of a task's runs is a multinomial draw of how often each run appears.
// Keeping the scores sorted once, up front, and drawing counts against sorted positions makes
// every replicate a single pass in sorted order: the trimmed mean, the profiles and the
// Mann-Whitney count need no sort per replicate.

/// Scratch memory owned by one replicate function (one per thread and block).
final class Scratch: @unchecked Sendable {
    let doubles: UnsafeMutableBufferPointer<Double>
    let ints: UnsafeMutableBufferPointer<Int>
    init(doubles: Int, ints: Int) {
        self.doubles = .allocate(capacity: Swift.max(doubles, 1)); self.doubles.initialize(repeating: 0)
        self.ints = .allocate(capacity: Swift.max(ints, 1)); self.ints.initialize(repeating: 0)
    }
    deinit { doubles.deallocate(); ints.deallocate() }
}

/// A score matrix prepared for count resampling: its scores sorted over all runs and tasks,
/// and for every (task, run) cell its position in that order.
struct SortedScores: @unchecked Sendable {
    let runs: Int, tasks: Int, n: Int
    /// All scores ascending.
    let sorted: [Double]
    /// `rank[task * runs + run]`: the cell's position in `sorted`.
    let rank: [Int]
    /// Task-major scores as given.
    let values: [Double]

    init(_ m: ScoreMatrix) {
        runs = m.runs; tasks = m.tasks; n = m.values.count; values = m.values
        let order = m.values.indices.sorted { m.values[$0] < m.values[$1] || (m.values[$0] == m.values[$1] && $0 < $1) }
        sorted = order.map { m.values[$0] }
        var r = [Int](repeating: 0, count: n)
        for (position, cell) in order.enumerated() { r[cell] = position }
        rank = r
    }
}

/// The trimmed mean (25 %) of the resample whose sorted-position counts are `counts`.
@inline(__always)
func iqmOfCounts(_ counts: UnsafeMutablePointer<Int>, _ sorted: UnsafePointer<Double>, n: Int) -> Double {
    let low = n / 4, high = n - n / 4  // scipy: int(0.25 n) cut from each end
    var position = 0, sum = 0.0
    for k in 0..<n {
        let c = counts[k]
        if c == 0 { continue }
        let a = Swift.max(position, low), b = Swift.min(position + c, high)
        if b > a { sum += Double(b - a) * sorted[k] }
        position += c
        if position >= high { break }
    }
    return sum / Double(high - low)
}

// MARK: - rliable's interval estimates

/// The four aggregate metrics (in `AggregateMetric.allCases` order) with stratified-bootstrap
/// percentile intervals, for each algorithm. One resample per replicate serves all four metrics,
/// as in rliable's own usage (`get_interval_estimates` over a function returning the four).
/// `labels` name the algorithms (they pick the random streams).
public func aggregateIntervals(_ scores: [ScoreMatrix], labels: [String], gamma: Double = 1,
                               options: BootstrapOptions) -> [[AggregateMetric: IntervalEstimate]] {
    precondition(scores.count == labels.count, "one label per score matrix")
    let metrics = AggregateMetric.allCases
    let jobs = zip(scores, labels).map { m, label in
        let s = SortedScores(m)
        let clipped = m.values.map { Swift.min($0, gamma) }
        return BootstrapJob(label: "aggregate/\(label)", statCount: metrics.count) {
            let scratch = Scratch(doubles: s.tasks, ints: s.n)
            return { rng, out in
                s.values.withUnsafeBufferPointer { v in s.rank.withUnsafeBufferPointer { rank in
                s.sorted.withUnsafeBufferPointer { sorted in clipped.withUnsafeBufferPointer { clip in
                    let counts = scratch.ints.baseAddress!, means = scratch.doubles
                    for k in 0..<s.n { counts[k] = 0 }
                    var clippedSum = 0.0, meanSum = 0.0
                    for t in 0..<s.tasks {
                        let base = t * s.runs
                        var taskSum = 0.0
                        for _ in 0..<s.runs {
                            let cell = base + rng.nextIndex(s.runs)
                            counts[rank[cell]] += 1
                            taskSum += v[cell]
                            clippedSum += clip[cell]
                        }
                        means[t] = taskSum / Double(s.runs)
                        meanSum += means[t]
                    }
                    let m = UnsafeMutableBufferPointer(rebasing: means[0..<s.tasks])
                    sortInPlace(m)
                    out[0] = s.tasks % 2 == 1 ? m[s.tasks / 2] : (m[s.tasks / 2 - 1] + m[s.tasks / 2]) / 2
                    out[1] = iqmOfCounts(counts, sorted.baseAddress!, n: s.n)
                    out[2] = meanSum / Double(s.tasks)
                    out[3] = gamma - clippedSum / Double(s.n)
                } } } }
            }
        }
    }
    let replicates = bootstrapReplicates(jobs, options: options)
    return scores.indices.map { i in
        let estimates = metrics.map { aggregate($0, scores[i], gamma: gamma) }
        let intervals = percentileIntervals(estimates: estimates, replicates: replicates[i], reps: options.reps,
                                            confidence: options.confidence)
        return Dictionary(uniqueKeysWithValues: zip(metrics, intervals))
    }
}

/// The average probability of improvement of `x` over `y` for each pair, with percentile
/// intervals from rliable's `StratifiedIndependentBootstrap`: X's and Y's runs are resampled
/// independently, each within every task. `labels` name the pairs.
public func improvementIntervals(_ pairs: [(x: ScoreMatrix, y: ScoreMatrix)], labels: [String],
                                 options: BootstrapOptions) -> [IntervalEstimate] {
    precondition(pairs.count == labels.count, "one label per pair")
    let jobs = zip(pairs, labels).map { pair, label in
        let (x, y) = pair
        precondition(x.tasks == y.tasks, "probability of improvement needs the same tasks for both algorithms")
        let tasks = x.tasks, nx = x.runs, ny = y.runs
        // Per task, both columns sorted; for each sorted x, how many sorted y lie below it and
        // how many lie at or below it. A replicate then only draws counts.
        var below = [Int](repeating: 0, count: tasks * nx), notAbove = below
        for t in 0..<tasks {
            let xs = x.column(t).sorted(), ys = y.column(t).sorted()
            for i in 0..<nx {
                below[t * nx + i] = ys.firstIndex { $0 >= xs[i] } ?? ny
                notAbove[t * nx + i] = ys.firstIndex { $0 > xs[i] } ?? ny
            }
        }
        return BootstrapJob(label: "poi/\(label)", statCount: 1) { [below, notAbove] in
            let scratch = Scratch(doubles: 0, ints: nx + ny + 1)
            return { rng, out in
                below.withUnsafeBufferPointer { lt in notAbove.withUnsafeBufferPointer { le in
                    let cx = scratch.ints.baseAddress!, prefix = cx + nx
                    var total = 0.0
                    for t in 0..<tasks {
                        for i in 0..<nx { cx[i] = 0 }
                        for i in 0...ny { prefix[i] = 0 }
                        for _ in 0..<nx { cx[rng.nextIndex(nx)] += 1 }
                        for _ in 0..<ny { prefix[rng.nextIndex(ny) + 1] += 1 }
                        for j in 0..<ny { prefix[j + 1] += prefix[j] }
                        // 2U = sum over x of count * (2 #(y < x) + #(y == x)), in integers.
                        var twiceU = 0
                        for i in 0..<nx where cx[i] != 0 {
                            twiceU += cx[i] * (prefix[lt[t * nx + i]] + prefix[le[t * nx + i]])
                        }
                        total += Double(twiceU) / Double(2 * nx * ny)
                    }
                    out[0] = total / Double(tasks)
                } }
            }
        }
    }
    let replicates = bootstrapReplicates(jobs, options: options)
    return pairs.indices.map { i in
        percentileIntervals(estimates: [probabilityOfImprovement(pairs[i].x, pairs[i].y)], replicates: replicates[i],
                            reps: options.reps, confidence: options.confidence)[0]
    }
}

/// Performance profiles on the grid `taus` with stratified-bootstrap percentile intervals
/// (rliable's `create_performance_profile`), one array (one entry per tau) per algorithm.
public func profileIntervals(_ scores: [ScoreMatrix], labels: [String], taus: [Double], kind: ProfileKind,
                             options: BootstrapOptions) -> [[IntervalEstimate]] {
    precondition(scores.count == labels.count, "one label per score matrix")
    let jobs = zip(scores, labels).map { m, label in
        let s = SortedScores(m)
        // Run-score profile at tau: the resample's count at sorted positions >= firstAbove[tau].
        let firstAbove = taus.map { tau in s.sorted.firstIndex { $0 > tau } ?? s.n }
        return BootstrapJob(label: "profile/\(kind.rawValue)/\(label)", statCount: taus.count) {
            let scratch = Scratch(doubles: s.tasks, ints: s.n + 1)
            return { rng, out in
                s.values.withUnsafeBufferPointer { v in s.rank.withUnsafeBufferPointer { rank in
                taus.withUnsafeBufferPointer { tp in firstAbove.withUnsafeBufferPointer { above in
                    switch kind {
                    case .runScore:
                        let suffix = scratch.ints.baseAddress!
                        for k in 0...s.n { suffix[k] = 0 }
                        for t in 0..<s.tasks {
                            for _ in 0..<s.runs { suffix[rank[t * s.runs + rng.nextIndex(s.runs)]] += 1 }
                        }
                        var k = s.n - 1
                        while k >= 0 { suffix[k] += suffix[k + 1]; k -= 1 }
                        for j in 0..<tp.count { out[j] = Double(suffix[above[j]]) / Double(s.n) }
                    case .averageScore:
                        let means = scratch.doubles
                        for t in 0..<s.tasks {
                            var sum = 0.0
                            for _ in 0..<s.runs { sum += v[t * s.runs + rng.nextIndex(s.runs)] }
                            means[t] = sum / Double(s.runs)
                        }
                        sortInPlace(means)
                        for j in 0..<tp.count {
                            var lo = 0, hi = s.tasks
                            while lo < hi { let mid = (lo + hi) >> 1; if means[mid] <= tp[j] { lo = mid + 1 } else { hi = mid } }
                            out[j] = Double(s.tasks - lo) / Double(s.tasks)
                        }
                    }
                } } } }
            }
        }
    }
    let replicates = bootstrapReplicates(jobs, options: options)
    return scores.indices.map { i in
        percentileIntervals(estimates: performanceProfile(scores[i], taus: taus, kind: kind), replicates: replicates[i],
                            reps: options.reps, confidence: options.confidence)
    }
}

/// A sample-efficiency curve: the IQM at every evaluation step with its interval, per algorithm.
/// `curves[a][k]` is algorithm `a`'s runs x tasks matrix at its `k`-th step. A replicate
/// resamples runs once per task and uses those runs at every step (rliable draws a fresh run
/// index per task and step; each step's interval has the same distribution either way).
public func iqmCurveIntervals(_ curves: [[ScoreMatrix]], labels: [String], options: BootstrapOptions) -> [[IntervalEstimate]] {
    precondition(curves.count == labels.count, "one label per curve")
    let jobs = zip(curves, labels).map { steps, label in
        precondition(!steps.isEmpty, "a curve needs at least one step")
        let runs = steps[0].runs, tasks = steps[0].tasks, n = runs * tasks
        precondition(steps.allSatisfy { $0.runs == runs && $0.tasks == tasks }, "every step needs the same runs and tasks")
        let prepared = steps.map(SortedScores.init)
        return BootstrapJob(label: "curve/iqm/\(label)", statCount: steps.count) {
            let scratch = Scratch(doubles: 0, ints: 2 * n)
            return { rng, out in
                let picks = scratch.ints.baseAddress!, counts = picks + n
                for t in 0..<tasks { for r in 0..<runs { picks[t * runs + r] = t * runs + rng.nextIndex(runs) } }
                for (k, s) in prepared.enumerated() {
                    s.rank.withUnsafeBufferPointer { rank in s.sorted.withUnsafeBufferPointer { sorted in
                        for i in 0..<n { counts[i] = 0 }
                        for i in 0..<n { counts[rank[picks[i]]] += 1 }
                        out[k] = iqmOfCounts(counts, sorted.baseAddress!, n: n)
                    } }
                }
            }
        }
    }
    let replicates = bootstrapReplicates(jobs, options: options)
    return curves.indices.map { i in
        percentileIntervals(estimates: curves[i].map(aggregateIQM), replicates: replicates[i], reps: options.reps,
                            confidence: options.confidence)
    }
}
