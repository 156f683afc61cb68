import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Speed of every agent: one full update (batch 100) and one action selection for one state,
/// beside our PyTorch version of the same update with the same threads
/// (scripts/reference/torch_s2ac.py for the S2AC agents, torch_agents.py for SAC, SQL and
/// SAC-NF), run with OMP_WAIT_POLICY=passive so its thread pool does not spin against ours.
/// Every agent at Hopper (obs 11, act 3) and multigoal (obs 2, act 2) dimensions: S2AC at the
/// authors-code sizes (critic 2 x 256, q0 network 3 x 256, m 10, L 20 for S2AC(phi), 3 for
/// S2AC(phi,theta)), softmax selection; S2AC(phi,theta,psi) (f_psi 3 x 256, amortized
/// selection), SAC (paper 2 x 256, mean action), SQL (m 10, softmax) and SAC-NF (2 radial
/// layers, a sample). `gemm_ms` replays the matrix products of one update alone (recorded by
/// `MatmulFLOPCounter`) on preallocated operands: the update's BLAS floor at equal work.
struct BenchAgents: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-agents",
        abstract: "Time every agent's update and action selection; write Results/bench/agents.csv.")

    @Option(parsing: .unconditional, help: "Comma-separated engine thread counts (setEngineThreads; torch.set_num_threads on the PyTorch side); every agent is timed at each, and the CSV has a row per agent, dimensions and count.")
    var threads: String = "1"

    var threadCounts: [Int] { threads.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }

    @Option(parsing: .unconditional, help: "Timed repetitions (the median is reported).")
    var repetitions: Int = 10

    @Option(parsing: .unconditional, help: "Untimed repetitions before timing.")
    var warmup: Int = 2

    @Flag(help: "Print each case's matrix products (count and FLOP share per shape) before timing.")
    var listGemm = false

    @Option(parsing: .unconditional, help: "Rounds, each timing every Swift case and then the PyTorch side; each column is the median of its rounds' medians, so a busy spell of the machine cannot fall on one side only.")
    var rounds: Int = 3

    @Option(help: "Python with torch 2.15 for the PyTorch column; empty or missing: the column is nan.")
    var torchPython: String = ".venv-torch/bin/python"

    @Option(help: "The CSV file to write.")
    var output: String = "Results/bench/agents.csv"

    @Option(help: "Observation x action sizes every agent is timed at, comma-separated (Hopper 11x3, multigoal 2x2; HalfCheetah 17x6, Ant with contact forces 111x8, Humanoid 376x17). The PyTorch column covers 11x3 and 2x2.")
    var dims: String = "11x3,2x2"

    @Option(help: "Build every agent from this train preset (paper, authors-code, smoke) with its own test rule, instead of the PyTorch twins' presets; the PyTorch columns are then nan for every agent whose twin uses another preset.")
    var preset: String?

    @Option(help: "Observations of the batched action selection (action_batch_ms: one act for this many observations, a time step of an evaluation point with this many test episodes running).")
    var actionBatch: Int = 100

    /// `--dims` as (observation, action) sizes.
    func dimensionPairs() throws -> [(obs: Int, act: Int)] {
        try dims.split(separator: ",").map { item in
            let parts = item.split(separator: "x").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard parts.count == 2, let o = parts[0], let a = parts[1], (1...10_000).contains(o), (1...1000).contains(a) else {
                throw ValidationError("--dims takes OBSxACT sizes such as 11x3, got '\(item)'")
            }
            return (o, a)
        }
    }

    /// Every agent of the catalog.
    static var agentNames: [String] { AgentCatalog.ids }

    /// The preset and action rule of the agents timed against a PyTorch twin
    /// (scripts/reference/torch_s2ac.py, torch_agents.py), which fixes their sizes; the other
    /// agents are timed in the paper preset with their test-time rule.
    static let torchTwins: [String: (preset: String, selection: ActionSelection)] = [
        "s2ac-phi": ("authors-code", .softmax), "s2ac-phi-theta": ("authors-code", .softmax),
        "s2ac-phi-theta-psi": ("authors-code", .amortized), "sql": ("authors-code", .softmax),
        "sac": ("paper", .mean), "sac-nf": ("paper", .sample),
    ]

    @Option(help: "Comma-separated agents to time (\(agentNames.joined(separator: ", "))).")
    var agents: String = agentNames.joined(separator: ",")

    var selectedAgents: [String] { agents.split(separator: ",").map(String.init) }

    func validate() throws {
        let counts = threads.split(separator: ",", omittingEmptySubsequences: false)
        guard !counts.isEmpty, counts.count == threadCounts.count else {
            throw ValidationError("--threads must be comma-separated integers, got '\(threads)'")
        }
        for t in threadCounts { try requireRange(t, 1...256, flag: "threads") }
        try requireRange(repetitions, 1...10_000, flag: "repetitions")
        try requireRange(warmup, 0...10_000, flag: "warmup")
        try requireRange(rounds, 1...100, flag: "rounds")
        try requireRange(actionBatch, 1...10_000, flag: "action-batch")
        if let preset, !TrainRunConfig.presets.contains(preset) {
            throw ValidationError("--preset must be one of \(TrainRunConfig.presets.joined(separator: ", ")), got '\(preset)'")
        }
        _ = try dimensionPairs()
        let unknown = selectedAgents.filter { !Self.agentNames.contains($0) }
        if selectedAgents.isEmpty || !unknown.isEmpty {
            throw ValidationError("--agents must list some of \(Self.agentNames.joined(separator: ", ")), got '\(agents)'")
        }
    }

    /// CPU time with one thread (immune to the other jobs on the machine), wall time otherwise;
    /// the PyTorch side uses the same rule.
    func seconds(_ threads: Int, _ f: () -> Void) -> Double { benchSeconds(cpu: threads == 1, f) }

    /// sgemm GFLOP/s on the peak probe (bench-engine's reference).
    func peakGFLOPS(_ probe: SGEMMPeakProbe, threads: Int) -> Double {
        probe.peakGFLOPS { seconds(threads, $0) }
    }

    /// "agent@obsxact" -> (update ms, action ms) from a PyTorch script's `bench` mode (lines
    /// `agent,svgd_steps,update_ms,action_ms` from torch_s2ac.py at Hopper dimensions, or
    /// `agent,env_dims,update_ms,action_ms` from torch_agents.py); empty when it cannot run.
    func torchTimes(script: String, threads: Int) -> [String: (Double, Double)] {
        guard !torchPython.isEmpty, FileManager.default.isExecutableFile(atPath: torchPython) else {
            print("bench-agents: no PyTorch at '\(torchPython)': torch columns are nan")
            return [:]
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: torchPython)
        p.arguments = [script, "bench", "--threads", "\(threads)", "--repeats", "\(repetitions)"]
        p.environment = ProcessInfo.processInfo.environment.merging(["OMP_WAIT_POLICY": "passive"]) { $1 }
        let pipe = Pipe()
        p.standardOutput = pipe
        do { try p.run() } catch { print("bench-agents: cannot run PyTorch: \(error)"); return [:] }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        var out: [String: (Double, Double)] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let f = line.split(separator: ",").map(String.init)
            guard f.count == 4, let u = Double(f[2]), let a = Double(f[3]) else { continue }
            // torch_s2ac.py names its rows `agent` (Hopper dimensions) or `agent@<obs>x<act>`.
            let key = f[0].contains("@") ? f[0] : f[1].contains("x") ? "\(f[0])@\(f[1])" : "\(f[0])@11x3"
            out[key] = (u, a)
        }
        return out
    }

    /// A replay batch of `size` transitions with Gaussian states and rewards, uniform actions.
    func benchBatch(size: Int, obs: Int, act: Int, using rng: inout Xoshiro256) -> ReplayBatch {
        var batch = ReplayBatch(batchSize: size, observationDim: obs, actionDim: act)
        batch.observations = (0..<(size * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<(size * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<(size * act)).map { _ in Float(rng.nextUniform(-1, 1)) }
        batch.rewards = (0..<size).map { _ in Float(rng.nextGaussian()) }
        return batch
    }

    func run() throws {
        try requireWritableFolder(URL(fileURLWithPath: output).deletingLastPathComponent().path)
        var lines = ["agent,env_dims,batch,particles,svgd_steps,threads,update_ms,torch_update_ms,action_ms,torch_action_ms,gflops,fraction_of_peak,gemm_ms,peak_gflops,blas_core,action_batch,action_batch_ms,preset"]
        for t in threadCounts { lines += try measure(threads: t) }
        try writeFileAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: output)
        print("bench-agents: wrote \(output)")
    }

    /// The CSV rows of every selected agent at one thread count.
    func measure(threads: Int) throws -> [String] {
        setEngineThreads(threads)
        let seconds = { (f: () -> Void) in self.seconds(threads, f) }
        var rng = SeedTree(seed: 1).stream(.networkInit)
        var peakRNG = SeedTree(seed: 2).stream(.networkInit)
        let probe = SGEMMPeakProbe(using: &peakRNG)
        var peak = peakGFLOPS(probe, threads: threads)
        let batchSize = 100
        let selected = selectedAgents
        // (agent, svgd steps, particles, test-time selection), at Hopper's and multigoal's sizes,
        // each built by the catalog from its Hopper configuration. Off-policy agents only: an
        // on-policy agent (PPO) learns from a whole rollout, not from one minibatch.
        var cases: [(agent: any OffPolicyAgent, steps: Int, particles: Int, selection: ActionSelection, preset: String)] = []
        for entry in AgentCatalog.all where selected.contains(entry.id) && entry.learning == .offPolicy {
            let id = entry.id, twin = Self.torchTwins[id].flatMap { preset == nil || $0.preset == preset ? $0 : nil }
            let config = try TrainRunConfig.resolve(agent: id, env: "Hopper-v4", preset: preset ?? twin?.preset ?? "paper", seed: 0)
            for (obs, act) in try dimensionPairs() {
                let built = try config.makeAgent(observationDimension: obs, actionDimension: act, actionLimit: 1, using: &rng)
                guard let agent = built as? any OffPolicyAgent else { continue }
                cases.append((agent, config.agentConfig.samplerSteps, config.agentConfig.particles,
                              twin?.selection ?? config.schedule.evaluationSelection, config.preset))
            }
        }
        // Per case: the matrix products of one update (the FLOP count and the replayed floor),
        // a batch, a state, and the medians of every round.
        struct Measured { var update: [Double] = [], action: [Double] = [], gemm: [Double] = [], batched: [Double] = [] }
        var setups: [(batch: ReplayBatch, state: Tensor<Float>, states: Tensor<Float>, counter: MatmulFLOPCounter)] = []
        for (agent, _, _, _, _) in cases {
            let batch = benchBatch(size: batchSize, obs: agent.observationDimension, act: agent.actionDimension, using: &rng)
            let state = Tensor<Float>.randomNormal([1, agent.observationDimension], using: &rng)
            let states = Tensor<Float>.randomNormal([actionBatch, agent.observationDimension], using: &rng)
            let counter = MatmulFLOPCounter.recording { _ = agent.update(batch: batch, using: &rng) }.counter
            setups.append((batch, state, states, counter))
            if listGemm { printGemmShapes(agent: agent, counter.calls) }
        }
        var measured = [Measured](repeating: Measured(), count: cases.count)
        var torchRounds: [String: [(Double, Double)]] = [:]
        for _ in 0..<rounds {
            for (c, (agent, _, _, selection, _)) in cases.enumerated() {
                let (batch, state, states, counter) = setups[c]
                for _ in 0..<warmup { _ = agent.update(batch: batch, using: &rng); _ = agent.act(observations: state, selection: selection, using: &rng) }
                var up: [Double] = [], ac: [Double] = []
                for _ in 0..<repetitions {
                    up.append(seconds { _ = agent.update(batch: batch, using: &rng) })
                    ac.append(seconds { _ = agent.act(observations: state, selection: selection, using: &rng) })
                }
                // The update's matrix products alone, replayed on preallocated operands: its BLAS
                // floor. Timed after the update's loop, not between its repetitions, whose caches it
                // would cool.
                let products = GemmReplay(counter.calls)
                for _ in 0..<warmup { products.run() }
                let gm = (0..<repetitions).map { _ in seconds(products.run) }
                _ = agent.act(observations: states, selection: selection, using: &rng)
                let bm = (0..<repetitions).map { _ in seconds { _ = agent.act(observations: states, selection: selection, using: &rng) } }
                measured[c].update.append(median(up)); measured[c].action.append(median(ac)); measured[c].gemm.append(median(gm))
                measured[c].batched.append(median(bm))
                // The peak again, next to the case, so a busy spell at the start cannot inflate the ratio.
                peak = max(peak, peakGFLOPS(probe, threads: threads))
            }
            var torch: [String: (Double, Double)] = [:]
            if selected.contains(where: { $0.hasPrefix("s2ac") }) { torch.merge(torchTimes(script: "scripts/reference/torch_s2ac.py", threads: threads)) { $1 } }
            if selected.contains("sac") || selected.contains("sql") || selected.contains("sac-nf") {
                torch.merge(torchTimes(script: "scripts/reference/torch_agents.py", threads: threads)) { $1 }
            }
            for (key, value) in torch { torchRounds[key, default: []].append(value) }
        }
        var lines: [String] = []
        for (c, (agent, steps, particles, _, _)) in cases.enumerated() {
            let (obs, act) = (agent.observationDimension, agent.actionDimension)
            let u = median(measured[c].update), a = median(measured[c].action)
            let gflops = Double(setups[c].counter.flops) / u / 1e9
            let twinned = preset == nil || Self.torchTwins[agent.name]?.preset == preset
            let t = torchRounds["\(agent.name)@\(obs)x\(act)"].flatMap { twinned ? $0 : nil }.map { (median($0.map(\.0)), median($0.map(\.1))) }
            let line = [agent.name, "\(obs)x\(act)", "\(batchSize)", "\(particles)", "\(steps)", "\(threads)",
                        fmt(u * 1e3), t.map { fmt($0.0) } ?? "nan", fmt(a * 1e3), t.map { fmt($0.1) } ?? "nan",
                        fmt(gflops), fmt(gflops / peak), fmt(median(measured[c].gemm) * 1e3), fmt(peak),
                        blasCoreName, "\(actionBatch)", fmt(median(measured[c].batched) * 1e3), cases[c].preset].joined(separator: ",")
            print(line)
            lines.append(line)
        }
        print("bench-agents: threads \(threads), OpenBLAS core \(blasCoreName), peak sgemm \(fmt(peak)) GFLOP/s, median of \(rounds) rounds' medians of \(repetitions)")
        return lines
    }

    func fmt(_ x: Double) -> String { String(format: "%.6g", x) }

    /// The update's BLAS calls grouped by shape, largest FLOP share first (then by name).
    func printGemmShapes(agent: Agent, _ calls: [GemmCall]) {
        let total = Double(calls.reduce(0) { $0 + $1.flops })
        var groups: [String: (count: Int, flops: Int)] = [:]
        for c in calls {
            let key = "\(c.isDouble ? "d" : "s")gemm \(c.transposeA ? "T" : "N")\(c.transposeB ? "T" : "N") m \(c.m) n \(c.n) k \(c.k)"
            groups[key, default: (0, 0)].count += 1
            groups[key, default: (0, 0)].flops += c.flops
        }
        print("\(agent.name) \(agent.observationDimension)x\(agent.actionDimension): \(calls.count) BLAS calls, \(fmt(total / 1e6)) MFLOP")
        for (key, g) in groups.sorted(by: { ($0.value.flops, $1.key) > ($1.value.flops, $0.key) }) {
            print(String(format: "  %5d x %@  %5.1f %%", g.count, key, 100 * Double(g.flops) / total))
        }
    }
}

BenchAgents.suiteMain()
