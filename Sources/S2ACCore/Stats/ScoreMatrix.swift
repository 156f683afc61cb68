/// The scores of one algorithm on a suite of tasks: a runs x tasks matrix, the layout rliable's
/// `metrics.py` documents (`scores[n][m]` is run `n` on task `m`). Every task has the same number
/// of runs. Stored task by task (`values[task * runs + run]`) so that the stratified bootstrap,
/// which resamples runs within each task, reads and writes one contiguous column per task.
public struct ScoreMatrix: Equatable, Sendable {
    public let runs: Int
    public let tasks: Int
    /// Task-major storage: `values[task * runs + run]`.
    public let values: [Double]

    /// A matrix from task-major values (`values[task * runs + run]`).
    public init(runs: Int, tasks: Int, taskMajor values: [Double]) {
        precondition(runs > 0 && tasks > 0, "a score matrix needs at least one run and one task")
        precondition(values.count == runs * tasks, "expected \(runs * tasks) scores, got \(values.count)")
        self.runs = runs; self.tasks = tasks; self.values = values
    }

    /// A matrix from rows of runs, rliable's orientation: `rows[run][task]`.
    public init(rows: [[Double]]) {
        precondition(!rows.isEmpty && !rows[0].isEmpty, "a score matrix needs at least one run and one task")
        let tasks = rows[0].count
        precondition(rows.allSatisfy { $0.count == tasks }, "every run needs a score on every task")
        var v = [Double](repeating: 0, count: rows.count * tasks)
        for (r, row) in rows.enumerated() { for t in 0..<tasks { v[t * rows.count + r] = row[t] } }
        self.init(runs: rows.count, tasks: tasks, taskMajor: v)
    }

    public subscript(run: Int, task: Int) -> Double { values[task * runs + run] }

    /// The runs of one task.
    public func column(_ task: Int) -> ArraySlice<Double> { values[(task * runs)..<((task + 1) * runs)] }

    /// Applies `transform` to every score of `task`.
    public func mapTasks(_ transform: (_ task: Int, _ score: Double) -> Double) -> ScoreMatrix {
        var v = values
        for t in 0..<tasks { for r in 0..<runs { v[t * runs + r] = transform(t, v[t * runs + r]) } }
        return ScoreMatrix(runs: runs, tasks: tasks, taskMajor: v)
    }
}
