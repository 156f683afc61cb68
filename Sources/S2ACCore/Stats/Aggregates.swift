// Point estimators of rliable (Agarwal et al. 2021, `rliable/metrics.py` and `library.py`), as
// pure functions of a runs x tasks `ScoreMatrix`. The `...Kernel` functions are the same
// estimators over raw buffers with caller-owned scratch space, so the bootstrap loop allocates
// nothing; the public functions are thin wrappers over them, so point estimate and bootstrap
// replicate are one code path.

/// The four aggregate metrics of rliable's Fig. 8f-i panels.
public enum AggregateMetric: String, CaseIterable, Sendable {
    /// Median over tasks of the per-task mean score (`aggregate_median`).
    case median
    /// Interquartile mean: the 25 % trimmed mean over all runs and tasks together
    /// (`aggregate_iqm`, i.e. `scipy.stats.trim_mean(scores, 0.25, axis=None)`).
    case iqm
    /// Mean over tasks of the per-task mean score (`aggregate_mean`).
    case mean
    /// `gamma - mean(min(scores, gamma))` over all runs and tasks (`aggregate_optimality_gap`).
    case optimalityGap = "optimality_gap"
}

// MARK: - Public estimators

/// rliable's median: the median over tasks of each task's mean score.
public func aggregateMedian(_ scores: ScoreMatrix) -> Double {
    withScratch(scores.tasks) { medianOfTaskMeansKernel(scores.values, runs: scores.runs, tasks: scores.tasks, scratch: $0) }
}

/// rliable's IQM: the 25 % trimmed mean over all runs and tasks (scipy's `trim_mean`: cut
/// `floor(0.25 n)` scores from each end of the `n = runs * tasks` sorted scores).
public func aggregateIQM(_ scores: ScoreMatrix) -> Double {
    trimMean(scores.values, proportionToCut: 0.25)
}

/// rliable's mean: the mean over tasks of each task's mean score.
public func aggregateMean(_ scores: ScoreMatrix) -> Double {
    scores.values.withUnsafeBufferPointer { meanOfTaskMeansKernel($0.baseAddress!, runs: scores.runs, tasks: scores.tasks) }
}

/// rliable's optimality gap: how far scores fall short of `gamma`, with scores above `gamma`
/// clipped to it: `gamma - mean(min(scores, gamma))`.
public func optimalityGap(_ scores: ScoreMatrix, gamma: Double = 1) -> Double {
    scores.values.withUnsafeBufferPointer { optimalityGapKernel($0.baseAddress!, count: $0.count, gamma: gamma) }
}

/// One aggregate metric by name.
public func aggregate(_ metric: AggregateMetric, _ scores: ScoreMatrix, gamma: Double = 1) -> Double {
    switch metric {
    case .median: return aggregateMedian(scores)
    case .iqm: return aggregateIQM(scores)
    case .mean: return aggregateMean(scores)
    case .optimalityGap: return optimalityGap(scores, gamma: gamma)
    }
}

/// scipy's `trim_mean(values, proportionToCut, axis=None)`: sorts, drops
/// `floor(proportionToCut * n)` values from each end and averages the rest.
public func trimMean(_ values: [Double], proportionToCut: Double) -> Double {
    precondition(!values.isEmpty, "trimMean of no values")
    var v = values
    return v.withUnsafeMutableBufferPointer { trimMeanKernel($0, proportionToCut: proportionToCut) }
}

/// The average probability of improvement of X over Y (rliable's `probability_of_improvement`):
/// for each task, `P(X > Y) = U / (n_x n_y)` with `U` the Mann-Whitney statistic of X (pairs with
/// x > y count 1, ties 1/2), averaged over tasks. X and Y may have different numbers of runs
/// but need the same tasks, in the same order.
public func probabilityOfImprovement(_ x: ScoreMatrix, _ y: ScoreMatrix) -> Double {
    precondition(x.tasks == y.tasks, "probability of improvement needs the same tasks for both algorithms")
    var sx = x.values, sy = y.values
    return sx.withUnsafeMutableBufferPointer { bx in
        sy.withUnsafeMutableBufferPointer { by in
            for t in 0..<x.tasks {
                sortInPlace(UnsafeMutableBufferPointer(rebasing: bx[(t * x.runs)..<((t + 1) * x.runs)]))
                sortInPlace(UnsafeMutableBufferPointer(rebasing: by[(t * y.runs)..<((t + 1) * y.runs)]))
            }
            return improvementOfSortedKernel(bx.baseAddress!, runsX: x.runs, by.baseAddress!, runsY: y.runs, tasks: x.tasks)
        }
    }
}

/// Which performance profile (Agarwal et al. 2021, section 4.1).
public enum ProfileKind: String, CaseIterable, Sendable {
    /// Score distribution: the fraction of all runs (over all tasks) scoring above tau
    /// (`run_score_deviation`, rliable's default).
    case runScore = "run_score"
    /// Average-score distribution: the fraction of tasks whose mean score is above tau
    /// (`mean_score_deviation`).
    case averageScore = "average_score"
}

/// A performance profile: for each `tau` in `taus`, the fraction of runs (or of task means)
/// whose score is strictly above `tau`.
public func performanceProfile(_ scores: ScoreMatrix, taus: [Double], kind: ProfileKind = .runScore) -> [Double] {
    var out = [Double](repeating: 0, count: taus.count)
    var work = [Double](repeating: 0, count: scores.values.count)
    scores.values.withUnsafeBufferPointer { v in
        work.withUnsafeMutableBufferPointer { w in
            taus.withUnsafeBufferPointer { tp in
                out.withUnsafeMutableBufferPointer { o in
                    profileKernel(v.baseAddress!, runs: scores.runs, tasks: scores.tasks, kind: kind, taus: tp, work: w, out: o)
                }
            }
        }
    }
    return out
}

