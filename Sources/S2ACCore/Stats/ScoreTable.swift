import Foundation

/// Scores of several algorithms on a shared set of tasks, read from a long-format CSV with the
/// columns `algorithm,task,run,score` and optionally `step` (in any order; other columns are
/// ignored; fields may be double-quoted, so names such as `S2AC(phi,theta)` work).
///
/// Every algorithm must have scores on every task, the same number of runs on each of its tasks
/// (algorithms may differ), one score per (algorithm, task, run[, step]), and finite scores.
/// With `step`, every run of an algorithm must have the same steps; `finals` then holds each
/// run's score at its last step and `curves` the matrices at every step.
public struct ScoreTable: Sendable {
    /// Algorithms in order of first appearance.
    public let algorithms: [String]
    /// Tasks in order of first appearance; the task axis of every matrix.
    public let tasks: [String]
    /// Per algorithm, its runs x tasks matrix (the last step's scores when steps are given).
    public let finals: [String: ScoreMatrix]
    /// Per algorithm, its evaluation steps and one matrix per step (empty without a `step` column).
    public let curves: [String: (steps: [Double], matrices: [ScoreMatrix])]

    public var hasSteps: Bool { !curves.isEmpty }

    public init(algorithms: [String], tasks: [String], finals: [String: ScoreMatrix],
                curves: [String: (steps: [Double], matrices: [ScoreMatrix])] = [:]) {
        self.algorithms = algorithms; self.tasks = tasks; self.finals = finals; self.curves = curves
    }

    /// Reads a scores CSV; `source` names the file in error messages.
    public static func parseCSV(_ text: String, source: String) throws -> ScoreTable {
        let rows = try CSV.parse(text, source: source)
        guard let header = rows.first else { throw InputError("\(source): empty file; expected the header algorithm,task,run,score[,step]") }
        let names = try CSV.columnNames(header, source: source)
        func column(_ name: String) -> Int? { names.firstIndex(of: name) }
        let required = ["algorithm", "task", "run", "score"]
        let missing = required.filter { column($0) == nil }
        guard missing.isEmpty else {
            throw InputError("\(source): missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")); expected algorithm,task,run,score[,step], got \(header.joined(separator: ","))")
        }
        let ia = column("algorithm")!, it = column("task")!, ir = column("run")!, isc = column("score")!
        let istep = column("step")

        var algorithms: [String] = [], tasks: [String] = []
        var algorithmIndex: [String: Int] = [:], taskIndex: [String: Int] = [:]
        // (algorithm, task) -> run ids in order of first appearance -> step -> score
        var cells: [Int: [Int: (runs: [String], scores: [String: [Double: Double]])]] = [:]
        for (k, row) in rows.enumerated().dropFirst() {
            let line = k + 1
            if row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard row.count == header.count else {
                throw InputError("\(source): line \(line) has \(row.count) fields, the header has \(header.count)")
            }
            let algorithm = row[ia], task = row[it], run = row[ir]
            guard !algorithm.isEmpty, !task.isEmpty, !run.isEmpty else {
                throw InputError("\(source): line \(line): algorithm, task and run must not be empty")
            }
            let score = try number(row[isc], what: "score", line: line, source: source)
            let step = try istep.map { try number(row[$0], what: "step", line: line, source: source) } ?? 0
            if algorithmIndex[algorithm] == nil { algorithmIndex[algorithm] = algorithms.count; algorithms.append(algorithm) }
            if taskIndex[task] == nil { taskIndex[task] = tasks.count; tasks.append(task) }
            let a = algorithmIndex[algorithm]!, t = taskIndex[task]!
            var cell = cells[a, default: [:]][t, default: (runs: [], scores: [:])]
            if cell.scores[run] == nil { cell.runs.append(run) }
            if cell.scores[run, default: [:]][step] != nil {
                let what = istep == nil ? "" : " step \(csvNumber(step))"
                throw InputError("\(source): line \(line): a second score for \(algorithm) on \(task), run \(run)\(what)")
            }
            cell.scores[run, default: [:]][step] = score
            cells[a, default: [:]][t] = cell
        }
        guard !algorithms.isEmpty else { throw InputError("\(source): no scores after the header") }
        try requireSummable(cells.values.flatMap { $0.values.flatMap { $0.scores.values.flatMap(\.values) } }, source: source)

