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
        Reads a CSV with the columns algorithm,task,run,score[,step] and writes to --out:
          rliable_aggregate.csv  metric,algorithm,estimate,ci_low,ci_high,reps,seed
          rliable_poi.csv        algorithm_x,algorithm_y,estimate,ci_low,ci_high,reps,seed (P(X > Y))
          rliable_profiles.csv   profile,algorithm,tau,estimate,ci_low,ci_high,reps,seed
          rliable_curves.csv     algorithm,step,iqm,ci_low,ci_high,reps,seed (only with a step column)
        With a step column the other tables use each run's last step.
        """)

    @Option(help: "Scores CSV: algorithm,task,run,score[,step].")
    var scores: String

    @Option(help: "Output folder (created if missing).")
    var out: String

    @Option(help: "Bootstrap replicates for every table (default: rliable's, 50000 for aggregates and curves, 2000 for P(X > Y) and profiles).")
    var reps: Int?

    @Option(name: .customLong("poi-reps"), help: "Replicates for P(X > Y) (overrides --reps).")
    var poiReps: Int?

    @Option(name: .customLong("profile-reps"), help: "Replicates for performance profiles (overrides --reps).")
    var profileReps: Int?

    @Option(name: .customLong("curve-reps"), help: "Replicates for sample-efficiency curves (overrides --reps).")
    var curveReps: Int?

    @Option(help: "Seed of the bootstrap's random streams.")
    var seed: UInt64 = 0

    @Option(help: "Interval coverage.")
    var confidence: Double = 0.95

    @Option(help: "Optimality-gap threshold gamma.")
    var gamma: Double = 1

    @Option(help: "Reference scores CSV (task,min,max): min-max normalise every task before the statistics.")
    var reference: String?

    @Option(name: .customLong("ref"), help: "Reference scores for one task, TASK=MIN:MAX (repeatable; combines with --reference).")
    var refs: [String] = []

    @Option(name: .customLong("pair"), help: "An ordered pair X>Y for P(X > Y) (repeatable; default: all ordered pairs).")
    var pairs: [String] = []

    @Option(help: "Profile thresholds LOW:HIGH:COUNT (default: 101 from min(0, lowest score) to the highest).")
    var taus: String?

    @Flag(name: .customLong("no-profiles"), help: "Skip the performance profiles.")
    var noProfiles = false

    @Option(help: "Worker threads (results do not depend on it).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        for (flag, value) in [("reps", reps), ("poi-reps", poiReps), ("profile-reps", profileReps), ("curve-reps", curveReps)] {
            if let v = value { try requireRange(v, 1...100_000_000, flag: flag) }
        }
        guard confidence > 0 && confidence < 1 else { throw ValidationError("--confidence must be strictly between 0 and 1, got \(confidence)") }
        guard gamma.isFinite else { throw ValidationError("--gamma must be finite") }
        try requireRange(threads, 1...256, flag: "threads")

        var table = try ScoreTable.parseCSV(read(scores), source: scores)
        if reference != nil || !refs.isEmpty {
            var ref = try reference.map { try ReferenceScores.parseCSV(read($0), source: $0) } ?? ReferenceScores()
            for r in refs { try ref.add(flag: r) }
            table = try table.normalized(by: ref)
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

        let start = DispatchTime.now().uptimeNanoseconds
        let report = try RliableReport.compute(table, settings: settings)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

        let folder = URL(fileURLWithPath: out, isDirectory: true)
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw InputError("cannot create --out \(out): \(error.localizedDescription)")
        }
        var written = ["rliable_aggregate.csv", "rliable_poi.csv"]
        try writeAtomically(report.aggregateCSV, to: folder.appendingPathComponent("rliable_aggregate.csv"))
        try writeAtomically(report.pairsCSV, to: folder.appendingPathComponent("rliable_poi.csv"))
        if settings.computeProfiles {
            try writeAtomically(report.profilesCSV, to: folder.appendingPathComponent("rliable_profiles.csv"))
            written.append("rliable_profiles.csv")
        }
        if table.hasSteps {
            try writeAtomically(report.curvesCSV, to: folder.appendingPathComponent("rliable_curves.csv"))
            written.append("rliable_curves.csv")
        }
        let runs = table.algorithms.map { table.finals[$0]!.runs }
        print("rliable-stats: \(table.algorithms.count) algorithms x \(table.tasks.count) tasks x \(runs.min()!)-\(runs.max()!) runs, "
              + "reps \(settings.aggregateReps) (aggregates) / \(settings.pairReps) (P(X > Y), \(report.pairs.count) pairs), seed \(seed): "
              + String(format: "%.2f s", seconds))
        for row in report.aggregates where row.metric == .iqm {
            print(String(format: "  IQM %@ %.4f [%.4f, %.4f]", row.algorithm, row.interval.estimate, row.interval.low, row.interval.high))
        }
        print("rliable-stats: wrote \(written.map { folder.appendingPathComponent($0).path }.joined(separator: ", "))")
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
