import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Table 1: the time each agent takes to select one action for one observation, as in its test
/// episodes, from the observation array to the action array.
struct Table1: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "table1",
        abstract: "Time every agent's test-time action selection at the MuJoCo dimensions (Table 1); write a table1 result file.",
        discussion: """
            For every agent and environment, at every engine thread count: --warmup untimed \
            selections, then --reps timed ones (CPU clock with one thread, wall clock with \
            more), each one observation array to one action array with the agent's test-time \
            rule (S2AC: q0, L SVGD steps, Q of the particles, softmax pick; S2AC(phi,theta,psi): \
            f_psi; SAC, SAC-NF: the mean; SQL: softmax over its sampler's particles). Networks \
            are freshly initialised with --preset's sizes, or a trained run file's (--runs). The \
            1-minute load average is recorded before and after each cell. With a PyTorch \
            (--torch-python), our PyTorch version of the same selection is timed in the same \
            run at the same thread count (scripts/reference/torch_table1.py).
            """)

    @Option(help: "Comma-separated agents (default: all, the paper's rows first: \(Table1Registry.agentNames.joined(separator: ","))).")
    var agents: String?

    @Option(help: "Comma-separated environments (default: \(Table1Config.defaultEnvs.joined(separator: ","))).")
    var envs: String?

    @Option(help: "Whose network sizes fresh agents get: paper, authors-code or smoke.")
    var preset: String = "paper"

    @Option(parsing: .unconditional, help: "Comma-separated engine thread counts.")
    var threads: String = "1,2"

    @Option(parsing: .unconditional, help: "Timed selections per agent, environment and thread count.")
    var reps: Int = 300

    @Option(parsing: .unconditional, help: "Untimed selections before timing.")
    var warmup: Int = 30

    @OptionGroup var seedOption: SeedOption

    var seed: Int { seedOption.seed }

    @Option(help: "Comma-separated run files (multigoal run files, train checkpoints *.ckpt.h5) or folders of run files whose trained agents are timed instead of fresh ones; a file of an agent outside --agents is refused.")
    var runs: String?

    @Option(help: "Python for the PyTorch column: 'auto' (.venv-torch/bin/python, then python3 on PATH, the first that imports torch), a path, or 'none'.")
    var torchPython: String = "auto"

    @Option(help: "The PyTorch timing script.")
    var torchScript: String = "scripts/reference/torch_table1.py"

    @Option(help: "The result file.")
    var out: String = "Results/table1/table1.h5"

    @OptionGroup var forceOption: ForceOption

    var force: Bool { forceOption.force }

    @OptionGroup var quietOption: QuietOption

    var quiet: Bool { quietOption.quiet }

    static func list(_ text: String) -> [String] {
        text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    }

    func makeConfig() throws -> Table1Config {
        let counts = Self.list(threads).map { Int($0) }
        guard counts.allSatisfy({ $0 != nil }) else { throw InputError("--threads must be comma-separated integers, got '\(threads)'") }
        let config = Table1Config(agents: agents.map(Self.list) ?? Table1Registry.agentNames,
                                  envs: envs.map(Self.list) ?? Table1Config.defaultEnvs, preset: preset,
                                  threads: counts.map { $0! }, reps: reps, warmup: warmup, seed: seed,
                                  runs: runs.map(Self.list) ?? [])
        try config.validate()
        guard TrainRunConfig.presets.contains(preset) else {
            throw InputError("--preset must be one of \(TrainRunConfig.presets.joined(separator: ", ")), got '\(preset)'")
        }
        return config
    }

    func progress(_ line: String) {
        if !quiet { FileHandle.standardError.write(Data("table1: \(line)\n".utf8)) }
    }

    func run() throws {
        let config = try makeConfig()
        try requireWritableResult(path: out, force: force)
        // The agents, fresh or trained, all built before any timing.
        var timed: [(agent: TimedAgent, weights: String)] = []
        if config.runs.isEmpty {
            for env in config.envs {
                for agent in config.agents {
                    timed.append((try Table1Registry.timedAgent(agent: agent, env: env, preset: preset, seed: seed), "fresh"))
                }
            }
        } else {
            let loaded = try Table1RunFiles.load(config.runs, agents: config.agents)
            guard !loaded.isEmpty else { throw InputError("--runs: no run file of \(config.agents.joined(separator: ",")) found") }
            timed = loaded.map { ($0.agent, URL(fileURLWithPath: $0.file).lastPathComponent) }
        }
        let torch = TorchSide(python: torchPython, script: torchScript)
        progress("\(timed.count) agents x \(config.threads.count) thread counts, \(reps) timed selections each after \(warmup); "
                 + "load average \(String(format: "%.2f", loadAverage1())); PyTorch: \(torch.description)")
        var cells: [Table1Cell] = []
        for t in config.threads {
            let clock = (name: t == 1 ? "cpu" : "wall", seconds: { (f: () -> Void) in benchSeconds(cpu: t == 1, f) })
            var atThisCount: [Table1Cell] = []
            for (k, entry) in timed.enumerated() {
                let cell = Table1Timer.time(entry.agent, threads: t, reps: reps, warmup: warmup, seed: seed, weights: entry.weights, clock: clock)
                progress(String(format: "[%d/%d] %@ %@, %d thread%@: median %.4g ms (IQR %.4g-%.4g), load %.2f",
                                cells.count + k + 1, timed.count * config.threads.count, cell.agent, cell.env, t, t == 1 ? "" : "s",
                                cell.medianMS, cell.q1MS, cell.q3MS, cell.loadAfter))
                atThisCount.append(cell)
            }
            let torchTimes = torch.time(timed.map(\.agent), threads: t, reps: reps, warmup: warmup, progress: progress)
            for (i, value) in torchTimes { atThisCount[i].torchMS = value }
            cells += atThisCount
        }
        setEngineThreads(1)
        try Table1Results.write(cells, config: config, torch: torch.description, to: out, force: force)
        print("table1: \(cells.count) cells -> \(out)")
    }
}

