import ArgumentParser
import Dispatch
import ExperimentSupport
import Foundation
import S2ACCore

/// Fig 8f-j: rliable's aggregate metrics, probability of improvement, performance profiles and
/// sample-efficiency curves (Agarwal et al. 2021), with stratified-bootstrap percentile
/// intervals, for any CSV of scores.
struct RliableStats: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rliable-stats",
        abstract: "rliable statistics (median, IQM, mean, optimality gap, P(X > Y), profiles) with bootstrap intervals.",
        discussion: """
        Reads a CSV with the columns algorithm,task,run,score[,step] and writes to --out the \
        result file rliable.h5 (kind "rliable": scores, tables, provenance; `report` turns it \
        into the same tables) and the tables rliable_aggregate.csv, rliable_poi.csv (P(X > Y) \
        for ordered pairs), rliable_profiles.csv and, with a step column, rliable_curves.csv. \
        With a step column the other tables use each run's last step. Results/README.md \
        describes every column.
        """)

    @Option(help: "Scores CSV: algorithm,task,run,score[,step].")
    var scores: String?

    @Option(help: "A folder of `train` run files (agent -> algorithm, env -> task, seed -> run, mean test return at each evaluation step -> score); instead of --scores.")
    var runs: String?

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(parsing: .unconditional, help: "Bootstrap replicates for every table (default: rliable's, 50000 for aggregates and curves, 2000 for P(X > Y) and profiles).")
    var reps: Int?

    @Option(name: .customLong("poi-reps"), parsing: .unconditional, help: "Replicates for P(X > Y) (overrides --reps).")
    var poiReps: Int?

    @Option(name: .customLong("profile-reps"), parsing: .unconditional, help: "Replicates for performance profiles (overrides --reps).")
    var profileReps: Int?

    @Option(name: .customLong("curve-reps"), parsing: .unconditional, help: "Replicates for sample-efficiency curves (overrides --reps).")
    var curveReps: Int?

    @OptionGroup var seedOption: SeedOption

    var seed: Int { seedOption.seed }

    @OptionGroup var forceOption: ForceOption

    var force: Bool { forceOption.force }

    @Option(parsing: .unconditional, help: "Interval coverage.")
    var confidence: Double = 0.95

    @Option(parsing: .unconditional, help: "Optimality-gap threshold gamma.")
    var gamma: Double = 1

    @Option(help: "Reference scores CSV (task,min,max): min-max normalise every task before the statistics.")
    var reference: String?

    @Option(help: "Normalise every task's scores by this algorithm's mean final score there (it scores 1; use with --gamma 1 for the optimality gap against it).")
    var normalizeBy: String?

    @Option(name: .customLong("ref"), help: "Reference scores for one task, TASK=MIN:MAX (repeatable; combines with --reference).")
    var refs: [String] = []

    @Option(name: .customLong("pair"), help: "An ordered pair X>Y for P(X > Y) (repeatable; default: all ordered pairs).")
    var pairs: [String] = []

    @Option(parsing: .unconditional, help: "Profile thresholds LOW:HIGH:COUNT (default: 101 from min(0, lowest score) to the highest).")
    var taus: String?

    @Flag(name: .customLong("no-profiles"), help: "Skip the performance profiles.")
    var noProfiles = false

    @OptionGroup var threadsOption: ThreadsOption

    var threads: Int { threadsOption.count(default: ThreadsOption.allCores) }

    func run() throws {
        for (flag, value) in [("reps", reps), ("poi-reps", poiReps), ("profile-reps", profileReps), ("curve-reps", curveReps)] {
            if let v = value { try requireRange(v, 1...100_000_000, flag: flag) }
        }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be strictly between 0 and 1, got \(confidence)") }
        guard gamma.isFinite else { throw ValidationError("--gamma must be finite") }
        let resultPath = URL(fileURLWithPath: out, isDirectory: true).appendingPathComponent("rliable.h5").path
        guard (scores == nil) != (runs == nil) else { throw InputError("give exactly one of --scores FILE.csv and --runs FOLDER") }
        if FileManager.default.fileExists(atPath: resultPath) && !force {
            throw InputError("\(resultPath) exists; pass --force to overwrite it")
        }
        var table: ScoreTable
        if let scores {
            table = try CSVScoreSource(path: scores).scoreTable()
        } else {
            let (found, warnings) = try TrainRunScoreSource(folder: runs!).scoreTableAndWarnings()
            for w in warnings { FileHandle.standardError.write(Data("rliable-stats: warning: \(w)\n".utf8)) }
            table = found
        }
        var normalisation: ReferenceScores? = nil
        if let normalizeBy {
            guard reference == nil && refs.isEmpty else { throw InputError("--normalize-by excludes --reference and --ref") }
            normalisation = try ReferenceScores.meanOf(normalizeBy, in: table)
            table = try table.normalized(by: normalisation!)
        } else if reference != nil || !refs.isEmpty {
            var ref = try reference.map { try ReferenceScores.parseCSV(read($0), source: $0) } ?? ReferenceScores()
            for r in refs { try ref.add(flag: r) }
            table = try table.normalized(by: ref)
            normalisation = ref
        }

        var settings = RliableSettings()
        if let r = reps { settings.aggregateReps = r; settings.pairReps = r; settings.profileReps = r; settings.curveReps = r }
        if let r = poiReps { settings.pairReps = r }
        if let r = profileReps { settings.profileReps = r }
        if let r = curveReps { settings.curveReps = r }
        settings.seed = seed; settings.confidence = confidence; settings.gamma = gamma; settings.threads = threads
        settings.computeProfiles = !noProfiles
        if !pairs.isEmpty {
            settings.pairs = try pairs.map { p in
                let parts = p.components(separatedBy: ">")
                guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { throw InputError("--pair '\(p)': expected X>Y") }
                return (parts[0], parts[1])
            }
        }
        if let t = taus { settings.taus = try parseTaus(t) }

        // The input is good: before the bootstrap, check the output can be written.
        try requireWritableResult(path: resultPath, force: force)
        let start = DispatchTime.now().uptimeNanoseconds
        let report = try RliableReport.compute(table, settings: settings)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        let config = Config(scores: scores, runs: runs, reps: reps, poiReps: settings.pairReps, profileReps: settings.profileReps,
                            curveReps: settings.curveReps, aggregateReps: settings.aggregateReps, seed: seed,
                            confidence: confidence, gamma: gamma, reference: reference, refs: refs, pairs: pairs,
                            normalizeBy: normalizeBy, taus: taus, profiles: !noProfiles)
        let writer = try ResultWriter(path: resultPath, kind: RliableReport.resultKind, config: config, seed: seed, force: force)
        try report.write(to: writer.root, scores: table, reference: normalisation)
        var written: [String] = []
        for (name, t) in report.tables.sorted(by: { $0.key < $1.key }) {
            let path = URL(fileURLWithPath: out).appendingPathComponent(name + ".csv").path
            try t.write(to: path)
            written.append(path)
        }
        try writer.commit()
        written.append(resultPath)
        let runs = table.algorithms.map { table.finals[$0]!.runs }
        print("rliable-stats: \(table.algorithms.count) algorithms x \(table.tasks.count) tasks x \(runs.min()!)-\(runs.max()!) runs, "
              + "reps \(settings.aggregateReps) (aggregates) / \(settings.pairReps) (P(X > Y), \(report.pairs.count) pairs), seed \(seed): "
              + String(format: "%.2f s", seconds))
        for row in report.aggregates where row.metric == .iqm {
            print(String(format: "  IQM %@ %.4f [%.4f, %.4f]", row.algorithm, row.interval.estimate, row.interval.low, row.interval.high))
        }
        print("rliable-stats: wrote \(written.joined(separator: ", "))")
    }

    /// What rliable.h5 records as its configuration (provenance `config_json`).
    struct Config: Codable {
        /// The scores CSV, or the folder of train run files.
        var scores: String?
        var runs: String?
        /// --reps as given (nil: rliable's defaults per table).
        var reps: Int?
        /// Replicates used per table.
        var poiReps, profileReps, curveReps, aggregateReps: Int
        /// Bootstrap seed.
        var seed: Int
        /// Interval coverage (rliable's confidence_interval_size).
        var confidence: Double
        /// Optimality-gap threshold.
        var gamma: Double
        /// Min-max normalisation: reference CSV and TASK=MIN:MAX flags.
        var reference: String?
        var refs: [String]
        /// Requested pairs X>Y (empty: all ordered pairs).
        var pairs: [String]
        /// Scores as fractions of this algorithm's mean final score per task (nil: none).
        var normalizeBy: String?
        /// Profile thresholds LOW:HIGH:COUNT (nil: the default grid).
        var taus: String?
        /// Whether profiles were computed.
        var profiles: Bool
    }

    private func read(_ path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read \(path)") }
        guard let text = String(data: data, encoding: .utf8) else { throw InputError("\(path) is not UTF-8 text") }
        return text
    }

    private func parseTaus(_ s: String) throws -> [Double] {
        let p = s.split(separator: ":", omittingEmptySubsequences: false)
        guard p.count == 3, let lo = Double(p[0]), let hi = Double(p[1]), let n = Int(p[2]), lo.isFinite, hi.isFinite, hi >= lo, (1...100_000).contains(n) else {
            throw InputError("--taus '\(s)': expected LOW:HIGH:COUNT with LOW <= HIGH and 1 <= COUNT <= 100000")
        }
        return linspace(lo, hi, count: n)
    }
}

RliableStats.suiteMain()
