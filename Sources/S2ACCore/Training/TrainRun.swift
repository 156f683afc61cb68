import Foundation

/// Everything a training run is started with, fully resolved from (agent, env, preset, flags):
/// stored as the run file's config JSON and checked when a checkpoint is resumed. `train` and
/// the multigoal experiments build their runs from it, so one place knows every agent.
public struct TrainRunConfig: Equatable, Sendable {
    /// The temperatures `train --alpha` and the campaigns' alpha grids accept (one rule for both).
    public static let alphaRange: ClosedRange<Double> = 1e-6...1e3

    public var agent: String
    public var env: String
    /// Where test episodes run when not on `env` (the obstacle variant of multigoal); nil = `env`.
    public var evaluationEnv: String?
    public var seed: Int
    public var preset: String
    public var checkpointEvery: Int
    /// The agent's own configuration (its catalog entry's type).
    public var agentConfig: AgentConfig
    public var batchSize: Int
    public var replaySize: Int
    public var schedule: TrainingSchedule

    /// Agents `makeAgent` builds, in catalog order.
    public static var implementedAgents: [String] { AgentCatalog.ids }
    /// Agents named by the paper that are not built yet (`--agent` says so with exit 2).
    public static var plannedAgents: [String] { AgentCatalog.planned }
    /// Environments `makeEnv` builds (`EnvCatalog`).
    public static var envIDs: [String] { EnvCatalog.ids }
    public static let presets = ["paper", "authors-code", "smoke"]

    /// The agent's catalog entry.
    public var entry: AgentEntry {
        guard let e = AgentCatalog.entry(agent) else { preconditionFailure("no agent '\(agent)' in the catalog") }
        return e
    }

    // Read-only views of the agent's configuration by family (nil for the other agents).
    public var sac: SACConfig? { if case .sac(let c) = agentConfig { return c }; return nil }
    public var sacNF: SACNFConfig? { if case .sacNF(let c) = agentConfig { return c }; return nil }
    public var sql: SQLConfig? { if case .sql(let c) = agentConfig { return c }; return nil }
    public var s2ac: S2ACConfig? {
        switch agentConfig {
        case .s2acPhi(let c), .s2acPhiTheta(let c), .s2acPhiThetaPsi(let c, _): return c
        default: return nil
        }
    }
    /// f_psi's configuration for `s2ac-phi-theta-psi`.
    public var amortized: AmortizedSamplerConfig? { if case .s2acPhiThetaPsi(_, let a) = agentConfig { return a }; return nil }

    /// Resolves a run. `steps` defaults to smoke 300, multigoal 20000, MuJoCo 1000000; `alpha`
    /// overrides both temperatures; `evalEvery`/`evalEpisodes` override the schedule's.
    /// Throws `InputError` for unknown agents, environments or presets.
    public static func resolve(agent: String, env: String, preset: String, seed: Int, steps: Int? = nil,
                               alpha: Double? = nil, evalEvery: Int? = nil, evalEpisodes: Int? = nil,
                               checkpointEvery: Int = 0, evaluationEnv: String? = nil) throws -> TrainRunConfig {
        let entry = try AgentCatalog.entry(named: agent)
        let spec = try EnvCatalog.spec(env)
        if let evaluationEnv { _ = try EnvCatalog.spec(evaluationEnv, flag: "--eval-env") }
        guard presets.contains(preset) else {
            throw InputError("--preset must be one of \(presets.joined(separator: ", ")), got '\(preset)'")
        }
        let totalSteps = steps ?? defaultSteps(preset: preset, env: spec)
        // SAC's presets also carry the batch and replay sizes every agent shares (Tables 3-4, main.py).
        let shared = sacConfig(preset: preset, env: env)
        var schedule: TrainingSchedule
        switch preset {
        case "authors-code": schedule = .authorsCode(steps: totalSteps)
        case "smoke": schedule = .smoke(steps: totalSteps)
        default: schedule = .paper(steps: totalSteps, batchSize: shared.batchSize)
        }
        if let evalEvery { schedule.evaluationEvery = evalEvery }
        if let evalEpisodes { schedule.evaluationEpisodes = evalEpisodes }
        schedule.trainingSelection = entry.trainingSelection
        schedule.evaluationSelection = entry.evaluationSelection
        // On MuJoCo the particle agents that test by softmax or max play every evaluation point
        // under the other rule too, as the authors' code logs both (the multigoal campaign runs
        // its own tests under every rule).
        if entry.selectsAmongParticles && spec.family == .mujoco, let other = Self.otherParticleRule(entry.evaluationSelection) {
            schedule.additionalEvaluationSelections = [other]
        }
        let actionLimit = spec.isMultigoal ? 1.0 : try MuJoCoEnvs.make(env).actionHigh.max().map(Double.init) ?? 1
        let agentConfig = entry.preset(AgentPresetRequest(preset: preset, env: spec, alpha: alpha, actionLimit: actionLimit))
        if let own = entry.schedule { schedule = own(agentConfig, schedule) }
        let sizes = agentConfig.ownSizes ?? (shared.batchSize, shared.replaySize)
        return TrainRunConfig(agent: agent, env: env, evaluationEnv: evaluationEnv, seed: seed, preset: preset,
                              checkpointEvery: checkpointEvery, agentConfig: agentConfig,
                              batchSize: sizes.batch, replaySize: sizes.replay, schedule: schedule)
    }

