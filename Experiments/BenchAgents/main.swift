import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Speed of the S2AC agents at Hopper dimensions (obs 11, act 3, batch 100, m 10, the
/// authors-code sizes: critic 2 x 256, q0 network 3 x 256, L = 20 for S2AC(phi), 3 for
/// S2AC(phi,theta)): one full update and one action selection (one state, softmax), beside
/// scripts/reference/torch_s2ac.py's PyTorch version of the same update with the same threads.
struct BenchAgents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-agents",
        abstract: "Time S2AC updates and action selection; write Results/bench/agents.csv.")

    @Option(help: "OpenBLAS threads (and torch.set_num_threads).")
    var threads: Int = 1

    @Option(help: "Timed repetitions (the median is reported).")
    var repetitions: Int = 10

    @Option(help: "Untimed repetitions before timing.")
    var warmup: Int = 2

    @Option(help: "Python with torch 2.15 for the PyTorch column; empty or missing: the column is nan.")
    var torchPython: String = ".venv-torch/bin/python"

    @Option(help: "The CSV file to write.")
    var output: String = "Results/bench/agents.csv"

    /// Every agent this tool can time.
    static let benchedAgents = ["s2ac-phi", "s2ac-phi-theta", "sac-nf"]

    @Option(name: .customLong("agents"), help: "Comma-separated agents to time (default: all of \(benchedAgents.joined(separator: ", "))).")
    var agentFilter: String = ""

    var selectedAgents: [String] {
        agentFilter.isEmpty ? Self.benchedAgents : agentFilter.split(separator: ",").map(String.init)
    }

    func validate() throws {
        for name in selectedAgents where !Self.benchedAgents.contains(name) {
            throw ValidationError("--agents: unknown agent '\(name)'; known: \(Self.benchedAgents.joined(separator: ", "))")
        }
        try requireRange(threads, 1...256, flag: "threads")
        try requireRange(repetitions, 1...10_000, flag: "repetitions")
        try requireRange(warmup, 0...10_000, flag: "warmup")
    }

    /// CPU time with one thread (immune to the other jobs on the machine), wall time otherwise;
    /// the PyTorch side uses the same rule.
    func seconds(_ f: () -> Void) -> Double { benchSeconds(cpu: threads == 1, f) }

    /// sgemm GFLOP/s on the peak probe (bench-engine's reference).
    func peakGFLOPS(_ probe: SGEMMPeakProbe) -> Double {
        // A long warm-up: the first products run before the core has reached its clock speed.
        for _ in 0..<50 { probe.run() }
        return probe.flops / median((0..<100).map { _ in seconds(probe.run) }) / 1e9
    }

    /// agent -> (update ms, action ms) from the PyTorch script, or nil when it cannot run.
    func torchTimes() -> [String: (Double, Double)] {
        guard !torchPython.isEmpty, FileManager.default.isExecutableFile(atPath: torchPython) else {
            print("bench-agents: no PyTorch at '\(torchPython)': torch columns are nan")
            return [:]
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: torchPython)
        p.arguments = ["scripts/reference/torch_s2ac.py", "bench", "--threads", "\(threads)", "--repeats", "\(repetitions)"]
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { print("bench-agents: cannot run PyTorch: \(error)"); return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var out: [String: (Double, Double)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ",").map(String.init)
            if f.count == 4, let u = Double(f[2]), let a = Double(f[3]) { out[f[0]] = (u, a) }
        }
        return out
    }

    func run() throws {
        setBLASThreads(threads)
        var rng = SeedTree(seed: 1).stream(.networkInit)
        var peakRNG = SeedTree(seed: 2).stream(.networkInit)
        let probe = SGEMMPeakProbe(using: &peakRNG)
        var peak = peakGFLOPS(probe)
        let (obs, act, batchSize) = (11, 3, 100)
        var config = S2ACConfig.authorsCode
        config.actorHidden = [256, 256, 256]
        var batch = ReplayBatch(batchSize: batchSize, observationDim: obs, actionDim: act)
        batch.observations = (0..<(batchSize * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<(batchSize * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<(batchSize * act)).map { _ in Float(rng.nextUniform(-1, 1)) }
        batch.rewards = (0..<batchSize).map { _ in Float(rng.nextGaussian()) }
        let agents: [(Agent, Int)] = [
            (try S2ACPhi(observationDimension: obs, actionDimension: act, config: config, using: &rng), config.stepsPhi),
            (try S2ACPhiTheta(observationDimension: obs, actionDimension: act, config: config, using: &rng), config.stepsPhiTheta),
        ]
        let s2acSelected = agents.contains { selectedAgents.contains($0.0.name) }
        let torch = s2acSelected ? torchTimes() : [:]
        let state = Tensor<Float>.randomNormal([1, obs], using: &rng)
        var lines = ["agent,env_dims,batch,particles,svgd_steps,threads,update_ms,torch_update_ms,action_ms,torch_action_ms,gflops,fraction_of_peak"]
        for (agent, steps) in agents where selectedAgents.contains(agent.name) {
            let flops = MatmulFLOPCounter.counting { _ = agent.update(batch: batch, using: &rng) }.flops
            for _ in 0..<warmup { _ = agent.update(batch: batch, using: &rng); _ = agent.act(observations: state, selection: .softmax, using: &rng) }
            var up: [Double] = [], ac: [Double] = []
            for _ in 0..<repetitions {
                up.append(seconds { _ = agent.update(batch: batch, using: &rng) })
                ac.append(seconds { _ = agent.act(observations: state, selection: .softmax, using: &rng) })
            }
            let u = median(up), a = median(ac)
            // The peak again, next to the case, so a busy spell at the start cannot inflate the ratio.
            peak = max(peak, peakGFLOPS(probe))
            let gflops = Double(flops) / u / 1e9
            let t = torch[agent.name]
            let line = [agent.name, "\(obs)x\(act)", "\(batchSize)", "\(config.particles)", "\(steps)", "\(threads)",
                        fmt(u * 1e3), t.map { fmt($0.0) } ?? "nan", fmt(a * 1e3), t.map { fmt($0.1) } ?? "nan",
                        fmt(gflops), fmt(gflops / peak)].joined(separator: ",")
            print(line)
            lines.append(line)
        }
        if selectedAgents.contains("sac-nf") {
            lines += sacNFRows(peak: &peak, probe: probe)
        }
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        print("bench-agents: wrote \(output) (threads \(threads), peak sgemm \(fmt(peak)) GFLOP/s, median of \(repetitions))")
    }

    func fmt(_ x: Double) -> String { String(format: "%.6g", x) }

    /// Runs `script` with `arguments` under the PyTorch Python (OMP_WAIT_POLICY=passive) and
    /// returns its stdout lines `name,dims,update_ms,action_ms` keyed by "name,dims".
    func torchLines(script: String, arguments: [String]) -> [String: (Double, Double)] {
        guard !torchPython.isEmpty, FileManager.default.isExecutableFile(atPath: torchPython) else { return [:] }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: torchPython)
        p.arguments = [script] + arguments
        var env = ProcessInfo.processInfo.environment
        env["OMP_WAIT_POLICY"] = "passive"
        p.environment = env
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { print("bench-agents: cannot run PyTorch: \(error)"); return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var out: [String: (Double, Double)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ",").map(String.init)
            if f.count == 4, let u = Double(f[2]), let a = Double(f[3]) { out[f[0] + "," + f[1]] = (u, a) }
        }
        return out
    }

    /// SAC-NF (paper preset: 2 x 256 ReLU networks, batch 100, 2 radial layers) at Hopper (11 x 3)
    /// and multigoal (2 x 2) dimensions: one full update and one single-state `sample` action,
    /// beside scripts/reference/torch_agents.py's `bench` mode with the same threads.
    func sacNFRows(peak: inout Double, probe: SGEMMPeakProbe) -> [String] {
        let torch = torchLines(script: "scripts/reference/torch_agents.py",
                               arguments: ["bench", "--threads", "\(threads)", "--repeats", "\(repetitions)"])
        var rows: [String] = []
        for (obs, act) in [(11, 3), (2, 2)] {
            var rng = SeedTree(seed: 3).stream(.networkInit)
            let config = SACNFConfig.paper(envID: "Hopper-v4")
            let agent = SACNF(observationDimension: obs, actionDimension: act, actionLimit: 1, config: config, using: &rng)
            let b = config.sac.batchSize
            var batch = ReplayBatch(batchSize: b, observationDim: obs, actionDim: act)
            batch.observations = (0..<(b * obs)).map { _ in Float(rng.nextGaussian()) }
            batch.nextObservations = (0..<(b * obs)).map { _ in Float(rng.nextGaussian()) }
            batch.actions = (0..<(b * act)).map { _ in Float(rng.nextUniform(-1, 1)) }
            batch.rewards = (0..<b).map { _ in Float(rng.nextGaussian()) }
            let state = Tensor<Float>.randomNormal([1, obs], using: &rng)
            let flops = MatmulFLOPCounter.counting { _ = agent.update(batch: batch, using: &rng) }.flops
            for _ in 0..<warmup { _ = agent.update(batch: batch, using: &rng); _ = agent.act(observations: state, selection: .sample, using: &rng) }
            var up: [Double] = [], ac: [Double] = []
            for _ in 0..<repetitions {
                up.append(seconds { _ = agent.update(batch: batch, using: &rng) })
                ac.append(seconds { _ = agent.act(observations: state, selection: .sample, using: &rng) })
            }
            let u = median(up), a = median(ac)
            peak = max(peak, peakGFLOPS(probe))
            let gflops = Double(flops) / u / 1e9
            let t = torch["sac-nf,\(obs)x\(act)"]
            let line = ["sac-nf", "\(obs)x\(act)", "\(b)", "1", "0", "\(threads)",
                        fmt(u * 1e3), t.map { fmt($0.0) } ?? "nan", fmt(a * 1e3), t.map { fmt($0.1) } ?? "nan",
                        fmt(gflops), fmt(gflops / peak)].joined(separator: ",")
            print(line + (t.map { ", torch/swift update \(fmt($0.0 / (u * 1e3)))" } ?? ""))
            rows.append(line)
        }
        return rows
    }
}

BenchAgents.suiteMain()
