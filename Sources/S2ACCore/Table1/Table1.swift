import Foundation

/// Table 1 of the paper: the time to select one action for one observation, as each agent
/// selects it in test episodes, at the dimensions of the MuJoCo environments. Units and
/// hardware are not stated in the paper (presumably milliseconds on a GPU).
public enum Table1Paper {
    /// The paper's columns, in its order.
    public static let envs = ["Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", "Ant-v4-contact"]
    /// The paper's rows, in its order, with one value per environment of `envs`.
    public static let rows: [(agent: String, values: [Double])] = [
        ("sac", [0.723, 0.714, 0.731, 0.708]),
        ("sql", [0.839, 0.828, 0.815, 0.836]),
        ("s2ac-phi-theta", [3.267, 4.622, 4.583, 5.917]),
        ("s2ac-phi-theta-psi", [0.850, 0.817, 0.830, 0.837]),
    ]

    /// The paper's number for an agent and environment, nil where it gives none.
    public static func value(agent: String, env: String) -> Double? {
        guard let row = rows.first(where: { $0.agent == agent }), let i = envs.firstIndex(of: env) else { return nil }
        return row.values[i]
    }

    /// `names` with the paper's rows first (in its order), then the others as given.
    public static func paperOrder(_ names: [String]) -> [String] {
        let first = rows.map(\.agent).filter(names.contains)
        return first + names.filter { !first.contains($0) }
    }
}

/// An agent ready to be timed: its networks, the selection rule of its test episodes and the
/// configuration it was built from.
public struct TimedAgent {
    public let agent: any Agent
    public let env: String
    public let selection: ActionSelection
    /// The environment's action bound (the largest of its per-dimension bounds).
    public let actionLimit: Float
    /// The preset its sizes come from (`paper`, ...).
    public let preset: String
    /// The agent's resolved configuration, canonical JSON (the PyTorch side builds the same networks from it).
    public let configJSON: String
}

/// The only place Table 1 meets the agent registry: which agents there are, and how one is
/// built (fresh from a preset, or from a run file's configuration). Everything else of Table 1
/// sees `TimedAgent`.
public enum Table1Registry {
    /// Every agent that can be timed, the paper's rows first.
    public static var agentNames: [String] { Table1Paper.paperOrder(AgentCatalog.ids(in: .table1)) }

    /// `agent` on `env` with the sizes of `preset` and networks initialised from `seed`; or, with
    /// `savedConfigJSON` (a run file's or checkpoint's configuration), the agent that file trained,
    /// still untrained: the caller loads the saved weights into it. Throws `InputError` for
    /// unknown agents, environments or presets, or a configuration this version cannot read.
    public static func timedAgent(agent: String, env: String, preset: String, seed: Int,
                                  savedConfigJSON: String? = nil) throws -> TimedAgent {
        let config: TrainRunConfig
        if let savedConfigJSON {
            do { config = try JSONDecoder().decode(TrainRunConfig.self, from: Data(savedConfigJSON.utf8)) } catch {
                throw InputError("its configuration is not one this version builds agents from")
            }
        } else {
            config = try TrainRunConfig.resolve(agent: agent, env: env, preset: preset, seed: seed)
        }
        let environment = try config.makeEnv()
        var rng = SeedTree(seed: UInt64(config.seed)).stream(.networkInit)
        let limit = environment.actionHigh.max() ?? 1
        let built = try config.makeAgent(observationDimension: environment.observationDimension,
                                         actionDimension: environment.actionDimension, actionLimit: limit, using: &rng)
        return TimedAgent(agent: built, env: config.env, selection: config.schedule.evaluationSelection, actionLimit: limit,
                          preset: config.preset, configJSON: try canonicalJSON(config))
    }
}

/// What a `table1` run times: every (agent, environment) pair at every engine thread count.
public struct Table1Config: Codable, Equatable, Sendable {
    public var agents: [String]
    public var envs: [String]
    /// Whose network sizes the fresh agents get.
    public var preset: String
    public var threads: [Int]
    /// Timed selections per (agent, environment, thread count), after `warmup` untimed ones.
    public var reps: Int
    public var warmup: Int
    /// Draws the networks (fresh agents), the observations and the agents' own noise.
    public var seed: Int
    /// Run files whose trained agents are timed instead of fresh ones (empty: fresh agents).
    public var runs: [String]