/// `count` evenly spaced thresholds from `low` to `high` inclusive (numpy's `linspace`).
public func linspace(_ low: Double, _ high: Double, count: Int) -> [Double] {
    precondition(count >= 1, "linspace needs at least one point")
    if count == 1 { return [low] }
    let step = (high - low) / Double(count - 1)
    return (0..<count).map { $0 == count - 1 ? high : low + Double($0) * step }
}

// MARK: - Kernels over raw buffers (no allocation)

@inline(__always)
func withScratch<R>(_ n: Int, _ body: (UnsafeMutableBufferPointer<Double>) -> R) -> R {
    let p = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(n, 1))
    defer { p.deallocate() }
    return body(p)
}

/// Sorts ascending without allocating: insertion sort for the short columns typical of RL
/// (3-10 runs, tens of scores), the standard library's sort beyond.
@inline(__always)
func sortInPlace(_ a: UnsafeMutableBufferPointer<Double>) {
    let n = a.count
    if n > 48 { var b = a; b.sort(); return }
    guard n > 1, let p = a.baseAddress else { return }
    var i = 1
    while i < n {
        let x = p[i]
        var j = i - 1
        while j >= 0 && p[j] > x { p[j + 1] = p[j]; j -= 1 }
        p[j + 1] = x
        i += 1
    }
}

/// numpy's mean of task means: per-task sums in run order, then the mean of the means.
@inline(__always)
func meanOfTaskMeansKernel(_ v: UnsafePointer<Double>, runs: Int, tasks: Int) -> Double {
    var total = 0.0
    for t in 0..<tasks {
        var s = 0.0
        for r in 0..<runs { s += v[t * runs + r] }
        total += s / Double(runs)
    }
    return total / Double(tasks)
}

/// Each task's mean score, into `out[0..<tasks]`.
@inline(__always)
func taskMeansKernel(_ v: UnsafePointer<Double>, runs: Int, tasks: Int, into out: UnsafeMutableBufferPointer<Double>) {
    for t in 0..<tasks {
        var s = 0.0
        for r in 0..<runs { s += v[t * runs + r] }
        out[t] = s / Double(runs)
    }
}

/// numpy's median of task means (the mean of the two middle values for an even task count).
@inline(__always)
func medianOfTaskMeansKernel(_ v: UnsafePointer<Double>, runs: Int, tasks: Int, scratch: UnsafeMutableBufferPointer<Double>) -> Double {
    taskMeansKernel(v, runs: runs, tasks: tasks, into: scratch)
    let m = UnsafeMutableBufferPointer(rebasing: scratch[0..<tasks])
    sortInPlace(m)
    return tasks % 2 == 1 ? m[tasks / 2] : (m[tasks / 2 - 1] + m[tasks / 2]) / 2
}

/// scipy's trim_mean over `a` (sorted in place).
@inline(__always)
func trimMeanKernel(_ a: UnsafeMutableBufferPointer<Double>, proportionToCut: Double) -> Double {
    let n = a.count
    let low = Int(proportionToCut * Double(n))
    let high = n - low
    precondition(low < high, "proportionToCut too big for \(n) values")
    sortInPlace(a)
    var s = 0.0
    for i in low..<high { s += a[i] }
    return s / Double(high - low)
}

@inline(__always)
func optimalityGapKernel(_ v: UnsafePointer<Double>, count: Int, gamma: Double) -> Double {
    var s = 0.0
    for i in 0..<count { s += Swift.min(v[i], gamma) }
    return gamma - s / Double(count)
}

/// Average over tasks of U / (n_x n_y), from columns already sorted ascending.
@inline(__always)
func improvementOfSortedKernel(_ x: UnsafePointer<Double>, runsX: Int, _ y: UnsafePointer<Double>, runsY: Int, tasks: Int) -> Double {
    var total = 0.0
    for t in 0..<tasks {
        let xs = x + t * runsX, ys = y + t * runsY
        // For each x (ascending), `below` counts y < x and `notAbove` counts y <= x.
        var below = 0, notAbove = 0
        var greater = 0, ties = 0
        for i in 0..<runsX {
            let xi = xs[i]
            while below < runsY && ys[below] < xi { below += 1 }
            if notAbove < below { notAbove = below }
            while notAbove < runsY && ys[notAbove] <= xi { notAbove += 1 }
            greater += below
            ties += notAbove - below
        }
        total += (Double(greater) + 0.5 * Double(ties)) / Double(runsX * runsY)
    }
    return total / Double(tasks)
}

/// Fills `out[k]` with the profile at `taus[k]`. `work` needs `runs * tasks` doubles.
@inline(__always)
func profileKernel(_ v: UnsafePointer<Double>, runs: Int, tasks: Int, kind: ProfileKind,
                   taus: UnsafeBufferPointer<Double>, work: UnsafeMutableBufferPointer<Double>,
                   out: UnsafeMutableBufferPointer<Double>) {
    let n: Int
    switch kind {
    case .runScore:
        n = runs * tasks
        for i in 0..<n { work[i] = v[i] }
    case .averageScore:
        n = tasks
        taskMeansKernel(v, runs: runs, tasks: tasks, into: work)
    }
    let sorted = UnsafeMutableBufferPointer(rebasing: work[0..<n])
    sortInPlace(sorted)
    for k in 0..<taus.count {
        // Count of values <= tau by binary search; the profile is the fraction above tau.
        let tau = taus[k]
        var lo = 0, hi = n
        while lo < hi { let mid = (lo + hi) >> 1; if sorted[mid] <= tau { lo = mid + 1 } else { hi = mid } }
        out[k] = Double(n - lo) / Double(n)
    }
}
