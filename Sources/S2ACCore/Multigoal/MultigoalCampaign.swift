import Foundation

/// The multigoal experiments of Fig 5-7 and 11-17 (REFERENCE section 7): a grid of
/// (agent, alpha, seed) runs, each trained on `Multigoal` and probed afterwards. A preset names
/// the grid and the sizes of the probes.
public struct MultigoalPreset: Codable, Equatable, Sendable {
    /// `smoke`, `quick` or `paper`: the label every table row carries.
    public var name: String
    /// The `TrainRunConfig` preset the runs are resolved with (`smoke`: small networks; `paper`:
    /// Tables 3-4 with the multigoal variants, gamma 0.8).
    public var trainPreset: String
    /// Agents run by default (Fig 6: S2AC(phi,theta), S2AC(phi), SAC, SQL, SAC-NF; Fig 17: the psi agent).
    public var agents: [String]
    /// Temperatures (alpha_c = alpha_a). The paper does not list its grid; {0.1, 1, 5, 10, 20} is ours.
    public var alphas: [Double]
    /// Seeds 0 ..< seeds (Fig 12: 20).
    public var seeds: Int
    /// Environment steps of each run (TrainRunConfig's multigoal default, 20000; main.py: 5e4).
    public var steps: Int
    /// Test episodes per run and test rule (paper Fig 6 and main.py's num_test_episodes on multigoal: 20).
    public var testEpisodes: Int
    /// Record mu_theta, sigma_theta at the critical states every this many steps (Fig 11;
    /// main.py's stats_steps_freq: 400).
    public var q0Every: Int
    /// Points per axis of the state grid over [-7, 7]^2 for the entropy map (Fig 13).
    public var entropyGrid: Int
    /// Sampler runs (S2AC) or policy samples (SAC) per state behind each entropy estimate.
    public var entropySamples: Int
    /// Points per axis of the action grid over [-1, 1]^2 for the Q landscapes (Fig 14).
    public var qGrid: Int
    /// Samples shown at each critical state for agents whose policy is not a particle set.
    public var particleSamples: Int

    public static let names = ["smoke", "quick", "paper"]
    /// The catalog's multigoal agents, in its order.
    public static var allAgents: [String] { AgentCatalog.ids(in: .multigoal) }
    public static let defaultAlphas = [0.1, 1, 5, 10, 20]

    /// The preset as one run sees it: the grid lists hold only that run's agent and alpha, and
    /// `seeds` is 0, so a run file stays complete when the campaign around it grows or shrinks
    /// (more agents, alphas or seeds) and is rebuilt only when something it depends on changes.
    public func restricted(agent: String, alpha: Double) -> MultigoalPreset {
        var p = self
        p.agents = [agent]; p.alphas = [alpha]; p.seeds = 0
        return p
    }

    public static func named(_ name: String) throws -> MultigoalPreset {
        switch name {
        case "smoke":
            return MultigoalPreset(name: "smoke", trainPreset: "smoke", agents: allAgents, alphas: [1, 10], seeds: 1,
                                   steps: 300, testEpisodes: 20, q0Every: 100, entropyGrid: 5, entropySamples: 2, qGrid: 9,
                                   particleSamples: 10)
        case "quick":
            // Sized by learning curves and CPU times measured on a 2-core machine (README, "Multigoal"):
            // 4000 steps, where the test returns of S2AC(phi,theta), S2AC(phi) and SAC at alpha 1
            // have stopped rising (later points within 0-10 of the 4000-step value up to 8000
            // steps), 3 alphas, 2 seeds: about 2 hours with --jobs 2.
            return MultigoalPreset(name: "quick", trainPreset: "paper", agents: allAgents, alphas: [0.1, 1, 10], seeds: 2,
                                   steps: 4000, testEpisodes: 20, q0Every: 400, entropyGrid: 15, entropySamples: 2, qGrid: 41,
                                   particleSamples: 10)
        case "paper":
            return MultigoalPreset(name: "paper", trainPreset: "paper", agents: allAgents, alphas: defaultAlphas, seeds: 20,
                                   steps: 20_000, testEpisodes: 20, q0Every: 400, entropyGrid: 29, entropySamples: 4, qGrid: 41,
                                   particleSamples: 10)
        default:
            throw InputError("--preset must be one of \(names.joined(separator: ", ")), got '\(name)'")
        }
    }
}