        var finals: [String: ScoreMatrix] = [:]
        var curves: [String: (steps: [Double], matrices: [ScoreMatrix])] = [:]
        for (a, algorithm) in algorithms.enumerated() {
            let byTask = cells[a]!
            for (t, task) in tasks.enumerated() where byTask[t] == nil {
                throw InputError("\(source): algorithm \(algorithm) has no scores for task \(task) (every algorithm needs every task)")
            }
            let runs = byTask[0]!.runs.count
            for t in tasks.indices where byTask[t]!.runs.count != runs {
                throw InputError("\(source): algorithm \(algorithm) has \(runs) runs on \(tasks[0]) but \(byTask[t]!.runs.count) on \(tasks[t]); every task of an algorithm needs the same number of runs")
            }
            let steps = byTask[0]!.scores[byTask[0]!.runs[0]]!.keys.sorted()
            for t in tasks.indices {
                for run in byTask[t]!.runs where byTask[t]!.scores[run]!.keys.sorted() != steps {
                    throw InputError("\(source): algorithm \(algorithm), task \(tasks[t]), run \(run) has other steps than \(tasks[0]) run \(byTask[0]!.runs[0]); every run of an algorithm needs the same steps")
                }
            }
            let matrices = steps.map { step in
                ScoreMatrix(runs: runs, tasks: tasks.count, taskMajor: tasks.indices.flatMap { t in
                    byTask[t]!.runs.map { byTask[t]!.scores[$0]![step]! }
                })
            }
            finals[algorithm] = matrices.last!
            if istep != nil { curves[algorithm] = (steps, matrices) }
        }
        return ScoreTable(algorithms: algorithms, tasks: tasks, finals: finals, curves: curves)
    }

    /// Min-max normalisation per task, `(score - min) / (max - min)`, with `reference` giving
    /// (min, max) per task; every task needs a reference.
    public func normalized(by reference: ReferenceScores) throws -> ScoreTable {
        let missing = tasks.filter { reference.bounds[$0] == nil }
        guard missing.isEmpty else {
            throw InputError("no reference scores for task\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", ")); give them with --reference or --ref")
        }
        let bounds = tasks.map { reference.bounds[$0]! }
        let f: (Int, Double) -> Double = { t, s in (s - bounds[t].min) / (bounds[t].max - bounds[t].min) }
        return ScoreTable(algorithms: algorithms, tasks: tasks,
                          finals: finals.mapValues { $0.mapTasks(f) },
                          curves: curves.mapValues { ($0.steps, $0.matrices.map { $0.mapTasks(f) }) })
    }

    /// Every statistic is a mean over at most all the scores (a bootstrap sample may repeat
    /// the largest one that often), so when the count times the largest magnitude overflows,
    /// a mean could come out as inf: such a table is refused rather than summarised wrongly.
    static func requireSummable(_ scores: [Double], source: String) throws {
        guard let largest = scores.lazy.map(\.magnitude).max() else { return }
        guard (largest * Double(scores.count)).isFinite else {
            throw InputError("\(source): scores up to \(largest) in magnitude would overflow the means of \(scores.count) scores; "
                             + "rescale them (--reference or --ref normalise them)")
        }
    }

    private static func number(_ field: String, what: String, line: Int, source: String) throws -> Double {
        let s = field.trimmingCharacters(in: .whitespaces)
        guard let v = Double(s) else { throw InputError("\(source): line \(line): \(what) '\(field)' is not a number") }
        guard v.isFinite else { throw InputError("\(source): line \(line): \(what) is \(s); scores and steps must be finite") }
        return v
    }
}

/// Per-task reference scores for min-max normalisation (for MuJoCo, for example, a random
/// policy's return as `min` and a reference agent's as `max`).
public struct ReferenceScores: Sendable, Equatable {
    public private(set) var bounds: [String: (min: Double, max: Double)]

    public static func == (a: ReferenceScores, b: ReferenceScores) -> Bool {
        a.bounds.keys.sorted() == b.bounds.keys.sorted() && a.bounds.allSatisfy { k, v in b.bounds[k]! == v }
    }

    public init() { bounds = [:] }

    /// Adds one task's reference; `max` must exceed `min`.
    public mutating func set(task: String, min: Double, max: Double, source: String) throws {
        guard min.isFinite, max.isFinite, max > min, (max - min).isFinite else {
            throw InputError("\(source): reference for \(task) needs finite min < max, got min \(min), max \(max)")
        }
        bounds[task] = (min, max)
    }