    /// A preset's training steps on an environment when `--steps` is not given: the paper's
    /// budget for `paper` and `authors-code`.
    public static func defaultSteps(preset: String, env spec: EnvSpec) -> Int {
        preset == "smoke" ? 300 : spec.isMultigoal ? 20_000 : 1_000_000
    }

    /// The budget a run was trained at, as the reviewer's page states it: the MuJoCo campaign's
    /// preset when the file lies in a campaign's runs folder (`mujoco/<campaign>/runs/`; the quick
    /// campaign trains the `paper` preset for fewer steps), else the train preset when the run
    /// trained the preset's own number of steps (or more), else "reduced".
    public func budget(path: String) -> String {
        let campaign = MuJoCoTables.campaign(of: path)
        if !campaign.isEmpty { return campaign }
        guard let spec = try? EnvCatalog.spec(env) else { return "reduced" }
        return schedule.totalSteps >= Self.defaultSteps(preset: preset, env: spec) ? preset : "reduced"
    }

    /// The other of the two Q-based test rules (`softmax` <-> `max`), nil for any other rule.
    static func otherParticleRule(_ rule: ActionSelection) -> ActionSelection? {
        switch rule {
        case .softmax: return .max
        case .max: return .softmax
        default: return nil
        }
    }

    /// SAC's configuration of a preset; its batch and replay sizes are every agent's.
    static func sacConfig(preset: String, env: String) -> SACConfig {
        switch preset {
        case "authors-code": return .authorsCode
        case "smoke": return .smoke(envID: env)
        default: return .paper(envID: env)
        }
    }

    /// An agent configuration by preset name (`authors-code`, `smoke`, otherwise `paper`).
    static func presetConfig<C: AgentPresets>(_ type: C.Type, preset: String, env: String) -> C {
        switch preset {
        case "authors-code": return .authorsCode
        case "smoke": return .smoke(envID: env)
        default: return .paper(envID: env)
        }
    }

    static func s2acConfig(_ r: AgentPresetRequest) -> S2ACConfig {
        s2acConfig(preset: r.preset, env: r.env.id, alpha: r.alpha, actionLimit: r.actionLimit)
    }

    /// The S2AC configuration of a preset: the multigoal variants on Multigoal, Ant's alpha 0.2
    /// in the paper preset (Table 3), small networks and few particles for smoke.
    public static func s2acConfig(preset: String, env: String, alpha: Double?, actionLimit: Double) -> S2ACConfig {
        let spec = EnvCatalog.known(env), multigoal = spec.isMultigoal
        var c: S2ACConfig
        switch preset {
        case "authors-code": c = multigoal ? .authorsCodeMultigoal : .authorsCode
        case "smoke":
            c = multigoal ? .paperMultigoal : .paper
            c.preset = "smoke"; c.criticHidden = [32, 32]; c.actorHidden = [32, 32]
            c.particles = 4; c.stepsPhi = 3; c.stepsPhiTheta = 2
        default:
            c = multigoal ? .paperMultigoal : .paper
            c.alphaCritic = spec.paperAlpha; c.alphaActor = spec.paperAlpha
        }
        if let alpha { c.alphaCritic = alpha; c.alphaActor = alpha }
        // The paper's target density is exp(Q / alpha) with alpha on the repulsion (Eq. 24);
        // the code's sampler (nil) never uses alpha.
        if c.svgdTemperature != nil { c.svgdTemperature = c.alphaCritic }
        c.actionLimit = actionLimit
        return c
    }

