import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// The resolved configuration, stored in the result file (`/run` attribute `config_json`).
struct KernelSweepConfig: Codable {
    var config: String
    var seed: Int
    var sigmas: [Double]
    var particlesSteps: [[Int]]
    var budget: String
    var exactLogDeterminant: Bool
}

struct KernelSweep: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernel-sweep",
        abstract: "Fig 4b, 9: SVGD entropy estimates for fixed kernel sigmas x (m, L) x two starts.",
        discussion: """
            sigma in {0.1,1,3,5,7,10,100}, (m,L) in {(10,20),(20,20),(100,100),(200,200)}, starts \
            N(0,6I) and N(4,0.2I), eps 0.5, on the Fig 4a target (Table 2 lists it for Fig 4a-4b). \
            Keeps the final particles (Fig 9). Writes <out>/fig4b-<config>.h5 and prints its table.
            """)

    @Option(help: "Target: paper (Table 2) or authors-code (the notebook's rounded Gaussian).")
    var config: String = "paper"
    @OptionGroup var seedOption: SeedOption
    var seed: Int { seedOption.seed }
    @Flag(help: "Reduced grid for smoke tests: (m, L) in {(10,20),(20,20),(100,100)}.")
    var quick = false
    @Flag(help: "Skip the exact log-determinant.")
    var noExactLogDeterminant = false
    @OptionGroup var threadsOption: ThreadsOption
    var threads: Int { threadsOption.count(default: ThreadsOption.allCores) }
    @Option(help: "Folder for the result file.")
    var out: String = "Results/fig4"
    @OptionGroup var forceOption: ForceOption
    var force: Bool { forceOption.force }

    func validate() throws {
        guard Fig4Config(rawValue: config) != nil else { throw ValidationError("--config must be paper or authors-code, got \(config)") }
        try requireRange(seed, 0...Int(Int32.max), flag: "seed")
    }

    func run() throws {
        let c = Fig4Config(rawValue: config)!
        let path = "\(out)/fig4b-\(c.rawValue)\(quick ? "-quick" : "").h5"
        try requireWritableResult(path: path, force: force)  // before any computation
        let pairs = quick ? Array(Fig4Grid.sweepParticlesSteps.prefix(3)) : Fig4Grid.sweepParticlesSteps
        let budget = quick ? "quick" : "full"
        var jobs = Fig4Grid.fig4b(config: c, seed: seed, particlesSteps: pairs, exactLogDeterminant: !noExactLogDeterminant)
        for k in jobs.indices { jobs[k].info.budget = budget }
        let records = try Fig4Grid.run(jobs, threads: threads) { done, total, elapsed, left in
            FileHandle.standardError.write(Data(String(format: "fig4b: %d/%d runs, %.1f s elapsed, about %.0f s left\n",
                                                       done, total, elapsed, left).utf8))
        }
        try Fig4Tables.write(records, kind: "fig4b",
                             config: KernelSweepConfig(config: c.rawValue, seed: seed, sigmas: Fig4Grid.sweepSigmas,
                                                       particlesSteps: pairs.map { [$0.0, $0.1] }, budget: budget,
                                                       exactLogDeterminant: !noExactLogDeterminant),
                             seed: seed, to: path, force: force)
        print("Fig 4b, 9 (SVGD, fixed sigma, \(c.rawValue) target) -> \(path)")
        print(Fig4Tables.summary(records))
    }
}

KernelSweep.suiteMain()
