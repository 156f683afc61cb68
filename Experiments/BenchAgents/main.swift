import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Speed of the agents: one full update (batch 100) and one action selection (one state), beside
/// our PyTorch version of the same update with the same threads (scripts/reference/). One
/// function per group of rows: S2AC at Hopper dimensions (obs 11, act 3, m 10, authors-code
/// sizes: critic 2 x 256, q0 network 3 x 256, L = 20 for S2AC(phi), 3 for S2AC(phi,theta));
/// SAC at Hopper and multigoal (obs 2, act 2) dimensions. For SAC `particles` is 1 and
/// `svgd_steps` 0.
struct BenchAgents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-agents",
        abstract: "Time agent updates and action selection; write Results/bench/agents.csv.")

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

    func validate() throws {
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

    /// The CSV lines a PyTorch script prints in bench mode (split at commas), or none when it cannot run.
    func torchLines(_ script: String) -> [[String]] {
        guard !torchPython.isEmpty, FileManager.default.isExecutableFile(atPath: torchPython) else {
            print("bench-agents: no PyTorch at '\(torchPython)': torch columns are nan")
            return []
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: torchPython)
        p.arguments = [script, "bench", "--threads", "\(threads)", "--repeats", "\(repetitions)"]
        // Idle OpenMP workers sleep instead of spinning on the cores the other side needs.
        p.environment = ProcessInfo.processInfo.environment.merging(["OMP_WAIT_POLICY": "passive"]) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { print("bench-agents: cannot run PyTorch: \(error)"); return [] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
    }

    /// One timed agent: median update and action milliseconds (interleaved repetitions after a
    /// warm-up) and the update's matmul FLOPs.
    func time(update: () -> Void, act: () -> Void) -> (updateMS: Double, actionMS: Double, flops: Int) {
        let flops = MatmulFLOPCounter.counting(update).flops
        for _ in 0..<warmup { update(); act() }
        var up: [Double] = [], ac: [Double] = []
        for _ in 0..<repetitions {
            up.append(seconds(update))
            ac.append(seconds(act))
        }
        return (median(up) * 1e3, median(ac) * 1e3, flops)
    }

    /// A CSV row; `peak` is the sgemm GFLOP/s measured next to it.
    func row(_ agent: String, dims: String, batch: Int, particles: Int, steps: Int, times t: (updateMS: Double, actionMS: Double, flops: Int),
             torch: (Double, Double)?, peak: Double) -> String {
        let gflops = Double(t.flops) / (t.updateMS * 1e-3) / 1e9
        let line = [agent, dims, "\(batch)", "\(particles)", "\(steps)", "\(threads)", fmt(t.updateMS),
                    torch.map { fmt($0.0) } ?? "nan", fmt(t.actionMS), torch.map { fmt($0.1) } ?? "nan",
                    fmt(gflops), fmt(gflops / peak)].joined(separator: ",")
        print(line)
        return line
    }

    /// A batch of 100 random transitions.
    func randomBatch(obs: Int, act: Int, using rng: inout Xoshiro256) -> ReplayBatch {
        let batchSize = 100
        var batch = ReplayBatch(batchSize: batchSize, observationDim: obs, actionDim: act)
        batch.observations = (0..<(batchSize * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<(batchSize * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<(batchSize * act)).map { _ in Float(rng.nextUniform(-1, 1)) }
        batch.rewards = (0..<batchSize).map { _ in Float(rng.nextGaussian()) }
        return batch
    }

    /// S2AC(phi) and S2AC(phi,theta) at Hopper dimensions (authors-code sizes, q0 3 x 256),
    /// softmax selection, beside torch_s2ac.py.
    func s2acRows(probe: SGEMMPeakProbe, peak: inout Double) throws -> [String] {
        var rng = SeedTree(seed: 1).stream(.networkInit)
        let (obs, act) = (11, 3)
        var config = S2ACConfig.authorsCode
        config.actorHidden = [256, 256, 256]
        let batch = randomBatch(obs: obs, act: act, using: &rng)
        let agents: [(Agent, Int)] = [
            (try S2ACPhi(observationDimension: obs, actionDimension: act, config: config, using: &rng), config.stepsPhi),
            (try S2ACPhiTheta(observationDimension: obs, actionDimension: act, config: config, using: &rng), config.stepsPhiTheta),
        ]
        var torch: [String: (Double, Double)] = [:]
        for f in torchLines("scripts/reference/torch_s2ac.py") where f.count == 4 {
            if let u = Double(f[2]), let a = Double(f[3]) { torch[f[0]] = (u, a) }
        }
        let state = Tensor<Float>.randomNormal([1, obs], using: &rng)
        return agents.map { agent, steps in
            let t = time(update: { _ = agent.update(batch: batch, using: &rng) },
                         act: { _ = agent.act(observations: state, selection: .softmax, using: &rng) })
            // The peak again, next to the case, so a busy spell at the start cannot inflate the ratio.
            peak = max(peak, peakGFLOPS(probe))
            return row(agent.name, dims: "\(obs)x\(act)", batch: batch.batchSize, particles: config.particles, steps: steps,
                       times: t, torch: torch[agent.name], peak: peak)
        }
    }

    /// SAC (paper sizes: critics and actor 2 x 256, ReLU) at Hopper and multigoal dimensions,
    /// mean action for one state, beside torch_agents.py's SAC.
    func sacRows(probe: SGEMMPeakProbe, peak: inout Double) -> [String] {
        var torch: [String: (Double, Double)] = [:]
        for f in torchLines("scripts/reference/torch_agents.py") where f.count == 5 && f[0] == "sac" {
            if let u = Double(f[3]), let a = Double(f[4]) { torch["\(f[1])x\(f[2])"] = (u, a) }
        }
        return [(11, 3, "Hopper-v3"), (2, 2, "Multigoal")].map { obs, act, env in
            var rng = SeedTree(seed: 3).stream(.networkInit)
            let agent = SAC(observationDimension: obs, actionDimension: act, actionLimit: 1,
                            config: .paper(envID: env), using: &rng)
            let batch = randomBatch(obs: obs, act: act, using: &rng)
            let state = Tensor<Float>.randomNormal([1, obs], using: &rng)
            let t = time(update: { _ = agent.update(batch: batch, using: &rng) },
                         act: { _ = agent.act(observations: state, selection: .mean, using: &rng) })
            peak = max(peak, peakGFLOPS(probe))
            return row(agent.name, dims: "\(obs)x\(act)", batch: batch.batchSize, particles: 1, steps: 0,
                       times: t, torch: torch["\(obs)x\(act)"], peak: peak)
        }
    }

    func run() throws {
        setBLASThreads(threads)
        var peakRNG = SeedTree(seed: 2).stream(.networkInit)
        let probe = SGEMMPeakProbe(using: &peakRNG)
        var peak = peakGFLOPS(probe)
        var lines = ["agent,env_dims,batch,particles,svgd_steps,threads,update_ms,torch_update_ms,action_ms,torch_action_ms,gflops,fraction_of_peak"]
        lines += try s2acRows(probe: probe, peak: &peak)
        lines += sacRows(probe: probe, peak: &peak)
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        print("bench-agents: wrote \(output) (threads \(threads), peak sgemm \(fmt(peak)) GFLOP/s, median of \(repetitions))")
    }

    func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
}

BenchAgents.suiteMain()