    /// f_psi's configuration of a preset (smoke: the smoke actor's 2 x 32).
    public static func amortizedConfig(preset: String) -> AmortizedSamplerConfig {
        switch preset {
        case "authors-code": return .authorsCode
        case "smoke":
            var c = AmortizedSamplerConfig.paper
            c.preset = "smoke"; c.hidden = [32, 32]
            return c
        default: return .paper
        }
    }

    /// A fresh environment by id (`Multigoal`, `Multigoal-obstacle`, or a MuJoCo id).
    public static func makeEnv(_ id: String) throws -> any Env { try EnvCatalog.spec(id).make() }

    /// The environment this run trains on.
    public func makeEnv() throws -> any Env { try Self.makeEnv(env) }

    /// The run's agent with freshly initialised networks drawn from `rng` (the seed tree's
    /// `networkInit` stream in `train`), built by its catalog entry.
    public func makeAgent(observationDimension obsDim: Int, actionDimension actDim: Int, actionLimit: Float,
                          using rng: inout Xoshiro256) throws -> any Agent {
        try entry.build(agentConfig, AgentShape(observationDimension: obsDim, actionDimension: actDim,
                                                actionLimit: actionLimit, batchSize: batchSize), &rng)
    }

    /// A trainer for this run: the agent's networks from the seed tree's `networkInit` stream,
    /// a training and an evaluation environment (`evaluationEnv`, e.g. the obstacle variant, or
    /// `env`), and a replay buffer no larger than the run.
    public func makeTrainer() throws -> Trainer {
        let environment = try makeEnv(), evaluation = try Self.makeEnv(evaluationEnv ?? env)
        guard evaluation.observationDimension == environment.observationDimension,
              evaluation.actionDimension == environment.actionDimension else {
            throw InputError("evaluation environment \(evaluationEnv ?? env) does not match \(env)'s dimensions")
        }
        let tree = SeedTree(seed: UInt64(seed))
        var initRNG = tree.stream(.networkInit)
        let learner = try makeAgent(observationDimension: environment.observationDimension,
                                    actionDimension: environment.actionDimension,
                                    actionLimit: environment.actionHigh.max() ?? 1, using: &initRNG)
        return Trainer(agent: learner, env: environment, evaluationEnv: evaluation, schedule: schedule,
                       replayCapacity: min(replaySize, max(schedule.totalSteps, 1)), batchSize: batchSize, seed: tree)
    }
}

/// A key of the run configuration's JSON object, by name: the agents' own parts are named by
/// their catalog entries (`AgentConfig.namedParts`), so adding an agent adds no key here.
struct ConfigKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension TrainRunConfig: Codable {
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: ConfigKey.self)
        func value<T: Decodable>(_ key: String) throws -> T { try c.decode(T.self, forKey: ConfigKey(key)) }
        agent = try value("agent")
        env = try value("env")
        evaluationEnv = try c.decodeIfPresent(String.self, forKey: ConfigKey("evaluationEnv"))
        seed = try value("seed")
        preset = try value("preset")
        checkpointEvery = try value("checkpointEvery")
        agentConfig = try AgentConfig(agent: agent, from: c)
        batchSize = try value("batchSize")
        replaySize = try value("replaySize")
        schedule = try value("schedule")
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: ConfigKey.self)
        try c.encode(agent, forKey: ConfigKey("agent"))
        try c.encode(env, forKey: ConfigKey("env"))
        try c.encodeIfPresent(evaluationEnv, forKey: ConfigKey("evaluationEnv"))
        try c.encode(seed, forKey: ConfigKey("seed"))
        try c.encode(preset, forKey: ConfigKey("preset"))
        try c.encode(checkpointEvery, forKey: ConfigKey("checkpointEvery"))
        try agentConfig.encode(to: &c)
        try c.encode(batchSize, forKey: ConfigKey("batchSize"))
        try c.encode(replaySize, forKey: ConfigKey("replaySize"))
        try c.encode(schedule, forKey: ConfigKey("schedule"))
    }
}

/// A configuration with the three presets every agent offers.
protocol AgentPresets {
    static var authorsCode: Self { get }
    static func paper(envID: String) -> Self
    static func smoke(envID: String) -> Self
}

extension SQLConfig: AgentPresets {}
extension SACNFConfig: AgentPresets {}
