import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct MultigoalModes: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "multigoal-modes",
        abstract: "Train agents on Multigoal over an alpha grid and seeds, then probe them (Fig 5, 6, 11-15, 17).",
        discussion: """
            One run file per (agent, alpha, seed) under OUT/runs/, holding the trained agent, the \
            training curves, mu/sigma of q0 at the critical states during training, 20 test \
            episodes per test selection rule (trajectories, goal reached), M1/M2 of Q along them, \
            the entropy map and the Q landscapes at the critical states. Complete run files are \
            kept and every run checkpoints (--checkpoint-every, default 1000 steps): an interrupted \
            campaign continues where its runs stopped; a complete run file of another \
            configuration is replaced only with --force. Runs go to child processes with one engine \
            thread each, so results do not depend on --jobs; Ctrl-C or SIGTERM stops them too, at \
            a checkpoint. \
            --launcher slurm submits the runs without a complete file as one Slurm job array \
            instead (one run per task, checkpointed, requeued and resumed at the time limit); \
            --status and --report show the campaign from its files (README, "Running on a cluster").
            Presets: smoke (seconds; for tests), quick (reduced steps and seeds; the default of \
            make multigoal), paper (the full grid, 20 seeds; for a cluster).
            """)

    @Option(help: "smoke, quick or paper.")
    var preset: String = "quick"

    @Option(help: "Comma-separated agents (default: the preset's: \(MultigoalPreset.allAgents.joined(separator: ","))).")
    var agents: String?

    @Option(parsing: .unconditional, help: "Comma-separated temperatures (default: the preset's; the paper's grid is not stated, {0.1,1,5,10,20} is ours).")
    var alphas: String?

    @Option(parsing: .unconditional, help: "Number of seeds, 0 ..< N (default: the preset's).")
    var seeds: Int?

    @Option(parsing: .unconditional, help: "Environment steps per run (default: the preset's).")
    var steps: Int?

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: "FIELD=VALUE passed to every run's configuration, as train --set (repeatable; train --show-config lists the fields).")
    var overrides: [String] = []

    @Option(help: "Output folder (default: Results/multigoal/<preset>).")
    var out: String?

    @OptionGroup var forceOption: ForceOption

    var force: Bool { forceOption.force }

    @OptionGroup var quietOption: QuietOption

    var quiet: Bool { quietOption.quiet }

    @OptionGroup(title: "Where the runs go")
    var cluster: CampaignLaunchOptions

    @Option(help: .hidden)
    var runOne: String?

    /// --run-one: continue the run from its checkpoint (a requeued cluster task).
    @Flag(help: .hidden)
    var resume = false

    /// --run-one: engine threads (a cluster task's CPUs; the same bits for any count).
    @Option(parsing: .unconditional, help: .hidden)
    var threads: Int = 1

    func validate() throws {
        guard MultigoalPreset.names.contains(preset) else {
            throw ValidationError("--preset must be one of \(MultigoalPreset.names.joined(separator: ", ")), got '\(preset)'")
        }
        if let seeds { try requireRange(seeds, 1...1000, flag: "seeds") }
        if let steps { try requireRange(steps, 1...100_000_000, flag: "steps") }
    }

    func resolvedPreset() throws -> MultigoalPreset {
        var p = try MultigoalPreset.named(preset)
        if let agents {
            p.agents = agents.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !p.agents.isEmpty, Set(p.agents).count == p.agents.count else { throw InputError("--agents must list distinct agents") }
        }
        for agent in p.agents where !(try AgentCatalog.entry(named: agent, flag: "--agents")).experiments.contains(.multigoal) {
            throw InputError("--agents: \(agent) is not a multigoal agent of the paper; multigoal agents: "
                             + MultigoalPreset.allAgents.joined(separator: ","))
        }
        if let alphas {
            let values = alphas.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            let range = TrainRunConfig.alphaRange
            guard !values.isEmpty, values.allSatisfy({ $0 != nil && range.contains($0!) }) else {
                throw InputError("--alphas must be a comma-separated list of numbers in \(range.lowerBound)...\(range.upperBound) "
                                 + "(as train --alpha), got '\(alphas)'")
            }
            p.alphas = values.map { $0! }
        }
        if let seeds { p.seeds = seeds }
        if let steps { p.steps = steps }
        return p
    }

    func run() throws {
        let p = try resolvedPreset()
        let folder = out ?? "Results/multigoal/\(preset)"
        let runs = folder + "/runs"
        let specs = try MultigoalRunSpec.grid(preset: p, agents: p.agents, alphas: p.alphas, seeds: Array(0..<p.seeds),
                                              overrides: overrides.map(ConfigOverride.init(parsing:)))
        for spec in specs { try spec.train.requireFitsInMemory() }
        if let runOne {
            guard let spec = specs.first(where: { $0.runID == runOne }) else {
                throw InputError("--run-one \(runOne) is not in the grid")
            }
            try runSingle(spec, to: runs + "/" + spec.fileName)
            return
        }
        let campaign = try Campaign(specs: specs, runsFolder: runs)
        if try cluster.showStatusOrReport(campaign, campaignFolder: folder, name: "multigoal-modes") { return }
        let plan = try campaign.plan(force: force)
        print("multigoal-modes: preset \(p.name), \(specs.count) runs (\(p.agents.joined(separator: ",")) x alpha "
              + "\(p.alphas.map { "\($0)" }.joined(separator: ",")) x \(p.seeds) seeds, \(p.steps) steps), "
              + "\(plan.complete.count) complete, \(plan.pending.count) to run -> \(runs)")
        for (spec, reason) in plan.unusable {
            print("multigoal-modes: \(spec.fileName) is \(reason): it is redone and replaced")
        }
        for (spec, differences) in plan.otherConfiguration {
            print("multigoal-modes: --force: \(spec.fileName) (\(differences.prefix(3).joined(separator: "; "))) is redone and replaced")
        }
        guard !plan.pending.isEmpty else { return }
        try requireWritableFolder(runs)
        // A run with a checkpoint of its own continues from it; --force starts every pending run again.
        let resumed = try campaign.resumableRuns(plan.pending, force: force, dryRun: cluster.dryRun) { spec in
            print("multigoal-modes: --force: \(spec.checkpointName) is removed; the run starts again")
        }
        let executable = Bundle.main.executablePath ?? CommandLine.arguments[0]
        if cluster.launcher == "slurm" {
            // Every path absolute: the tasks start in other processes, maybe on other hosts
            // (the folder and the executable must be on a file system they share).
            let absoluteFolder = absolutePath(folder)
            let command = [absolutePath(executable)] + gridArguments(p, folder: absoluteFolder)
            let checkpointEvery = cluster.slurm.checkpointEvery
            let tasks = plan.pending.map { spec in
                ClusterRun(runID: spec.runID, agent: spec.agent, env: spec.train.env, seed: spec.seed, preset: p.name,
                           output: absoluteFolder + "/runs/" + spec.fileName,
                           arguments: command + ["--run-one", spec.runID, "--checkpoint-every", "\(checkpointEvery)"])
            }
            try cluster.submitToSlurm(tasks, campaignFolder: folder, reportCommand: command + ["--report"], name: "multigoal-modes")
            return
        }
        // Each run in a child process with one engine thread (the default of --run-one), so
        // results do not depend on --jobs; OpenBLAS's own threads are off there too. Every run
        // checkpoints (a checkpoint and the rest of the run give the bits of an uninterrupted
        // one), so a campaign stopped by Ctrl-C, SIGTERM or a crash continues where its runs
        // were when it is run again.
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        let checkpointEvery = cluster.checkpointEvery ?? CampaignLaunchOptions.defaultCheckpointEvery
        for spec in plan.pending where resumed.contains(spec.runID) {
            print("multigoal-modes: \(spec.fileName) continues from its checkpoint")
        }
        let launcher = LocalLauncher(name: "multigoal-modes", jobs: cluster.jobs, executable: executable, environment: environment)
        let start = Date()
        let failed = try launcher.run(plan.pending) { spec in
            gridArguments(p, folder: folder) + ["--run-one", spec.runID, "--checkpoint-every", "\(checkpointEvery)"]
                + (resumed.contains(spec.runID) ? ["--resume"] : [])
        }
        print(String(format: "multigoal-modes: %d runs in %.1f s", plan.pending.count, Date().timeIntervalSince(start)))
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("multigoal-modes: failed: \(failed.joined(separator: "; "))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The options that name this campaign's grid and folder, for the runs' own command lines.
    func gridArguments(_ p: MultigoalPreset, folder: String) -> [String] {
        ["--preset", preset, "--agents", p.agents.joined(separator: ","),
         "--alphas", p.alphas.map { "\($0)" }.joined(separator: ","), "--seeds", "\(p.seeds)",
         "--steps", "\(p.steps)", "--out", folder] + overrides.flatMap { ["--set", $0] } + (quiet ? ["--quiet"] : [])
    }

    /// One run in this process (`--run-one`): with `--checkpoint-every`, SIGTERM or Ctrl-C
    /// writes the checkpoint and exits with 75, and `--resume` continues it.
    func runSingle(_ spec: MultigoalRunSpec, to path: String) throws {
        let checkpointEvery = cluster.checkpointEvery ?? 0
        if checkpointEvery > 0 { StopSignals.install() }
        setEngineThreads(threads)
        let start = Date()
        do {
            try MultigoalRun.execute(spec, to: path, force: true, progress: !quiet, checkpointEvery: checkpointEvery, resume: resume)
        } catch let stop as RunStoppedWithCheckpoint {
            FileHandle.standardError.write(Data(("multigoal-modes: \(spec.runID) stopped by signal \(stop.signal) at step \(stop.step); "
                                                 + "checkpoint in \(stop.checkpointPath): rerun with --resume to continue\n").utf8))
            throw ExitCode(SuiteExit.stoppedWithCheckpoint)
        }
        print(String(format: "multigoal-modes: %@ alpha %g seed %d done in %.1f s", spec.agent, spec.alpha, spec.seed,
                     Date().timeIntervalSince(start)))
    }
}

MultigoalModes.suiteMain()
