import ArgumentParser
import Dispatch
import ExperimentSupport
import Foundation
import S2ACCore

/// `make bench` for the rliable statistics: times the Swift intervals and the pinned Python
/// rliable side by side on the same synthetic scores and writes Results/bench/rliable.csv.
struct BenchRliable: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-rliable",
        abstract: "Time rliable-stats against the Python rliable library on the same data.")

    @Option(help: "Output folder for rliable.csv and the generated scores.")
    var out: String = "Results/bench"

    @Option(help: "Python of the pinned rliable venv (the rliable column is skipped when missing).")
    var python: String = ".venv-rliable/bin/python"

    @Option(help: "The rliable timing script.")
    var script: String = "scripts/reference/rliable_bench.py"

    @Flag(name: .customLong("skip-rliable"), help: "Time the Swift side only.")
    var skipRliable = false

    @Option(parsing: .unconditional, help: "Algorithms in the synthetic data (at most 8, named after the paper's agents).")
    var algorithms: Int = 8

    @Option(parsing: .unconditional, help: "Tasks.") var tasks: Int = 5
    @Option(parsing: .unconditional, help: "Runs per task.") var runs: Int = 5
    @Option(name: .customLong("agg-reps"), parsing: .unconditional, help: "Replicates for the aggregate intervals.") var aggReps: Int = 50_000
    @Option(name: .customLong("poi-reps"), parsing: .unconditional, help: "Replicates for P(X > Y), all ordered pairs.") var poiReps: Int = 2_000
    @Option(help: "Seed of the data and the bootstrap.") var seed: UInt64 = 0
    @Option(parsing: .unconditional, help: "Timed repetitions of each Swift measurement (the median is reported).") var repeats: Int = 3

    static let agents = ["S2AC(phi,theta)", "S2AC(phi)", "S2AC(phi,theta,psi)", "SAC", "SQL", "SAC-NF", "DDPG", "PPO"]
    static let envs = ["Hopper-v2", "Walker2d-v2", "HalfCheetah-v2", "Ant-v2", "Humanoid-v2", "Swimmer-v2", "Reacher-v2", "Pusher-v2"]

    func run() throws {
        try requireRange(algorithms, 2...8, flag: "algorithms")
        try requireRange(tasks, 1...8, flag: "tasks")
        try requireRange(runs, 1...1000, flag: "runs")
        try requireRange(aggReps, 1...10_000_000, flag: "agg-reps")
        try requireRange(poiReps, 1...10_000_000, flag: "poi-reps")
        try requireRange(repeats, 1...20, flag: "repeats")

        // Synthetic normalised scores: lognormal around a per-agent level, so the metrics differ.
        var g = SeedTree(seed: seed).stream(named: "bench-rliable-data")
        let names = Array(Self.agents.prefix(algorithms)), taskNames = Array(Self.envs.prefix(tasks))
        var csv = CSVTable(columns: ["algorithm", "task", "run", "score"])
        var matrices: [ScoreMatrix] = []
        for (a, name) in names.enumerated() {
            let level = 0.9 - 0.1 * Double(a)
            var v = [Double](repeating: 0, count: runs * tasks)
            for t in 0..<tasks { for r in 0..<runs {
                v[t * runs + r] = level * Foundation.exp(0.4 * g.nextGaussian())
                csv.append([name, taskNames[t], String(r), csvNumber(v[t * runs + r])])
            } }
            matrices.append(ScoreMatrix(runs: runs, tasks: tasks, taskMajor: v))
        }
        let folder = URL(fileURLWithPath: out, isDirectory: true)
        try createFolder(folder.path)
        let scoresURL = folder.appendingPathComponent("rliable_bench_scores.csv")
        try csv.write(to: scoresURL.path)

        let cores = ProcessInfo.processInfo.activeProcessorCount
        func time(_ body: () -> Void) -> Double {
            let samples = (0..<repeats).map { _ -> Double in
                let t0 = DispatchTime.now().uptimeNanoseconds
                body()
                return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
            }.sorted()
            return samples[samples.count / 2]
        }
        var swiftAgg: [[AggregateMetric: IntervalEstimate]] = []
        var rows: [(bench: String, impl: String, reps: Int, threads: String, seconds: Double)] = []
        for threads in Set([1, cores]).sorted() {
            let options = BootstrapOptions(reps: aggReps, seed: seed, threads: threads)
            rows.append(("aggregate_intervals", "swift", aggReps, String(threads),
                         time { swiftAgg = aggregateIntervals(matrices, labels: names, options: options) }))
        }
        let pairs = names.indices.flatMap { x in names.indices.filter { $0 != x }.map { (x, $0) } }
        for threads in Set([1, cores]).sorted() {
            let options = BootstrapOptions(reps: poiReps, seed: seed, threads: threads)
            rows.append(("poi_all_pairs", "swift", poiReps, String(threads), time {
                _ = improvementIntervals(pairs.map { (matrices[$0.0], matrices[$0.1]) },
                                         labels: pairs.map { "\(names[$0.0])>\(names[$0.1])" }, options: options)
            }))
        }

        var note = ""
        var rliable: (agg: Double, poi: Double)? = nil
        if skipRliable {
            note = "rliable skipped (--skip-rliable)"
        } else if !FileManager.default.isExecutableFile(atPath: python) {
            note = "rliable skipped: \(python) missing (make rliable-venv needs pip access to PyPI)"
        } else {
            print("bench-rliable: timing Python rliable (aggregates \(aggReps) reps, \(pairs.count) pairs at \(poiReps) reps); this takes minutes")
            let (status, output) = try runProcess(python, [script, "--scores", scoresURL.path, "--agg-reps", String(aggReps),
                                                           "--poi-reps", String(poiReps), "--seed", String(seed)])
            guard status == 0, let json = try? JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any],
                  let ta = json["aggregate_seconds"] as? Double, let tp = json["poi_seconds"] as? Double else {
                throw InputError("rliable bench script failed (exit \(status)): \(output.suffix(300))")
            }
            rliable = (ta, tp)
            rows.append(("aggregate_intervals", "rliable", aggReps, "1", ta))
            rows.append(("poi_all_pairs", "rliable", poiReps, "1", tp))
            // Cross-check: the same point estimates, and intervals within a few percent of width.
            var maxPoint = 0.0, maxEnd = 0.0
            if let points = json["aggregates"] as? [String: [Double]], let cis = json["aggregate_cis"] as? [String: [[Double]]] {
                for (a, name) in names.enumerated() {
                    for (k, metric) in AggregateMetric.allCases.enumerated() {
                        let ours = swiftAgg[a][metric]!
                        maxPoint = max(maxPoint, abs(points[name]![k] - ours.estimate))
                        let width = max(ours.high - ours.low, 1e-12)
                        maxEnd = max(maxEnd, abs(cis[name]![0][k] - ours.low) / width, abs(cis[name]![1][k] - ours.high) / width)
                    }
                }
            }
            note = String(format: "point estimates agree to %.1e; interval ends differ by at most %.1f%% of the width (Monte Carlo)", maxPoint, 100 * maxEnd)
        }

        // The load when the rows were measured, so a reader can judge the noise.
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?
            .split(separator: " ").first.map(String.init) ?? "unknown"
        var table = CSVTable(columns: ["benchmark", "implementation", "algorithms", "tasks", "runs", "reps", "threads", "seconds",
                                       "rliable_over_this", "note"])
        for r in rows {
            let base = r.bench == "aggregate_intervals" ? rliable?.agg : rliable?.poi
            let ratio = base.map { String(format: "%.1f", $0 / r.seconds) } ?? ""
            table.append([r.bench, r.impl, String(algorithms), String(tasks), String(runs), String(r.reps), r.threads,
                               String(format: "%.4f", r.seconds), ratio,
                               "\(note); load average \(load), median of \(r.impl == "swift" ? repeats : 1)"])
        }
        let url = folder.appendingPathComponent("rliable.csv")
        try table.write(to: url.path)
        print(table.render(), terminator: "")
        print("bench-rliable: wrote \(url.path)")
    }

    private func runProcess(_ exe: String, _ args: [String]) throws -> (Int32, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

BenchRliable.suiteMain()