/// One run of the campaign: everything it was made with (the run file's config JSON; a run
/// file whose config differs from the one the campaign would write is rebuilt).
public struct MultigoalRunSpec: Codable, Equatable, Sendable {
    public var preset: MultigoalPreset
    public var agent: String
    public var alpha: Double
    public var seed: Int
    /// How test episodes pick actions, each rule on its own episodes. S2AC and SQL: `random` (a
    /// draw from the policy itself), `softmax` over Q of the particles (beta = 1 on raw Q, on
    /// top of the policy's exp(Q / alpha)) and `max` (the paper does not say which its figures
    /// used; the authors' code logs `max` and `softmax`), after `amortized` for the psi agent;
    /// SAC and SAC-NF: their test rule (the mean action).
    public var testSelections: [ActionSelection]
    public var train: TrainRunConfig

    /// `overrides` are `train --set` overrides of the run's configuration (recorded in it).
    public init(preset: MultigoalPreset, agent: String, alpha: Double, seed: Int, overrides: [ConfigOverride] = []) throws {
        self.preset = preset.restricted(agent: agent, alpha: alpha); self.agent = agent; self.alpha = alpha; self.seed = seed
        train = try TrainRunConfig.resolve(agent: agent, env: "Multigoal", preset: preset.trainPreset, seed: seed,
                                           steps: preset.steps, alpha: alpha).setting(overrides)
        testSelections = Self.testSelections(agent: agent, scheduleRule: train.schedule.evaluationSelection)
    }

    /// The test rules of `agent` (see `testSelections`): agents that pick among particles are
    /// tested with each particle rule as well as their own.
    public static func testSelections(agent: String, scheduleRule: ActionSelection) -> [ActionSelection] {
        guard AgentCatalog.entry(agent)?.selectsAmongParticles == true else { return [scheduleRule] }
        let particleRules: [ActionSelection] = [.random, .softmax, .max]
        return particleRules.contains(scheduleRule) ? particleRules : [scheduleRule] + particleRules
    }

    /// `<agent>_alpha<alpha>_seed<seed>.h5`.
    public var fileName: String { "\(agent)_alpha\(alpha)_seed\(seed).h5" }

    /// The specs longest first (by agent; ties keep their order). Results do not depend on the order.
    public static func longestFirst(_ specs: [MultigoalRunSpec]) -> [MultigoalRunSpec] {
        Campaign<MultigoalRunSpec>.longestFirst(specs)
    }

    /// Every run of a grid, agents outermost, then alphas, then seeds.
    public static func grid(preset: MultigoalPreset, agents: [String], alphas: [Double], seeds: [Int],
                            overrides: [ConfigOverride] = []) throws -> [MultigoalRunSpec] {
        var out: [MultigoalRunSpec] = []
        for agent in agents { for alpha in alphas { for seed in seeds {
            out.append(try MultigoalRunSpec(preset: preset, agent: agent, alpha: alpha, seed: seed, overrides: overrides))
        } } }
        return out
    }

    /// A fresh agent of this run's architecture (its parameters are then loaded from a file).
    public func makeAgent() throws -> any Agent {
        let env = try train.makeEnv()
        var rng = SeedTree(seed: UInt64(seed)).stream(.networkInit)
        return try train.makeAgent(observationDimension: env.observationDimension, actionDimension: env.actionDimension,
                                   actionLimit: env.actionHigh.max() ?? 1, using: &rng)
    }
}

extension MultigoalRunSpec: CampaignRunSpec {
    /// `agent,alpha,seed`, as `multigoal-modes --run-one` takes it.
    public var runID: String { "\(agent),\(alpha),\(seed)" }
    public var resultKind: String { MultigoalKinds.run }
    public func configJSON() throws -> String { try canonicalJSON(self) }
    public var relativeCost: Double { AgentCatalog.entry(agent)?.relativeCost ?? 1000 }
    /// The trained agent and its test episodes are written last.
    public func hasAllParts(_ file: HDF5File) -> Bool {
        file.root.kind(of: "agent") == .group && file.root.kind(of: "test") == .group
    }
}

