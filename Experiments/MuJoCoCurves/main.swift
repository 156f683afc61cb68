import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct MuJoCoCurves: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mujoco-curves",
        abstract: "Train every MuJoCo agent on the MuJoCo environments over seeds: Fig 8a-e's learning curves.",
        discussion: """
            One `train` run file per (agent, environment, seed) under OUT/runs/, with its test \
            returns every --eval-every steps. Complete run files are kept; an interrupted run \
            resumes from its checkpoint; a complete run file of another configuration is replaced \
            only with --force. Runs go to `train` child processes with one engine thread each, so \
            results do not depend on --jobs; Ctrl-C or SIGTERM stops them after a checkpoint. \
            Presets: smoke (seconds; for tests), quick (the default of make mujoco: sized to finish \
            SEEDS=5 within 3 hours on 2 cores), paper (1M steps, five environments, 100 test \
            episodes every 1000 steps; for a cluster), authors-code (the authors' main.py schedule).
            """)

    @Option(help: "smoke, quick, paper or authors-code.")
    var preset: String = "quick"

    @Option(parsing: .unconditional, help: "Number of seeds, 0 ..< N.")
    var seeds: Int = 5

    @Option(help: "Comma-separated agents (default: every MuJoCo agent of the catalog).")
    var agents: String?

    @Option(help: "Comma-separated environments (default: the preset's).")
    var envs: String?

    @Option(parsing: .unconditional, help: "Environment steps per run (default: the preset's).")
    var steps: Int?

    @Option(name: .customLong("set"), parsing: .singleValue, help: "FIELD=VALUE passed to every run's train --set (repeatable).")
    var overrides: [String] = []

    @Option(help: "Output folder (default: Results/mujoco/<preset>).")
    var out: String?

    @OptionGroup var forceOption: ForceOption

    var force: Bool { forceOption.force }

    @OptionGroup(title: "Launching (local processes or one Slurm job array)")
    var cluster: CampaignLaunchOptions

    func validate() throws {
        guard MuJoCoPreset.names.contains(preset) else {
            throw ValidationError("--preset must be one of \(MuJoCoPreset.names.joined(separator: ", ")), got '\(preset)'")
        }
        try requireRange(seeds, 1...1000, flag: "seeds")
        if let steps { try requireRange(steps, 1...100_000_000, flag: "steps") }
        // A run's checkpoint interval is part of its configuration: the preset sets it.
        guard cluster.checkpointEvery == nil else { throw ValidationError("--checkpoint-every: the preset sets it for mujoco-curves") }
    }

    func resolvedPreset() throws -> MuJoCoPreset {
        var p = try MuJoCoPreset.named(preset)
        func list(_ text: String, _ flag: String) throws -> [String] {
            let items = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !items.isEmpty, !items.contains(""), Set(items).count == items.count else {
                throw InputError("--\(flag) must list distinct names separated by commas, got '\(text)'")
            }
            return items
        }
        if let agents {
            p.agents = try list(agents, "agents")
            for a in p.agents {
                let entry = try AgentCatalog.entry(named: a, flag: "--agents")
                guard entry.experiments.contains(.mujoco) else { throw InputError("--agents: \(a) is not a MuJoCo agent") }
            }
        }
        if let envs {
            p.envs = try list(envs, "envs")
            for e in p.envs {
                guard try EnvCatalog.spec(e, flag: "--envs").family == .mujoco else { throw InputError("--envs: \(e) is not a MuJoCo environment") }
            }
        }
        if let steps {
            p.steps = steps
            p.evaluationEvery = min(p.evaluationEvery, steps)
            p.checkpointEvery = min(p.checkpointEvery, steps)
        }
        p.overrides += overrides
        return p
    }

    func run() throws {
        let p = try resolvedPreset()
        let folder = out ?? "Results/mujoco/\(p.name)"
        let runs = folder + "/runs"
        let specs = try MuJoCoRunSpec.grid(preset: p, seeds: seeds)
        let campaign = try Campaign(specs: specs, runsFolder: runs)
        if try cluster.showStatusOrReport(campaign, campaignFolder: folder, name: "mujoco-curves") { return }
        let plan = try campaign.plan(force: force)
        removeCheckpoints(of: plan.complete, in: runs)
        // A run with a checkpoint of its own continues from it; --force starts every pending run again.
        let resumed = try campaign.resumableRuns(plan.pending, force: force, dryRun: cluster.dryRun) { spec in
            print("mujoco-curves: --force: \(spec.checkpointName) is removed; the run starts again")
        }
        print("mujoco-curves: preset \(p.name), \(specs.count) runs (\(p.agents.count) agents x \(p.envs.joined(separator: ",")) x "
              + "\(seeds) seeds, \(p.steps) steps), \(plan.complete.count) complete, \(plan.pending.count) to run -> \(runs)")
        for (spec, reason) in plan.unusable { print("mujoco-curves: \(spec.fileName) is \(reason): it is redone") }
        for (spec, differences) in plan.otherConfiguration {
            print("mujoco-curves: --force: \(spec.fileName) (\(differences.prefix(3).joined(separator: "; "))) is redone and replaced")
        }
        let train = siblingExecutable("train")
        if cluster.launcher == "slurm" {
            guard !plan.pending.isEmpty else { return }
            // Every path absolute: the tasks start in other processes, maybe on other hosts. The
            // batch script adds --resume when the run's checkpoint exists.
            let absoluteRuns = absolutePath(runs)
            let me = absolutePath(Bundle.main.executablePath ?? CommandLine.arguments[0])
            let tasks = plan.pending.map { spec in
                ClusterRun(runID: spec.runID, agent: spec.agent, env: spec.env, seed: spec.seed, preset: p.name,
                           output: absoluteRuns + "/" + spec.fileName,
                           arguments: [absolutePath(train)] + spec.trainArguments(out: absoluteRuns + "/" + spec.fileName,
                                                                                 resume: false, force: true))
            }
            try cluster.submitToSlurm(tasks, campaignFolder: folder, reportCommand: [me] + gridArguments(p, folder: absolutePath(folder)) + ["--report"],
                                      name: "mujoco-curves")
            return
        }
        let arguments = { (spec: MuJoCoRunSpec) -> [String] in
            spec.trainArguments(out: runs + "/" + spec.fileName, resume: resumed.contains(spec.runID),
                                force: true)
        }
        if cluster.dryRun {
            for spec in plan.pending { print(([train] + arguments(spec)).joined(separator: " ")) }
            return
        }
        guard !plan.pending.isEmpty else { return }
        try requireWritableFolder(runs)
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        let launcher = LocalLauncher(name: "mujoco-curves", jobs: cluster.jobs, executable: train, environment: environment)
        let start = Date()
        let failed = try launcher.run(plan.pending, arguments: arguments)
        print("mujoco-curves: \(plan.pending.count) runs in \(formatDuration(Date().timeIntervalSince(start)))")
        removeCheckpoints(of: plan.pending.filter { campaign.state(of: $0) == .complete }, in: runs)
        if !failed.isEmpty {
            FileHandle.standardError.write(Data("mujoco-curves: failed: \(failed.joined(separator: "; "))\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The options that name this campaign's grid and folder (for the report job's command).
    func gridArguments(_ p: MuJoCoPreset, folder: String) -> [String] {
        ["--preset", p.name, "--seeds", String(seeds), "--agents", p.agents.joined(separator: ","),
         "--envs", p.envs.joined(separator: ","), "--steps", String(p.steps), "--out", folder]
            + overrides.flatMap { ["--set", $0] }
    }

    /// A complete run's checkpoint is of no further use (`train` keeps it after the run): it
    /// goes, since at paper size it holds the whole replay buffer (GBs for Humanoid).
    func removeCheckpoints(of complete: [MuJoCoRunSpec], in runs: String) {
        for spec in complete { unlink(runs + "/" + spec.checkpointName) }
    }

    /// A program installed beside this one (`train`).
    func siblingExecutable(_ name: String) -> String {
        let me = URL(fileURLWithPath: Bundle.main.executablePath ?? CommandLine.arguments[0])
        return me.deletingLastPathComponent().appendingPathComponent(name).path
    }
}

MuJoCoCurves.suiteMain()