    public init(agents: [String], envs: [String], preset: String, threads: [Int], reps: Int, warmup: Int, seed: Int, runs: [String]) {
        self.agents = agents; self.envs = envs; self.preset = preset; self.threads = threads
        self.reps = reps; self.warmup = warmup; self.seed = seed; self.runs = runs
    }

    /// The environments timed by default: the MuJoCo family of the catalog (the paper's four, then Humanoid).
    public static var defaultEnvs: [String] { EnvCatalog.all.filter { $0.family == .mujoco }.map(\.id) }

    /// Throws `InputError` for an unknown agent or environment, a repeated one, or counts out of range.
    public func validate() throws {
        let known = Table1Registry.agentNames
        for a in agents where !known.contains(a) {
            throw InputError("--agents: unknown agent '\(a)'; known: \(known.joined(separator: ", "))")
        }
        for e in envs { _ = try EnvCatalog.spec(e, flag: "--envs") }
        guard !agents.isEmpty, Set(agents).count == agents.count else { throw InputError("--agents must name each agent once") }
        guard !envs.isEmpty, Set(envs).count == envs.count else { throw InputError("--envs must name each environment once") }
        guard !threads.isEmpty, Set(threads).count == threads.count, threads.allSatisfy({ (1...64).contains($0) }) else {
            throw InputError("--threads must list distinct counts in 1...64, got \(threads)")
        }
        guard reps > 0 else { throw InputError("--reps must be positive, got \(reps)") }
        guard reps <= 1_000_000 else { throw InputError("--reps must be at most 1000000, got \(reps)") }
        guard warmup >= 0 else { throw InputError("--warmup must be 0 or more, got \(warmup)") }
    }
}

/// One timed (agent, environment, thread count): the selection times and the machine's load.
public struct Table1Cell {
    public var agent: String
    public var env: String
    public var actionDimension: Int
    public var stateDimension: Int
    public var threads: Int
    public var selection: String
    public var preset: String
    /// `fresh`, or the run file whose trained agent was timed.
    public var weights: String
    /// `cpu` (the process's CPU clock, one thread) or `wall` (several threads).
    public var clock: String
    /// Milliseconds of each timed selection, in order.
    public var timesMS: [Double]
    /// 1-minute load average just before and just after the timed selections.
    public var loadBefore: Double
    public var loadAfter: Double
    /// Median and quartiles of our PyTorch version of the same selection (NaN when not run).
    public var torchMS: (median: Double, q1: Double, q3: Double) = (.nan, .nan, .nan)

    public var medianMS: Double { quantile(timesMS, 0.5) }
    public var q1MS: Double { quantile(timesMS, 0.25) }
    public var q3MS: Double { quantile(timesMS, 0.75) }
}

/// The p-quantile of a sample, linear between order statistics (numpy's default); NaN when empty.
public func quantile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted(), h = p * Double(s.count - 1)
    let i = Int(h.rounded(.down)), j = Swift.min(i + 1, s.count - 1)
    return s[i] + (h - Double(i)) * (s[j] - s[i])
}

/// The 1-minute load average (/proc/loadavg), NaN where it cannot be read.
public func loadAverage1() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
          let first = text.split(separator: " ").first, let x = Double(first) else { return .nan }
    return x
}