/// The `kind` of a multigoal run file and of an obstacle evaluation file.
public enum MultigoalKinds {
    public static let run = "multigoal-run"
    public static let obstacle = "multigoal-obstacle"
}

/// Test episodes of one agent with one selection rule: trajectories, the goal each reached
/// (or none) and whether it hit the obstacle.
public struct MultigoalEpisodes: Equatable {
    public var selection: ActionSelection
    public var maxSteps: Int
    /// Positions, [episodes, maxSteps + 1, 2], NaN after the end.
    public var positions: [Double]
    /// Actions as the environment received them, [episodes, maxSteps, 2], NaN after the end.
    public var actions: [Double]
    public var lengths: [Int]
    /// 0 = G1, 1 = G2, 2 = G3, -1 = none.
    public var goals: [Int]
    /// Distance from the episode's last position to the nearest goal (under 0.5 when a goal
    /// was reached): a goal share alone hides "almost there".
    public var finalDistances: [Double]
    public var returns: [Double]
    /// Step (1-based) of the first blocked move, -1 when the wall was never met.
    public var firstHit: [Int]

    public var count: Int { lengths.count }

    /// Runs `episodes` test episodes on `env` with `rng`.
    public static func run(agent: any Agent, env: Multigoal, selection: ActionSelection, episodes: Int,
                           using rng: inout Xoshiro256) -> MultigoalEpisodes {
        let t = env.maxEpisodeSteps
        var out = MultigoalEpisodes(selection: selection, maxSteps: t,
                                    positions: [Double](repeating: .nan, count: episodes * (t + 1) * 2),
                                    actions: [Double](repeating: .nan, count: episodes * t * 2),
                                    lengths: [], goals: [], finalDistances: [], returns: [], firstHit: [])
        for e in 0..<episodes {
            var obs = env.reset(using: &rng)
            var total = 0.0, step = 0, hit = -1
            out.positions[(e * (t + 1)) * 2] = obs[0]; out.positions[(e * (t + 1)) * 2 + 1] = obs[1]
            while true {
                let a = agent.act(observations: Tensor(obs.map { Float($0) }, shape: [1, 2]), selection: selection, using: &rng).scalars
                let r = env.step(a)
                out.actions[(e * t + step) * 2] = Double(a[0]); out.actions[(e * t + step) * 2 + 1] = Double(a[1])
                step += 1
                if hit < 0 && env.hitObstacle { hit = step }
                total += r.reward
                obs = r.observation
                out.positions[(e * (t + 1) + step) * 2] = obs[0]; out.positions[(e * (t + 1) + step) * 2 + 1] = obs[1]
                if r.terminated || r.truncated { break }
            }
            out.lengths.append(step); out.goals.append(env.reachedGoal ?? -1); out.returns.append(total); out.firstHit.append(hit)
            out.finalDistances.append(Self.nearestGoalDistance(x: obs[0], y: obs[1]))
        }
        return out
    }

    /// Distance from (x, y) to the nearest of the three goals.
    public static func nearestGoalDistance(x: Double, y: Double) -> Double {
        Multigoal.goals.map { ((x - $0.x) * (x - $0.x) + (y - $0.y) * (y - $0.y)).squareRoot() }.min()!
    }

    /// The (s_t, a_t) pairs of every episode, as Float rows ([n * 2] each).
    public var stateActionPairs: (states: [Float], actions: [Float]) {
        var s: [Float] = [], a: [Float] = []
        for e in 0..<count { for k in 0..<lengths[e] {
            s.append(Float(positions[(e * (maxSteps + 1) + k) * 2])); s.append(Float(positions[(e * (maxSteps + 1) + k) * 2 + 1]))
            a.append(Float(actions[(e * maxSteps + k) * 2])); a.append(Float(actions[(e * maxSteps + k) * 2 + 1]))
        } }
        return (s, a)
    }

    public func write(to g: HDF5Group) throws {
        try g.setAttribute("selection", selection.rawValue)
        try g.write("positions", positions, shape: [count, maxSteps + 1, 2])
        try g.write("actions", actions, shape: [count, maxSteps, 2])
        try g.write("lengths", lengths)
        try g.write("goals", goals)
        try g.write("final_distance", finalDistances)
        try g.write("returns", returns)
        try g.write("first_hit", firstHit)
    }

