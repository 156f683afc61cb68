import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Speed of the S2AC agents at Hopper dimensions (obs 11, act 3, batch 100, m 10, the
/// authors-code sizes: critic 2 x 256, q0 network 3 x 256, L = 20 for S2AC(phi), 3 for
/// S2AC(phi,theta)): one full update and one action selection (one state, softmax), beside
/// scripts/reference/torch_s2ac.py's PyTorch version of the same update with the same threads.
/// S2AC(phi,theta,psi) (L = 3) at Hopper and at multigoal dimensions (obs 2, act 2): its update
/// (S2AC(phi,theta)'s plus psi's step) and its amortized action selection.
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

    @Option(help: "Comma-separated agents to time (default: all).")
    var agents: String = ""

    /// Whether `--agents` selects `name`.
    func selected(_ name: String) -> Bool {
        agents.isEmpty || agents.split(separator: ",").contains { $0 == name }
    }

    func validate() throws {
        try requireRange(threads, 1...256, flag: "threads")
        try requireRange(repetitions, 1...10_000, flag: "repetitions")
        try requireRange(warmup, 0...10_000, flag: "warmup")
        let known = ["s2ac-phi", "s2ac-phi-theta", "s2ac-phi-theta-psi"]
        for name in agents.split(separator: ",") where !known.contains(String(name)) {
            throw ValidationError("--agents: unknown agent '\(name)' (\(known.joined(separator: ", ")))")
        }
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
        var timed: [(Agent, Int)] = []
        if selected("s2ac-phi") {
            timed.append((try S2ACPhi(observationDimension: obs, actionDimension: act, config: config, using: &rng), config.stepsPhi))
        }
        if selected("s2ac-phi-theta") {
            timed.append((try S2ACPhiTheta(observationDimension: obs, actionDimension: act, config: config, using: &rng),
                           config.stepsPhiTheta))
        }
        let torch = torchTimes()
        let state = Tensor<Float>.randomNormal([1, obs], using: &rng)
        var lines = ["agent,env_dims,batch,particles,svgd_steps,threads,update_ms,torch_update_ms,action_ms,torch_action_ms,gflops,fraction_of_peak"]
        for (agent, steps) in timed {
            let (u, a, flops) = time(agent, batch: batch, state: state, selection: .softmax, using: &rng)
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
        if selected("s2ac-phi-theta-psi") {
            for (o, d) in [(obs, act), (2, 2)] {
                let line = try amortizedRow(observationDimension: o, actionDimension: d, batchSize: batchSize,
                                            torch: torch, probe: probe, peak: &peak, using: &rng)
                print(line)
                lines.append(line)
            }
        }
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        print("bench-agents: wrote \(output) (threads \(threads), peak sgemm \(fmt(peak)) GFLOP/s, median of \(repetitions))")
    }

    /// Median seconds of one update and of one action selection, and the update's matmul FLOPs.
    func time(_ agent: Agent, batch: ReplayBatch, state: Tensor<Float>, selection: ActionSelection,
              using rng: inout Xoshiro256) -> (update: Double, action: Double, flops: Int) {
        let flops = MatmulFLOPCounter.counting { _ = agent.update(batch: batch, using: &rng) }.flops
        for _ in 0..<warmup { _ = agent.update(batch: batch, using: &rng); _ = agent.act(observations: state, selection: selection, using: &rng) }
        var up: [Double] = [], ac: [Double] = []
        for _ in 0..<repetitions {
            up.append(seconds { _ = agent.update(batch: batch, using: &rng) })
            ac.append(seconds { _ = agent.act(observations: state, selection: selection, using: &rng) })
        }
        return (median(up), median(ac), flops)
    }

    /// The S2AC(phi,theta,psi) row at obs x act (authors-code sizes: critic 2 x 256, q0 network
    /// and f_psi 3 x 256, m 10, L 3): update and amortized action selection; PyTorch's key is
    /// `s2ac-phi-theta-psi@<obs>x<act>`.
    func amortizedRow(observationDimension obs: Int, actionDimension act: Int, batchSize: Int,
                      torch: [String: (Double, Double)], probe: SGEMMPeakProbe, peak: inout Double,
                      using rng: inout Xoshiro256) throws -> String {
        var config = S2ACConfig.authorsCode
        config.actorHidden = [256, 256, 256]
        let agent = try S2ACPhiThetaPsi(observationDimension: obs, actionDimension: act, config: config,
                                        amortized: .authorsCode, using: &rng)
        var batch = ReplayBatch(batchSize: batchSize, observationDim: obs, actionDim: act)
        batch.observations = (0..<(batchSize * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<(batchSize * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<(batchSize * act)).map { _ in Float(rng.nextUniform(-1, 1)) }
        batch.rewards = (0..<batchSize).map { _ in Float(rng.nextGaussian()) }
        let state = Tensor<Float>.randomNormal([1, obs], using: &rng)
        let (u, a, flops) = time(agent, batch: batch, state: state, selection: .amortized, using: &rng)
        peak = max(peak, peakGFLOPS(probe))
        let gflops = Double(flops) / u / 1e9
        let t = torch["\(agent.name)@\(obs)x\(act)"]
        return [agent.name, "\(obs)x\(act)", "\(batchSize)", "\(config.particles)", "\(config.stepsPhiTheta)", "\(threads)",
                fmt(u * 1e3), t.map { fmt($0.0) } ?? "nan", fmt(a * 1e3), t.map { fmt($0.1) } ?? "nan",
                fmt(gflops), fmt(gflops / peak)].joined(separator: ",")
    }

    func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
}

BenchAgents.suiteMain()
