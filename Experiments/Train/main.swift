import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an agent on an environment and write its evaluation returns to a run file.",
        discussion: """
            Presets: 'paper' (Tables 3-4: one update per step, Adam 3e-4, 2 x 256), 'authors-code' \
            (main.py defaults: 10000 random steps, 50 updates every 50 steps after 1000, lr 1e-3, \
            actor 3 x 256, alpha 0.2), 'smoke' (small networks, a few hundred steps). The run file \
            holds eval_steps, eval_returns (points x episodes), episode_returns and the attributes \
            params_sha256 and replay_sha256 in the group /train. With --checkpoint-every K the full \
            state goes to OUT.ckpt.h5 every K steps; --resume continues from it bit for bit.
            """)

    static var implementedAgents: [String] { TrainRunConfig.implementedAgents }
    static var plannedAgents: [String] { TrainRunConfig.plannedAgents }
    static var envIDs: [String] { TrainRunConfig.envIDs }

    @Option(help: "Agent: \(TrainRunConfig.implementedAgents.joined(separator: ", ")) (planned: \(TrainRunConfig.plannedAgents.joined(separator: ", "))).")
    var agent: String?

    @Option(help: "Environment: \(envIDs.joined(separator: ", ")).")
    var env: String?

    @Flag(help: "List the agents (id, paper name, learning, experiments, options) and exit.")
    var listAgents = false

    @Flag(help: "With --list-agents: one JSON array instead of a table.")
    var json = false

    @Option(name: .customLong("set"), parsing: .singleValue,
            help: "FIELD=VALUE: set one configuration field by its --show-config name (repeatable), e.g. --set schedule.startSteps=1000 --set batchSize=256.")
    var overrides: [String] = []

    @Flag(help: "Print every configuration field of the run, its value and where it came from (preset, option, --set), and exit.")
    var showConfig = false

    @Option(parsing: .unconditional, help: "Temperature for both alpha_c and alpha_a (default: the preset's).")
    var alpha: Double?

    @OptionGroup var seedOption: SeedOption

    var seed: Int { seedOption.seed }

    @Option(parsing: .unconditional, help: "Environment steps (default: smoke 300, multigoal 20000, MuJoCo 1000000).")
    var steps: Int?

    @Option(help: "paper, authors-code or smoke.")
    var preset: String = "paper"

    @Option(parsing: .unconditional, help: "Evaluate every this many steps (default: the preset's, 1000).")
    var evalEvery: Int?

    @Option(parsing: .unconditional, help: "Test episodes per evaluation (default: the preset's).")
    var evalEpisodes: Int?

    @Option(help: "Evaluate on this environment instead of --env (e.g. Multigoal-obstacle); same dimensions.")
    var evalEnv: String?

    @Option(parsing: .unconditional, help: "S2AC: particles per state, m (default: the preset's).")
    var particles: Int?

    @Option(parsing: .unconditional, help: "S2AC: SVGD steps L of the chosen agent (default: the preset's).")
    var svgdSteps: Int?

    @Option(parsing: .unconditional, help: "S2AC: SVGD step size eps (default: the preset's).")
    var svgdStepSize: Double?

    @Option(parsing: .unconditional, help: "S2AC: kernel bandwidth rule (forth, median, quantile25, mean, paper-table3) or a fixed sigma.")
    var bandwidth: String?

    @Option(parsing: .unconditional, help: "S2AC(phi): standard deviation of the fixed q0.")
    var sigmaP0: Double?

    @Option(parsing: .unconditional, help: "Hidden widths of the critics, comma-separated (e.g. 256,256).")
    var criticHidden: String?

    @Option(parsing: .unconditional, help: "Hidden widths of the actor (SAC) or q0 network (S2AC(phi,theta)), comma-separated.")
    var actorHidden: String?

    @Option(help: "Output run file (.h5).")
    var out: String?

    @Option(parsing: .unconditional, help: "Write a checkpoint (OUT.ckpt.h5) every this many steps; 0 = never.")
    var checkpointEvery: Int = 0

    @Flag(help: "Continue from OUT.ckpt.h5 (same configuration).")
    var resume = false

    @OptionGroup var forceOption: ForceOption

    var force: Bool { forceOption.force }

    @OptionGroup var quietOption: QuietOption

    var quiet: Bool { quietOption.quiet }

    @OptionGroup var threadsOption: ThreadsOption

    var threads: Int { threadsOption.count(default: 1) }

    func validate() throws {
        if listAgents { return }
        guard agent != nil else { throw ValidationError("--agent is required (--list-agents lists them)") }
        guard let env else { throw ValidationError("--env is required") }
        guard Self.envIDs.contains(env) else {
            throw ValidationError("--env must be one of \(Self.envIDs.joined(separator: ", ")), got '\(env)'")
        }
        if let evalEnv, !Self.envIDs.contains(evalEnv) {
            throw ValidationError("--eval-env must be one of \(Self.envIDs.joined(separator: ", ")), got '\(evalEnv)'")
        }
        guard ["paper", "authors-code", "smoke"].contains(preset) else {
            throw ValidationError("--preset must be paper, authors-code or smoke, got '\(preset)'")
        }
        if let alpha { try requireRange(alpha, TrainRunConfig.alphaRange, flag: "alpha") }
        try requireRange(seed, 0...Int(Int32.max), flag: "seed")
        if let steps { try requireRange(steps, 1...100_000_000, flag: "steps") }
        if let evalEvery { try requireRange(evalEvery, 0...100_000_000, flag: "eval-every") }
        if let evalEpisodes { try requireRange(evalEpisodes, 1...1000, flag: "eval-episodes") }
        try requireRange(checkpointEvery, 0...100_000_000, flag: "checkpoint-every")
        if showConfig { return }
        guard let out else { throw ValidationError("--out is required") }
        guard out.hasSuffix(".h5") else { throw ValidationError("--out must name a .h5 file, got '\(out)'") }
    }

    /// "256,256" -> [256, 256]; nil stays nil.
    func widths(_ text: String?, _ flag: String) throws -> [Int]? {
        guard let text else { return nil }
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ $0 != nil }) else {
            throw InputError("--\(flag) must be comma-separated integers, got '\(text)'")
        }
        return parts.map { $0! }
    }

    func run() throws {
        if listAgents { return try printAgents() }
        guard let agent, let env, let out = showConfig ? (self.out ?? "") : self.out else { return }
        // From the start, so a signal during set-up is acted on after the first step.
        StopSignals.install()
        let resolved = try TrainRunConfig.resolve(agent: agent, env: env, preset: preset, seed: seed, steps: steps,
                                                  alpha: alpha, evalEvery: evalEvery, evalEpisodes: evalEpisodes,
                                                  checkpointEvery: checkpointEvery, evaluationEnv: evalEnv)
        let options = try resolved.overrides(for: AgentOptions(
            particles: particles, svgdSteps: svgdSteps, svgdStepSize: svgdStepSize, bandwidth: bandwidth, sigmaP0: sigmaP0,
            criticHidden: try widths(criticHidden, "critic-hidden"), actorHidden: try widths(actorHidden, "actor-hidden")))
        let sets = try overrides.map(ConfigOverride.init(parsing:))
        let config = try resolved.setting(options + sets)
        if showConfig {
            let preset = try TrainRunConfig.resolve(agent: agent, env: env, preset: self.preset, seed: seed)
            print(config.showConfig(preset: preset, options: try resolved.setting(options), sources: options + sets))
            return
        }
        let configJSON = try canonicalJSON(config)
        let checkpointPath = runCheckpointPath(out)
        if resume && !FileManager.default.fileExists(atPath: checkpointPath) {
            throw InputError("--resume: no checkpoint at \(checkpointPath)")
        }
        // A fresh start would overwrite the checkpoint of an interrupted run at its first write.
        if !resume && !force && checkpointEvery > 0 && FileManager.default.fileExists(atPath: checkpointPath) {
            throw InputError("\(checkpointPath) holds a checkpoint: pass --resume to continue that run, "
                             + "or --force to start again and replace it")
        }

        // Before any allocation or step: an output that cannot be written is refused at once.
        if !resume { try requireWritableResult(path: out, force: force) }
        try config.requireFitsInMemory()
        setEngineThreads(threads)
        let trainer = try config.makeTrainer()
        trainer.showsProgress = !quiet
        if resume {
            try trainer.readCheckpoint(path: checkpointPath, configJSON: configJSON)
            FileHandle.standardError.write(Data("train: resumed at step \(trainer.step) from \(checkpointPath)\n".utf8))
        }
        // Opened last, so a refused resume leaves no partial file behind; still before the run.
        let writer = try ResultWriter(path: out, kind: "train", config: config, seed: seed, force: force)
        try trainer.run { t in
            if checkpointEvery > 0 && t.step % checkpointEvery == 0 {
                try t.writeCheckpoint(path: checkpointPath, configJSON: configJSON)
            }
            if let signal = StopSignals.received { try stop(t, signal: signal, writer: writer, checkpointPath: checkpointPath,
                                                            configJSON: configJSON) }
        }
        if let divergence = trainer.divergence {
            writer.abandon()
            let kept = checkpointEvery > 0 && FileManager.default.fileExists(atPath: checkpointPath)
                ? "; the last checkpoint before it is kept in \(checkpointPath)" : ""
            FileHandle.standardError.write(Data("train: diverged at \(divergence); no result written\(kept)\n".utf8))
            Foundation.exit(SuiteExit.diverged)
        }
        let group = try writer.root.createGroup("train")
        try trainer.writeResults(to: group)
        // Not part of the config: it does not change a bit of the results, and a run may resume
        // with another count.
        try group.setAttribute("engine_threads", .int(threads))
        try writer.commit()
        let last = trainer.evaluations.last.map { String(format: ", last eval return %.2f", $0.returns.reduce(0, +) / Double($0.returns.count)) } ?? ""
        print("train: \(agent) on \(env), \(trainer.step) steps, \(trainer.updates) updates\(last) -> \(out)")
    }

    /// `--list-agents`: the agent catalog, as a table or (`--json`) a JSON array.
    func printAgents() throws {
        let rows = AgentCatalog.listing()
        if json {
            let data = try JSONSerialization.data(withJSONObject: rows, options: [.sortedKeys, .prettyPrinted])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for e in AgentCatalog.all {
            let experiments = PaperExperiment.allCases.filter(e.experiments.contains).map(\.rawValue).joined(separator: ",")
            print("\(e.id.padding(toLength: 20, withPad: " ", startingAt: 0)) \(e.paperName.padding(toLength: 12, withPad: " ", startingAt: 0)) "
                  + "\(e.learning.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)) \(experiments.padding(toLength: 23, withPad: " ", startingAt: 0)) \(e.summary)")
        }
        for id in AgentCatalog.planned { print("\(id.padding(toLength: 20, withPad: " ", startingAt: 0)) (planned, not built yet)") }
    }

    /// SIGTERM or SIGINT between two steps: with checkpointing, the state after this step goes
    /// to the checkpoint and the run exits with `SuiteExit.stoppedWithCheckpoint`, so that
    /// `--resume` continues it bit for bit; without, it exits with 128 + the signal. Either way
    /// the unfinished result file is removed.
    func stop(_ t: Trainer, signal: Int32, writer: ResultWriter, checkpointPath: String, configJSON: String) throws -> Never {
        writer.abandon()
        if checkpointEvery > 0 {
            if t.step % checkpointEvery != 0 { try t.writeCheckpoint(path: checkpointPath, configJSON: configJSON) }
            FileHandle.standardError.write(Data("train: stopped by signal \(signal) at step \(t.step); checkpoint in \(checkpointPath): rerun with --resume to continue\n".utf8))
            Foundation.exit(SuiteExit.stoppedWithCheckpoint)
        }
        FileHandle.standardError.write(Data("train: stopped by signal \(signal) at step \(t.step); no checkpoint (--checkpoint-every 0), nothing kept\n".utf8))
        Foundation.exit(128 + signal)
    }
}

Train.suiteMain()
