import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// The resolved configuration, stored in every result file (`/run` attribute `config_json`).
struct EntropyEvalConfig: Codable {
    var experiment: String
    var config: String?
    var seeds: [Int]
    var budget: String
    var dimensions: [Int]?
    var monteCarloSamples: Int?
    var exactLogDeterminant: Bool
}

struct EntropyEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "entropy-eval",
        abstract: "Fig 4a, 4c, 10: entropy of SVGD / SGLD / DLD / HMC particles by four estimators against the truth.",
        discussion: """
            fig4a: the Table 2 Gaussian from N(0,6I) and N(4,0.2I), four samplers, in the `paper` \
            (Table 2) and `authors-code` (notebook) configurations. fig4c: SVGD on mixtures of \
            M in {1,2,4,6} components (Fig 4c, 10a) and on Gaussians of std {0.5,1,2,5} (Fig 10b), \
            dimensions {2,10,20,100}, (m,L) in {(10,10),(10,20),(200,200)}, 5 seeds. \
            --seed is the seed of Fig 4a; Fig 4c uses seeds 0 ..< --seeds. \
            Writes <out>/fig4a-<config>.h5 and <out>/fig4c.h5 and prints their tables.
            """)

    @Option(help: "fig4a, fig4c or all.")
    var experiment: String = "all"
    @Option(help: "Fig 4a configuration: paper, authors-code or both.")
    var config: String = "both"
    @OptionGroup var seedOption: SeedOption
    var seed: Int { seedOption.seed }
    @Option(parsing: .unconditional, help: "Number of seeds for Fig 4c.")
    var seeds: Int = 5
    @Option(parsing: .unconditional, help: "Monte Carlo samples for mixture ground truths.")
    var monteCarloSamples: Int = 1_000_000
    @Flag(help: "Reduced grid for smoke tests: Fig 4c in dimensions 2 and 10 with 2 seeds and 10^5 Monte Carlo samples.")
    var quick = false
    @Flag(help: "Skip the exact log-determinant (Thm 3.1 without approximation).")
    var noExactLogDeterminant = false
    @OptionGroup var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count(default: ThreadsOption.allCores) }
    @Option(help: "Folder for the result files.")
    var out: String = "Results/fig4"
    @OptionGroup var forceOption: ForceOption
    var force: Bool { forceOption.force }

    func validate() throws {
        guard ["fig4a", "fig4c", "all"].contains(experiment) else { throw ValidationError("--experiment must be fig4a, fig4c or all, got \(experiment)") }
        guard ["paper", "authors-code", "both"].contains(config) else { throw ValidationError("--config must be paper, authors-code or both, got \(config)") }
        try requireRange(seeds, 1...1000, flag: "seeds")
        try requireRange(seed, 0...Int(Int32.max), flag: "seed")
        try requireRange(monteCarloSamples, 2...1_000_000_000, flag: "monte-carlo-samples")
    }

    func run() throws {
        let budget = quick ? "quick" : "full"
        let exact = !noExactLogDeterminant
        let configs: [Fig4Config] = config == "both" ? [.paper, .authorsCode] : [Fig4Config(rawValue: config)!]
        // Refuse to overwrite before spending any time on the grids.
        if experiment != "fig4c" {
            for c in configs { try requireWritableResult(path: fig4aPath(c), force: force) }
        }
        if experiment != "fig4a" { try requireWritableResult(path: fig4cPath, force: force) }
        if experiment != "fig4c" {
            for c in configs {
                var jobs = Fig4Grid.fig4a(config: c, seed: seed, exactLogDeterminant: exact)
                for k in jobs.indices { jobs[k].info.budget = budget }
                let records = try runWithProgress(jobs, label: "fig4a \(c.rawValue)")
                let path = fig4aPath(c)
                try Fig4Tables.write(records, kind: "fig4a",
                                     config: EntropyEvalConfig(experiment: "fig4a", config: c.rawValue, seeds: [seed], budget: budget,
                                                               exactLogDeterminant: exact),
                                     seed: seed, to: path, force: force)
                print("Fig 4a, \(c.rawValue) configuration -> \(path)")
                print(Fig4Tables.summary(records))
                print("")
            }
        }
        if experiment != "fig4a" {
            let seedList = Array(0..<(quick ? min(seeds, 2) : seeds))
            let dims = quick ? [2, 10] : Fig4Grid.dimensions
            let samples = quick ? min(monteCarloSamples, 100_000) : monteCarloSamples
            let t0 = Date()
            var jobs = try Fig4Grid.fig4c(seeds: seedList, dimensions: dims, monteCarloSamples: samples, threads: threads,
                                          exactLogDeterminant: exact)
            for k in jobs.indices { jobs[k].info.budget = budget }
            progressLine(String(format: "fig4c: ground truths (%d Monte Carlo samples per mixture) in %.1f s", samples, Date().timeIntervalSince(t0)))
            let records = try runWithProgress(jobs, label: "fig4c")
            let path = fig4cPath
            try Fig4Tables.write(records, kind: "fig4c",
                                 config: EntropyEvalConfig(experiment: "fig4c", config: nil, seeds: seedList, budget: budget,
                                                           dimensions: dims, monteCarloSamples: samples, exactLogDeterminant: exact),
                                 seed: nil, to: path, force: force)
            print("Fig 4c and 10 (SVGD, forth bandwidth, eps 0.5, q0 N(0,6I)) -> \(path)")
            print(Fig4Tables.summary(records))
        }
    }

    func fig4aPath(_ c: Fig4Config) -> String { "\(out)/fig4a-\(c.rawValue)\(quick ? "-quick" : "").h5" }
    var fig4cPath: String { "\(out)/fig4c\(quick ? "-quick" : "").h5" }

    func runWithProgress(_ jobs: [Fig4Job], label: String) throws -> [Fig4Record] {
        try Fig4Grid.run(jobs, threads: threads) { done, total, elapsed, left in
            progressLine(String(format: "%@: %d/%d runs, %.1f s elapsed, about %.0f s left", label, done, total, elapsed, left))
        }
    }
}

func progressLine(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

EntropyEval.suiteMain()