    public static func read(from g: HDF5Group) throws -> MultigoalEpisodes {
        guard let name = try g.attribute("selection")?.stringValue, let selection = ActionSelection(rawValue: name) else {
            throw InputError("\(g.file.path):\(g.path): no test selection")
        }
        let p = try g.read("positions", as: Double.self)
        guard p.shape.count == 3, p.shape[2] == 2, p.shape[1] >= 2 else { throw InputError("\(g.file.path):\(g.path): bad positions") }
        let lengths = try g.read("lengths", as: Int.self).values
        let n = p.shape[0], width = p.shape[1]
        guard lengths.count == n, lengths.allSatisfy({ $0 >= 0 && $0 < width }) else {
            throw InputError("\(g.file.path):\(g.path): bad episode lengths")
        }
        // Files written before final distances were recorded: from the last positions.
        let distances = g.kind(of: "final_distance") == .dataset
            ? try g.read("final_distance", as: Double.self).values
            : (0..<n).map { e in
                let k = (e * width + lengths[e]) * 2
                return nearestGoalDistance(x: p.values[k], y: p.values[k + 1])
            }
        let out = MultigoalEpisodes(selection: selection, maxSteps: width - 1, positions: p.values,
                                    actions: try g.read("actions", as: Double.self).values,
                                    lengths: lengths, goals: try g.read("goals", as: Int.self).values,
                                    finalDistances: distances, returns: try g.read("returns", as: Double.self).values,
                                    firstHit: try g.read("first_hit", as: Int.self).values)
        guard out.goals.count == n, out.finalDistances.count == n, out.returns.count == n, out.firstHit.count == n,
              out.actions.count == n * out.maxSteps * 2 else {
            throw InputError("\(g.file.path):\(g.path): test episode arrays differ in length")
        }
        guard out.goals.allSatisfy({ (-1..<Multigoal.goals.count).contains($0) }),
              out.firstHit.allSatisfy({ $0 >= -1 && $0 < width }) else {
            throw InputError("\(g.file.path):\(g.path): a goal index or an obstacle step is out of range")
        }
        return out
    }
}

/// Trains and probes one run and writes its run file; reads and checks run files.
public enum MultigoalRun {
    /// The six critical states as Float rows [6 * 2].
    static var criticalStates: [Float] { Multigoal.criticalStates.flatMap { [Float($0.x), Float($0.y)] } }