public enum Table1Timer {
    /// Times `timed`'s test-time selection at `threads` engine threads: `warmup` untimed
    /// selections, then `reps` timed ones, each from an observation array (cycling through 64
    /// Gaussian observations drawn from `seed`) to the action array. `clock.seconds` returns the
    /// seconds its body took; `clock.name` says which clock that is.
    public static func time(_ timed: TimedAgent, threads: Int, reps: Int, warmup: Int, seed: Int, weights: String,
                            clock: (name: String, seconds: (() -> Void) -> Double)) -> Table1Cell {
        setEngineThreads(threads)
        let agent = timed.agent, o = agent.observationDimension
        let tree = SeedTree(seed: UInt64(seed))
        var draw = tree.stream(named: "table1-observations")
        let observations = (0..<64).map { _ in (0..<o).map { _ in Float(draw.nextGaussian()) } }
        var rng = tree.stream(named: "table1-acting")
        func select(_ k: Int) -> [Float] {
            let x = Tensor(observations[k % observations.count], shape: [1, o])
            return agent.act(observations: x, selection: timed.selection, using: &rng).scalars
        }
        for k in 0..<warmup { _ = select(k) }
        let before = loadAverage1()
        let times = (0..<reps).map { k in 1e3 * clock.seconds { _ = select(k) } }
        return Table1Cell(agent: agent.name, env: timed.env, actionDimension: agent.actionDimension, stateDimension: o,
                          threads: threads, selection: timed.selection.rawValue, preset: timed.preset, weights: weights,
                          clock: clock.name, timesMS: times, loadBefore: before, loadAfter: loadAverage1())
    }
}

/// Trained agents for `table1 --runs`: multigoal run files (kind `multigoal-run`, the agent
/// saved beside its test episodes) and `train` checkpoints (`*.ckpt.h5`). A `train` run file
/// keeps only its parameters' fingerprint, so its checkpoint is the file to pass.
public enum Table1RunFiles {
    /// The trained agents of `paths`. A file named directly must hold one of `agents`, or the
    /// whole call is refused; a folder contributes its multigoal run files of those agents.
    public static func load(_ paths: [String], agents: [String]) throws -> [(file: String, agent: TimedAgent)] {
        var out: [(String, TimedAgent)] = []
        for path in paths {
            var isDir: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else { throw InputError("--runs: no file or folder \(path)") }
            if !isDir.boolValue {
                out.append((path, try load(path, agents: agents, strict: true)!))
                continue
            }
            let files = resultFilePaths(under: path).files
            for file in files { if let a = try load(file, agents: agents, strict: false) { out.append((file, a)) } }
        }
        return out
    }

    /// One file's trained agent; nil (only when not `strict`) for a file of another kind or agent.
    static func load(_ path: String, agents: [String], strict: Bool) throws -> TimedAgent? {
        let file: HDF5File
        do { file = try HDF5File.open(at: path) } catch { throw InputError("--runs: \(path) is not a readable HDF5 file") }
        defer { file.close() }
        let json: String
        if file.root.kind(of: "run") == .group {
            let provenance = try Provenance.read(from: file)
            guard provenance.kind == MultigoalKinds.run else {
                if !strict { return nil }
                if provenance.kind == "train" {
                    throw InputError("--runs: \(path) is a train run file, which keeps no agent; pass its checkpoint (.ckpt.h5)")
                }
                throw InputError("--runs: \(path) is a '\(provenance.kind)' result, not a run file with a trained agent")
            }
            guard let spec = try? JSONSerialization.jsonObject(with: Data(provenance.configJSON.utf8)) as? [String: Any],
                  let train = spec["train"], let data = try? JSONSerialization.data(withJSONObject: train) else {
                throw InputError("--runs: \(path): unreadable run configuration")
            }
            json = String(decoding: data, as: UTF8.self)
        } else if let saved = try file.root.attribute("config_json")?.stringValue {
            json = saved
        } else {
            throw InputError("--runs: \(path) is neither a multigoal run file nor a train checkpoint")
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let name = object["agent"] as? String else {
            throw InputError("--runs: \(path): its configuration names no agent")
        }
        guard agents.contains(name) else {
            if !strict { return nil }
            throw InputError("--runs: \(path) holds a \(name) agent, not one of --agents \(agents.joined(separator: ","))")
        }
        guard file.root.kind(of: "agent") == .group else { throw InputError("--runs: \(path) has no saved agent") }
        let timed: TimedAgent
        do { timed = try Table1Registry.timedAgent(agent: name, env: "", preset: "", seed: 0, savedConfigJSON: json) } catch let e as InputError {
            throw InputError("--runs: \(path): \(e.message)")
        }
        do { try timed.agent.load(from: file.root.group("agent")) } catch let e as InputError {
            throw InputError("--runs: \(path): \(e.message)")
        } catch {
            throw InputError("--runs: \(path): the saved agent is unreadable (\(error))")
        }
        return timed
    }
}
