import Foundation

// The rliable result file (kind "rliable"), written by rliable-stats and read by `report`.
// Layout, besides the provenance group /run that every result file has:
//   /scores      the scores the statistics were computed on (after normalisation):
//                `algorithms`, `tasks` (strings); per algorithm i, `final_<i>` [runs, tasks]
//                (rliable's orientation) and, with steps, `steps_<i>` [steps] and
//                `curve_<i>` [steps, runs, tasks]; attribute `normalised` (0/1) and, when 1,
//                `reference_min`, `reference_max` [tasks]
//   /aggregate   `metric`, `algorithm` (strings), `estimate`, `ci_low`, `ci_high`; attribute `reps`
//   /poi         `algorithm_x`, `algorithm_y`, `estimate`, `ci_low`, `ci_high`; attribute `reps`
//   /profiles    `profile`, `algorithm`, `tau`, `estimate`, `ci_low`, `ci_high`; attribute `reps`
//   /curves      `algorithm`, `step`, `iqm`, `ci_low`, `ci_high`; attribute `reps`
// and the root attribute `bootstrap_seed`. A table with no rows has no group.

/// Where rliable-stats gets its scores: a CSV (`CSVScoreSource`) or the run files of
/// `train` (`TrainRunScoreSource`, one HDF5 file per agent x environment x seed).
public protocol ScoreSource {
    /// A short description for messages (a path, a folder).
    var sourceDescription: String { get }
    func scoreTable() throws -> ScoreTable
}

/// Scores from a CSV file with the columns algorithm,task,run,score[,step].
public struct CSVScoreSource: ScoreSource {
    public let path: String
    public init(path: String) { self.path = path }
    public var sourceDescription: String { path }
    public func scoreTable() throws -> ScoreTable {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError("\(path) is not UTF-8 text") }
        return try ScoreTable.parseCSV(text, source: path)
    }
}

/// Scores from the run files of `train` (kind "train") found below a folder: agent ->
/// algorithm, environment -> task, seed -> run, and at each evaluation step the mean return
/// of that evaluation's test episodes -> score (the last step gives the final scores).
/// Runs of one agent and environment must share their evaluation steps.
public struct TrainRunScoreSource: ScoreSource {
    public let folder: String
    public init(folder: String) { self.folder = folder }
    public var sourceDescription: String { folder }

    public func scoreTable() throws -> ScoreTable { try scoreTableAndWarnings().table }

    /// The scores, and one line per result file skipped because no part of the suite knows
    /// its kind (a file of another kind the suite writes, a multigoal run say, is skipped
    /// silently: it is not a train run, but it is no surprise either).
    public func scoreTableAndWarnings() throws -> (table: ScoreTable, warnings: [String]) {
        var warnings: [String] = []
        let known = Set(ReportRegistry.reporters.flatMap(\.kinds))
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("no folder of run files at \(folder)")
        }
        let found = resultFilePaths(under: folder)
        if let first = found.skipped.first {
            throw InputError("\(first) is not a regular file; move it out of \(folder)")
        }
        let files = found.files
        var lines = ["algorithm,task,run,score,step"]
        for path in files.sorted() {
            let file: HDF5File
            let provenance: Provenance
            do {
                file = try HDF5File.open(at: path)
                provenance = try Provenance.read(from: file)
            } catch {
                throw InputError("\(path): \(error)")
            }
            guard provenance.kind == "train" else {
                if !known.contains(provenance.kind) {
                    warnings.append("\(path): a result of the unknown kind '\(provenance.kind)', not a train run file; skipped")
                }
                continue
            }
            guard let config = try? JSONSerialization.jsonObject(with: Data(provenance.configJSON.utf8)) as? [String: Any],
                  let agent = config["agent"] as? String, let env = config["env"] as? String, let seed = config["seed"] as? Int else {
                throw InputError("\(path): its config lacks agent, env or seed")
            }
            let train = try file.root.group("train")
            let steps = try train.read("eval_steps", as: Int.self).values
            let returns = try train.read("eval_returns", as: Double.self)
            guard returns.shape.count == 2, returns.shape[0] == steps.count, returns.shape[1] > 0 else {
                throw InputError("\(path): /train/eval_returns does not hold one row per evaluation step")
            }
            let episodes = returns.shape[1]
            for (k, step) in steps.enumerated() {
                let mean = returns.values[(k * episodes)..<((k + 1) * episodes)].reduce(0, +) / Double(episodes)
                lines.append([agent, env, String(seed), "\(mean)", String(step)].map(CSVTable.quote).joined(separator: ","))
            }
        }
        guard lines.count > 1 else { throw InputError("no train run files with evaluations below \(folder)") }
        return (try ScoreTable.parseCSV(lines.joined(separator: "\n") + "\n", source: folder), warnings)
    }
}

extension RliableReport {
    /// The `kind` of rliable result files.
    public static let resultKind = "rliable"