    /// Trains `spec`, probes the trained agent, and writes everything (the agent included) to
    /// `path`. `progress` shows the trainer's progress line.
    ///
    /// With `checkpointEvery` > 0 the training state and the q0 records so far go to the run's
    /// checkpoint (`runCheckpointPath(path)`) every that many steps, and a SIGTERM or SIGINT
    /// (`StopSignals`, installed by the caller) writes one after the current step and throws
    /// `RunStoppedWithCheckpoint`; `resume` continues from it bit for bit. The checkpoint is
    /// removed once the run file is written.
    public static func execute(_ spec: MultigoalRunSpec, to path: String, force: Bool, progress: Bool = false,
                               checkpointEvery: Int = 0, resume: Bool = false) throws {
        try requireWritableResult(path: path, force: force)
        let checkpoint = runCheckpointPath(path), configJSON = try spec.configJSON()
        let checkpointExists = FileManager.default.fileExists(atPath: checkpoint)
        if resume && !checkpointExists { throw InputError("--resume: no checkpoint at \(checkpoint)") }
        if !resume && checkpointEvery > 0 && checkpointExists {
            throw InputError("\(checkpoint) holds a checkpoint: pass --resume to continue that run, or remove it to start again")
        }
        if checkpointEvery > 0 {
            try createFolder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
        }
        let cpuStart = processCPUSeconds(), wallStart = Date()
        let trainer = try spec.train.makeTrainer()
        trainer.showsProgress = progress
        let agent = trainer.agent
        // Fig 11: q0 at the critical states before training and every q0Every steps.
        var q0 = Q0Records()
        let q0Probe = agent as? InitialDistributionProbe
        let states = Tensor(criticalStates, shape: [Multigoal.criticalStates.count, 2])
        func recordQ0(_ step: Int) {
            guard let q0Probe else { return }
            let (m, s) = q0Probe.probeInitialDistribution(observations: states)
            q0.steps.append(step); q0.mean += m; q0.std += s
        }
        if resume {
            try trainer.readCheckpoint(path: checkpoint, configJSON: configJSON)
            if q0Probe != nil { q0 = try Q0Records.read(checkpoint) }
            FileHandle.standardError.write(Data("multigoal-modes: \(spec.runID) resumed at step \(trainer.step) from \(checkpoint)\n".utf8))
        } else {
            recordQ0(0)
        }
        func saveCheckpoint(_ t: Trainer) throws {
            try t.writeCheckpoint(path: checkpoint, configJSON: configJSON) { root in
                if q0Probe != nil { try q0.write(to: root.createGroup(Q0Records.group)) }
            }
        }
        try trainer.run { t in
            if t.step % spec.preset.q0Every == 0 { recordQ0(t.step) }
            guard checkpointEvery > 0 else { return }
            let due = t.step % checkpointEvery == 0
            if due { try saveCheckpoint(t) }
            if let signal = StopSignals.received {
                if !due { try saveCheckpoint(t) }
                throw RunStoppedWithCheckpoint(signal: signal, step: t.step, checkpointPath: checkpoint)
            }
        }
        if let divergence = trainer.divergence {
            throw InputError("\(spec.runID) diverged at \(divergence); no run file written")
        }

        let writer = try ResultWriter(path: path, kind: MultigoalKinds.run, config: spec, seed: spec.seed, force: force)
        try trainer.writeResults(to: writer.root.createGroup("train"))
        try agent.save(to: writer.root.createGroup("agent"))
        let q0Group = try writer.root.createGroup("q0")
        if q0Probe != nil {
            try q0.write(to: q0Group)
        } else {
            try q0Group.setAttribute("unavailable", ProbeUnavailable.reason(agent, lacks: "InitialDistributionProbe"))
        }
        let tree = SeedTree(seed: UInt64(spec.seed))
        var testRNG = tree.stream(named: "multigoal-test")
        let tests = try writer.root.createGroup("test")
        for selection in spec.testSelections {
            let episodes = MultigoalEpisodes.run(agent: agent, env: Multigoal(), selection: selection,
                                                 episodes: spec.preset.testEpisodes, using: &testRNG)
            let g = try tests.createGroup(selection.rawValue)
            try episodes.write(to: g)
            try writeSmoothness(agent: agent, episodes: episodes, to: g.createGroup("smoothness"))
        }
        var probeRNG = tree.stream(named: "multigoal-probe")
        try writeEntropy(agent: agent, preset: spec.preset, to: writer.root.createGroup("entropy"), using: &probeRNG)
        try writeQLandscapes(agent: agent, preset: spec.preset, to: writer.root.createGroup("qgrid"), using: &probeRNG)
        // Cost of the whole run (training and probes), for sizing presets; not part of the results.
        try writer.root.setAttribute("cpu_seconds", .double(processCPUSeconds() - cpuStart))
        try writer.root.setAttribute("wall_seconds", .double(Date().timeIntervalSince(wallStart)))
        try writer.commit()
        unlink(checkpoint)
    }

    /// mu_theta and sigma_theta of q0 at the critical states, recorded during training (Fig 11);
    /// kept in checkpoints so that a resumed run holds the records from before its stop.
    struct Q0Records {
        static let group = "multigoal_q0"
        var steps: [Int] = [], mean: [Float] = [], std: [Float] = []

        func write(to g: HDF5Group) throws {
            let k = Multigoal.criticalStates.count
            try g.write("steps", steps)
            try g.write("mean", mean, shape: [steps.count, k, 2])
            try g.write("std", std, shape: [steps.count, k, 2])
        }

        static func read(_ checkpoint: String) throws -> Q0Records {
            let file = try HDF5File.open(at: checkpoint)
            defer { file.close() }
            guard file.root.kind(of: group) == .group else { throw InputError("\(checkpoint): no q0 records") }
            let g = try file.root.group(group)
            let r = Q0Records(steps: try g.read("steps", as: Int.self).values, mean: try g.read("mean", as: Float.self).values,
                              std: try g.read("std", as: Float.self).values)
            let rows = r.steps.count * Multigoal.criticalStates.count * 2
            guard r.mean.count == rows, r.std.count == rows else { throw InputError("\(checkpoint): inconsistent q0 records") }
            return r
        }
    }