/// Our PyTorch version of the same selections, run as a child process per thread count.
struct TorchSide {
    /// The Python that imports torch, nil when none does.
    let python: String?
    let script: String
    /// Which PyTorch, or why none.
    let description: String

    init(python choice: String, script: String) {
        self.script = script
        let candidates = choice == "none" ? [] : choice == "auto" ? [".venv-torch/bin/python", "python3"] : [choice]
        var found: (String, String)?
        for c in candidates {
            if let version = Self.torchVersion(c) { found = (c, version); break }
        }
        python = found?.0
        description = found.map { "torch \($0.1) (\($0.0))" }
            ?? (choice == "none" ? "not run (--torch-python none)" : "not run (no Python that imports torch among \(candidates.joined(separator: ", ")))")
    }

    /// torch's version as `python` imports it, nil when it does not.
    static func torchVersion(_ python: String) -> String? {
        guard let r = Self.run(python, ["-c", "import torch; print(torch.__version__)"], environment: [:]), r.code == 0 else { return nil }
        return r.out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func run(_ program: String, _ arguments: [String], environment: [String: String]) -> (code: Int32, out: String)? {
        let p = Process()
        // A bare name is looked up on PATH.
        if program.contains("/") { p.executableURL = URL(fileURLWithPath: program); p.arguments = arguments } else {
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env"); p.arguments = [program] + arguments
        }
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.standardError
        do { try p.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// (index into `agents`, (median, q1, q3) ms) for every agent the script timed; empty
    /// without a PyTorch or when the script fails (said on standard error).
    func time(_ agents: [TimedAgent], threads: Int, reps: Int, warmup: Int,
              progress: (String) -> Void) -> [(Int, (median: Double, q1: Double, q3: Double))] {
        guard let python else { return [] }
        let cases = agents.map { a -> [String: Any] in
            ["agent": a.agent.name, "env": a.env, "obs": a.agent.observationDimension, "act": a.agent.actionDimension, "limit": Double(a.actionLimit),
             "config": (try? JSONSerialization.jsonObject(with: Data(a.configJSON.utf8))) ?? [:]]
        }
        let file = NSTemporaryDirectory() + "table1-cases-\(getpid()).json"
        defer { unlink(file) }
        guard let data = try? JSONSerialization.data(withJSONObject: cases), (try? data.write(to: URL(fileURLWithPath: file))) != nil else {
            progress("cannot write the PyTorch cases to \(file); torch column empty"); return []
        }
        progress("PyTorch, \(threads) thread\(threads == 1 ? "" : "s"): \(agents.count) agents")
        let args = [script, "--cases", file, "--threads", "\(threads)", "--reps", "\(reps)", "--warmup", "\(warmup)"]
        guard let r = Self.run(python, args, environment: ["OMP_WAIT_POLICY": "passive"]), r.code == 0 else {
            progress("the PyTorch script failed; torch column empty at \(threads) thread(s)"); return []
        }
        return r.out.split(separator: "\n").compactMap { line in
            let f = line.split(separator: ",").map { Double($0) }
            guard f.count == 4, let i = f[0].map(Int.init), agents.indices.contains(i), let m = f[1], let a = f[2], let b = f[3] else { return nil }
            return (i, (m, a, b))
        }
    }
}

Table1.suiteMain()