    /// Writes the tables (and `scores`, the data behind them) into a result file's root group.
    public func write(to root: HDF5Group, scores: ScoreTable, reference: ReferenceScores?) throws {
        try root.setAttribute("bootstrap_seed", .int(seed))
        let g = try root.createGroup("scores")
        try g.writeStrings("algorithms", scores.algorithms)
        try g.writeStrings("tasks", scores.tasks)
        for (i, name) in scores.algorithms.enumerated() {
            let m = scores.finals[name]!
            try g.write("final_\(i)", rowMajor(m), shape: [m.runs, m.tasks])
            if let curve = scores.curves[name] {
                try g.write("steps_\(i)", curve.steps)
                try g.write("curve_\(i)", curve.matrices.flatMap(rowMajor), shape: [curve.steps.count, m.runs, m.tasks])
            }
        }
        try g.setAttribute("normalised", .int(reference == nil ? 0 : 1))
        if let reference {
            try g.setAttribute("reference_min", .doubles(scores.tasks.map { reference.bounds[$0]!.min }))
            try g.setAttribute("reference_max", .doubles(scores.tasks.map { reference.bounds[$0]!.max }))
        }
        try writeTable(root, "aggregate", reps: aggregateReps, aggregates.count,
                       strings: [("metric", aggregates.map(\.metric.rawValue)), ("algorithm", aggregates.map(\.algorithm))],
                       numbers: [], intervals: aggregates.map(\.interval))
        try writeTable(root, "poi", reps: pairReps, pairs.count,
                       strings: [("algorithm_x", pairs.map(\.x)), ("algorithm_y", pairs.map(\.y))],
                       numbers: [], intervals: pairs.map(\.interval))
        try writeTable(root, "profiles", reps: profileReps, profiles.count,
                       strings: [("profile", profiles.map(\.kind.rawValue)), ("algorithm", profiles.map(\.algorithm))],
                       numbers: [("tau", profiles.map(\.tau))], intervals: profiles.map(\.interval))
        try writeTable(root, "curves", reps: curveReps, curves.count,
                       strings: [("algorithm", curves.map(\.algorithm))],
                       numbers: [("step", curves.map(\.step))], intervals: curves.map(\.interval), estimateName: "iqm")
    }

    /// Reads the tables back from a result file's root group.
    public static func read(from root: HDF5Group) throws -> RliableReport {
        var r = RliableReport()
        guard let seed = try root.attribute("bootstrap_seed")?.intValue else {
            throw InputError("\(root.file.path): not an rliable result (no bootstrap_seed)")
        }
        r.seed = seed
        if let t = try readTable(root, "aggregate", strings: ["metric", "algorithm"], numbers: []) {
            r.aggregateReps = t.reps
            r.aggregates = try t.intervals.indices.map { i in
                guard let metric = AggregateMetric(rawValue: t.strings[0][i]) else {
                    throw InputError("\(root.file.path): unknown metric \(t.strings[0][i])")
                }
                return .init(metric: metric, algorithm: t.strings[1][i], interval: t.intervals[i])
            }
        }
        if let t = try readTable(root, "poi", strings: ["algorithm_x", "algorithm_y"], numbers: []) {
            r.pairReps = t.reps
            r.pairs = t.intervals.indices.map { .init(x: t.strings[0][$0], y: t.strings[1][$0], interval: t.intervals[$0]) }
        }
        if let t = try readTable(root, "profiles", strings: ["profile", "algorithm"], numbers: ["tau"]) {
            r.profileReps = t.reps
            r.profiles = try t.intervals.indices.map { i in
                guard let kind = ProfileKind(rawValue: t.strings[0][i]) else {
                    throw InputError("\(root.file.path): unknown profile \(t.strings[0][i])")
                }
                return .init(kind: kind, algorithm: t.strings[1][i], tau: t.numbers[0][i], interval: t.intervals[i])
            }
        }
        if let t = try readTable(root, "curves", strings: ["algorithm"], numbers: ["step"], estimateName: "iqm") {
            r.curveReps = t.reps
            r.curves = t.intervals.indices.map { .init(algorithm: t.strings[0][$0], step: t.numbers[0][$0], interval: t.intervals[$0]) }
        }
        return r
    }

    private func rowMajor(_ m: ScoreMatrix) -> [Double] {
        (0..<m.runs).flatMap { r in (0..<m.tasks).map { t in m[r, t] } }
    }

    private func writeTable(_ root: HDF5Group, _ name: String, reps: Int, _ count: Int, strings: [(String, [String])],
                            numbers: [(String, [Double])], intervals: [IntervalEstimate], estimateName: String = "estimate") throws {
        guard count > 0 else { return }
        let g = try root.createGroup(name)
        try g.setAttribute("reps", .int(reps))
        for (column, values) in strings { try g.writeStrings(column, values) }
        for (column, values) in numbers { try g.write(column, values) }
        try g.write(estimateName, intervals.map(\.estimate))
        try g.write("ci_low", intervals.map(\.low))
        try g.write("ci_high", intervals.map(\.high))
    }

    private static func readTable(_ root: HDF5Group, _ name: String, strings: [String], numbers: [String], estimateName: String = "estimate")
        throws -> (reps: Int, strings: [[String]], numbers: [[Double]], intervals: [IntervalEstimate])? {
        guard root.contains(name) else { return nil }
        let g = try root.group(name)
        guard let reps = try g.attribute("reps")?.intValue else { throw InputError("\(root.file.path): /\(name) has no reps") }
        let s = try strings.map { try g.readStrings($0) }
        let n = try numbers.map { try g.read($0, as: Double.self).values }
        let est = try g.read(estimateName, as: Double.self).values
        let lo = try g.read("ci_low", as: Double.self).values, hi = try g.read("ci_high", as: Double.self).values
        guard ([lo.count, hi.count] + s.map(\.count) + n.map(\.count)).allSatisfy({ $0 == est.count }) else {
            throw InputError("\(root.file.path): the columns of /\(name) differ in length")
        }
        return (reps, s, n, est.indices.map { IntervalEstimate(estimate: est[$0], low: lo[$0], high: hi[$0]) })
    }
}

/// `report` for rliable result files: the same four tables rliable-stats writes next to them.
public struct RliableReporter: ResultReporter {
    public init() {}
    public var kinds: Set<String> { [RliableReport.resultKind] }
    public var tables: [String: [String]] { RliableReport.tableColumns }
    public func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]] {
        try RliableReport.read(from: file.root).tables.mapValues(\.rows)
    }
}