    /// Reads a CSV with the columns `task,min,max`.
    /// Scores as fractions of one algorithm's mean final score on each task: min 0 and max that
    /// mean, so the algorithm's mean is 1 and an optimality gap with gamma = 1 is measured
    /// against it. A task where its mean is not positive cannot be normalised this way.
    public static func meanOf(_ algorithm: String, in table: ScoreTable) throws -> ReferenceScores {
        guard let finals = table.finals[algorithm] else {
            throw InputError("--normalize-by \(algorithm): no such algorithm; the scores hold \(table.algorithms.joined(separator: ", "))")
        }
        var r = ReferenceScores()
        for (t, task) in table.tasks.enumerated() {
            let column = finals.column(t)
            let mean = column.reduce(0, +) / Double(column.count)
            guard mean > 0 && mean.isFinite else {
                throw InputError("--normalize-by \(algorithm): its mean final score on \(task) is \(mean), not positive; give --reference instead")
            }
            try r.set(task: task, min: 0, max: mean, source: "--normalize-by \(algorithm)")
        }
        return r
    }

    public static func parseCSV(_ text: String, source: String) throws -> ReferenceScores {
        let rows = try CSV.parse(text, source: source)
        guard let header = try rows.first.map({ try CSV.columnNames($0, source: source) }),
              let it = header.firstIndex(of: "task"), let imin = header.firstIndex(of: "min"), let imax = header.firstIndex(of: "max") else {
            throw InputError("\(source): reference scores need the columns task,min,max")
        }
        var r = ReferenceScores()
        for (k, row) in rows.enumerated().dropFirst() {
            if row.count == 1 && row[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            guard row.count == header.count else { throw InputError("\(source): line \(k + 1) has \(row.count) fields, the header has \(header.count)") }
            guard let lo = Double(row[imin].trimmingCharacters(in: .whitespaces)), let hi = Double(row[imax].trimmingCharacters(in: .whitespaces)) else {
                throw InputError("\(source): line \(k + 1): min and max must be numbers")
            }
            guard r.bounds[row[it]] == nil else { throw InputError("\(source): line \(k + 1): a second reference for task \(row[it])") }
            try r.set(task: row[it], min: lo, max: hi, source: "\(source): line \(k + 1)")
        }
        return r
    }

    /// Parses `TASK=MIN:MAX` (the task name is everything before the last `=`).
    public mutating func add(flag: String) throws {
        guard let eq = flag.lastIndex(of: "=") else { throw InputError("--ref '\(flag)': expected TASK=MIN:MAX") }
        let task = String(flag[..<eq]), range = flag[flag.index(after: eq)...]
        // Split at the ':' that is not a sign position, so negative bounds work (-5:-1).
        let parts = range.split(separator: ":", omittingEmptySubsequences: false)
        guard !task.isEmpty, parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]) else {
            throw InputError("--ref '\(flag)': expected TASK=MIN:MAX with numbers MIN < MAX")
        }
        try set(task: task, min: lo, max: hi, source: "--ref '\(flag)'")
    }
}

/// The smallest CSV reader that handles what users write (writing is `CSVTable`'s): comma-separated, RFC 4180 double quotes
/// (with `""` for a quote inside), LF or CRLF line ends.
public enum CSV {
    /// A header's column names, trimmed and lower-cased; a name given twice is refused (which
    /// of the two columns was meant cannot be told).
    public static func columnNames(_ header: [String], source: String) throws -> [String] {
        let names = header.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        var seen = Set<String>()
        for name in names where !seen.insert(name).inserted {
            throw InputError("\(source): the header names the column '\(name)' twice")
        }
        return names
    }

    public static func parse(_ text: String, source: String) throws -> [[String]] {
        var rows: [[String]] = [], row: [String] = [], field = ""
        var inQuotes = false, fieldWasQuoted = false
        var line = 1
        var it = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar? = nil
        func nextScalar() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return it.next()
        }
        while let c = nextScalar() {
            if inQuotes {
                if c == "\"" {
                    if let n = nextScalar() {
                        if n == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = n }
                    } else { inQuotes = false }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"":
                guard field.isEmpty && !fieldWasQuoted else { throw InputError("\(source): line \(line): a quote inside an unquoted field") }
                inQuotes = true; fieldWasQuoted = true
            case ",":
                row.append(field); field = ""; fieldWasQuoted = false
            case "\r":
                continue
            case "\n":
                row.append(field); rows.append(row); row = []; field = ""; fieldWasQuoted = false
                line += 1
            default:
                field.unicodeScalars.append(c)
            }
        }
        if inQuotes { throw InputError("\(source): a quoted field is not closed at the end of the file") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted { row.append(field); rows.append(row) }
        return rows
    }
}