    /// CPU time of this process so far (a run's child process works on one thread).
    static func processCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    /// M1, M2 (Fig 15) along the test trajectories: per (s_t, a_t) and their means.
    static func writeSmoothness(agent: any Agent, episodes: MultigoalEpisodes, to g: HDF5Group) throws {
        guard let critic = agent as? CriticProbe else {
            try g.setAttribute("unavailable", ProbeUnavailable.reason(agent, lacks: "CriticProbe"))
            return
        }
        let (s, a) = episodes.stateActionPairs
        let n = s.count / 2
        let r = actionSmoothness(observations: Tensor(s, shape: [n, 2]), actions: Tensor(a, shape: [n, 2])) {
            critic.probeQ(observations: $0, actions: $1)
        }
        try g.write("gradient_l1", r.gradientL1)
        try g.write("hessian_l1", r.hessianL1)
        try g.write("m1", [n > 0 ? r.gradientL1.reduce(0, +) / Double(n) : .nan])
        try g.write("m2", [n > 0 ? r.hessianL1.reduce(0, +) / Double(n) : .nan])
    }

    /// Evenly spaced points from lo to hi (inclusive).
    static func axis(_ count: Int, _ lo: Double, _ hi: Double) -> [Double] {
        count == 1 ? [(lo + hi) / 2] : (0..<count).map { lo + (hi - lo) * Double($0) / Double(count - 1) }
    }

    /// Entropy estimates over the state grid (Fig 13) and at the critical states (Fig 14).
    static func writeEntropy(agent: any Agent, preset: MultigoalPreset, to g: HDF5Group, using rng: inout Xoshiro256) throws {
        guard let probe = agent as? EntropyProbe else {
            try g.setAttribute("unavailable", ProbeUnavailable.reason(agent, lacks: "EntropyProbe"))
            return
        }
        let xs = axis(preset.entropyGrid, -Multigoal.bound, Multigoal.bound)
        var states: [Float] = []
        for y in xs { for x in xs { states += [Float(x), Float(y)] } }
        var values: [Double] = []
        let chunk = 64
        for start in stride(from: 0, to: states.count / 2, by: chunk) {
            let rows = min(chunk, states.count / 2 - start)
            let s = Tensor(Array(states[(2 * start)..<(2 * (start + rows))]), shape: [rows, 2])
            values += probe.probeEntropy(observations: s, samples: preset.entropySamples, using: &rng)
        }
        try g.write("axis", xs)
        try g.write("grid", values, shape: [xs.count, xs.count])
        let critical = probe.probeEntropy(observations: Tensor(criticalStates, shape: [Multigoal.criticalStates.count, 2]),
                                          samples: preset.entropySamples, using: &rng)
        try g.write("critical", critical)
    }

    /// min(Q1, Q2) over the action square at each critical state, with the policy's particles there (Fig 14).
    static func writeQLandscapes(agent: any Agent, preset: MultigoalPreset, to g: HDF5Group, using rng: inout Xoshiro256) throws {
        let k = Multigoal.criticalStates.count
        let axis = axis(preset.qGrid, -1, 1)
        try g.write("axis", axis)
        if let critic = agent as? CriticProbe {
            var values: [Float] = []
            var actions: [Float] = []
            for ay in axis { for ax in axis { actions += [Float(ax), Float(ay)] } }
            let n = axis.count * axis.count
            for state in Multigoal.criticalStates {
                let s = Tensor((0..<n).flatMap { _ in [Float(state.x), Float(state.y)] }, shape: [n, 2])
                values += withNoGrad { critic.probeQ(observations: s, actions: Tensor(actions, shape: [n, 2])).scalars }
            }
            try g.write("values", values, shape: [k, axis.count, axis.count])
        } else {
            try g.setAttribute("unavailable", ProbeUnavailable.reason(agent, lacks: "CriticProbe"))
        }
        if let probe = agent as? ParticleProbe {
            var all: [Float] = []
            for state in Multigoal.criticalStates {
                all += probe.probeParticles(at: [Float(state.x), Float(state.y)], count: preset.particleSamples, using: &rng)
            }
            try g.write("particles", all, shape: [k, all.count / (2 * k), 2])
        } else {
            try g.setAttribute("particles_unavailable", ProbeUnavailable.reason(agent, lacks: "ParticleProbe"))
        }
    }

    /// Whether `path` holds a finished run file of exactly `spec` (result files only take their
    /// name when complete; a foreign, corrupt or differently configured file is not).
    public static func isComplete(_ path: String, spec: MultigoalRunSpec) -> Bool {
        let url = URL(fileURLWithPath: path)
        guard let campaign = try? Campaign(specs: [spec], runsFolder: url.deletingLastPathComponent().path),
              url.lastPathComponent == spec.fileName else { return false }
        return campaign.state(of: spec) == .complete
    }

    /// Reads a run file's spec and rebuilds its trained agent. Throws `InputError` for a file
    /// that is not a multigoal run file of this suite.
    public static func loadAgent(from file: HDF5File) throws -> (spec: MultigoalRunSpec, agent: any Agent) {
        let provenance: Provenance
        do { provenance = try Provenance.read(from: file) } catch { throw InputError("\(file.path): not a result file of this suite") }
        guard provenance.kind == MultigoalKinds.run else {
            throw InputError("\(file.path): a '\(provenance.kind)' result, not a multigoal run file")
        }
        let spec: MultigoalRunSpec
        do { spec = try JSONDecoder().decode(MultigoalRunSpec.self, from: Data(provenance.configJSON.utf8)) } catch {
            throw InputError("\(file.path): unreadable multigoal run configuration")
        }
        guard TrainRunConfig.implementedAgents.contains(spec.agent) else {
            throw InputError("\(file.path): agent \(spec.agent) is not built by this version")
        }
        let agent = try spec.makeAgent()
        guard file.root.kind(of: "agent") == .group else { throw InputError("\(file.path): no saved agent") }
        do { try agent.load(from: file.root.group("agent")) } catch let e as InputError { throw e } catch {
            throw InputError("\(file.path): the saved agent is unreadable (\(error))")
        }
        return (spec, agent)
    }

    /// Whether `path` holds an obstacle evaluation of the run file's configuration.
    public static func obstacleIsCurrent(_ path: String, runFile: String) -> Bool {
        func provenance(_ p: String) -> Provenance? {
            guard FileManager.default.fileExists(atPath: p), let f = try? HDF5File.open(at: p) else { return nil }
            defer { f.close() }
            return try? Provenance.read(from: f)
        }
        guard let o = provenance(path), let r = provenance(runFile) else { return false }
        return o.kind == MultigoalKinds.obstacle && o.configJSON == r.configJSON
    }

    /// Tests the trained agent of a run file on `Multigoal-obstacle` (Fig 7, 16) and writes the
    /// episodes (with the blocked moves) to `path`.
    public static func evaluateObstacle(runFile: String, to path: String, force: Bool) throws {
        try requireWritableResult(path: path, force: force)
        let file: HDF5File
        do { file = try HDF5File.open(at: runFile) } catch { throw InputError("\(runFile): not a readable HDF5 file") }
        defer { file.close() }
        let (spec, agent) = try loadAgent(from: file)
        var rng = SeedTree(seed: UInt64(spec.seed)).stream(named: "multigoal-obstacle")
        let writer = try ResultWriter(path: path, kind: MultigoalKinds.obstacle, config: spec, seed: spec.seed, force: force)
        try writer.root.setAttribute("run_file", URL(fileURLWithPath: runFile).lastPathComponent)
        try writer.root.setAttribute("params_sha256", agent.parametersSHA256)
        let tests = try writer.root.createGroup("test")
        for selection in spec.testSelections {
            let episodes = MultigoalEpisodes.run(agent: agent, env: Multigoal(withObstacle: true), selection: selection,
                                                 episodes: spec.preset.testEpisodes, using: &rng)
            try episodes.write(to: tests.createGroup(selection.rawValue))
        }
        try writer.commit()
    }
}
