import Foundation

/// Everything a training run is started with, fully resolved from (agent, env, preset, flags):
/// stored as the run file's config JSON and checked when a checkpoint is resumed. `train` and
/// the multigoal experiments build their runs from it, so one place knows every agent.
public struct TrainRunConfig: Codable, Equatable, Sendable {
    /// The temperatures `train --alpha` and the campaigns' alpha grids accept (one rule for both).
    public static let alphaRange: ClosedRange<Double> = 1e-6...1e3

    public var agent: String
    public var env: String
    /// Where test episodes run when not on `env` (the obstacle variant of multigoal); nil = `env`.
    public var evaluationEnv: String?
    public var seed: Int
    public var preset: String
    public var checkpointEvery: Int
    /// The agent's own configuration: `sac` for SAC, `sacNF` for SAC-NF, `s2ac` for the S2AC
    /// agents, `sql` for SQL (the others nil).
    public var sac: SACConfig?
    public var sacNF: SACNFConfig?
    public var s2ac: S2ACConfig?
    public var sql: SQLConfig?
    /// f_psi's configuration for `s2ac-phi-theta-psi` (nil for the other agents).
    public var amortized: AmortizedSamplerConfig?
    public var batchSize: Int
    public var replaySize: Int
    public var schedule: TrainingSchedule

    /// Agents `makeAgent` builds.
    public static let implementedAgents = ["sac", "sac-nf", "s2ac-phi", "s2ac-phi-theta", "s2ac-phi-theta-psi", "sql"]
    /// Agents named by the paper that are not built yet (`--agent` says so with exit 2).
    public static let plannedAgents = ["ddpg", "ppo"]
    /// Environments `makeEnv` builds (`EnvCatalog`).
    public static var envIDs: [String] { EnvCatalog.ids }
    public static let presets = ["paper", "authors-code", "smoke"]

    /// Resolves a run. `steps` defaults to smoke 300, multigoal 20000, MuJoCo 1000000; `alpha`
    /// overrides both temperatures; `evalEvery`/`evalEpisodes` override the schedule's.
    /// Throws `InputError` for unknown agents, environments or presets.
    public static func resolve(agent: String, env: String, preset: String, seed: Int, steps: Int? = nil,
                               alpha: Double? = nil, evalEvery: Int? = nil, evalEpisodes: Int? = nil,
                               checkpointEvery: Int = 0, evaluationEnv: String? = nil) throws -> TrainRunConfig {
        guard implementedAgents.contains(agent) else {
            if plannedAgents.contains(agent) {
                throw InputError("--agent \(agent) is not implemented yet; available: \(implementedAgents.joined(separator: ", "))")
            }
            throw InputError("--agent must be one of \((implementedAgents + plannedAgents).joined(separator: ", ")), got '\(agent)'")
        }
        let spec = try EnvCatalog.spec(env)
        if let evaluationEnv { _ = try EnvCatalog.spec(evaluationEnv, flag: "--eval-env") }
        guard presets.contains(preset) else {
            throw InputError("--preset must be one of \(presets.joined(separator: ", ")), got '\(preset)'")
        }
        let multigoal = spec.isMultigoal
        let totalSteps = steps ?? (preset == "smoke" ? 300 : multigoal ? 20_000 : 1_000_000)
        // SAC's presets also carry the batch and replay sizes every agent shares (Tables 3-4, main.py).
        var sac: SACConfig, schedule: TrainingSchedule
        switch preset {
        case "authors-code": sac = .authorsCode; schedule = .authorsCode(steps: totalSteps)
        case "smoke": sac = .smoke(envID: env); schedule = .smoke(steps: totalSteps)
        default: sac = .paper(envID: env); schedule = .paper(steps: totalSteps, batchSize: sac.batchSize)
        }
        if let alpha { sac.alphaCritic = alpha; sac.alphaActor = alpha }
        if let evalEvery { schedule.evaluationEvery = evalEvery }
        if let evalEpisodes { schedule.evaluationEpisodes = evalEpisodes }
        let actionLimit = multigoal ? 1.0 : try MuJoCoEnvs.make(env).actionHigh.max().map(Double.init) ?? 1
        var s2ac: S2ACConfig?
        if agent.hasPrefix("s2ac") {
            s2ac = s2acConfig(preset: preset, env: env, alpha: alpha, actionLimit: actionLimit)
            // REFERENCE section 3: particles are picked at random while training, by softmax over Q in tests.
            schedule.trainingSelection = .random
            schedule.evaluationSelection = .softmax
        }
        var sql: SQLConfig?
        if agent == "sql" {
            var c = presetConfig(SQLConfig.self, preset: preset, env: env)
            if let alpha { c.setAlpha(alpha) }
            sql = c
            // actor_sql.py: one sampler output while training; core.py tests by max and softmax
            // over the m particles' min Q (softmax here, as for S2AC).
            schedule.trainingSelection = .random
            schedule.evaluationSelection = .softmax
        }
        var sacNF: SACNFConfig?
        if agent == "sac-nf" {
            var c = presetConfig(SACNFConfig.self, preset: preset, env: env)
            if let alpha { c.sac.alphaCritic = alpha; c.sac.alphaActor = alpha }
            sacNF = c
            // As SAC: draws from the policy while training, the flow applied to the mean in tests.
            schedule.trainingSelection = .sample
            schedule.evaluationSelection = .mean
        }
        var amortized: AmortizedSamplerConfig?
        if agent == "s2ac-phi-theta-psi" {
            amortized = amortizedConfig(preset: preset)
            // Alg. 2: f_psi replaces the SVGD sampler at test time.
            schedule.evaluationSelection = .amortized
        }
        let batchSize = sacNF?.sac.batchSize ?? sac.batchSize, replaySize = sacNF?.sac.replaySize ?? sac.replaySize
        return TrainRunConfig(agent: agent, env: env, evaluationEnv: evaluationEnv, seed: seed, preset: preset, checkpointEvery: checkpointEvery,
                              sac: agent == "sac" ? sac : nil, sacNF: sacNF, s2ac: s2ac, sql: sql, amortized: amortized,
                              batchSize: batchSize, replaySize: replaySize, schedule: schedule)
    }

    /// An agent configuration by preset name (`authors-code`, `smoke`, otherwise `paper`).
    static func presetConfig<C: AgentPresets>(_ type: C.Type, preset: String, env: String) -> C {
        switch preset {
        case "authors-code": return .authorsCode
        case "smoke": return .smoke(envID: env)
        default: return .paper(envID: env)
        }
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
    /// `networkInit` stream in `train`).
    public func makeAgent(observationDimension obsDim: Int, actionDimension actDim: Int, actionLimit: Float,
                          using rng: inout Xoshiro256) throws -> any Agent {
        switch agent {
        case "s2ac-phi":
            return try S2ACPhi(observationDimension: obsDim, actionDimension: actDim, config: s2ac!,
                               batchSize: batchSize, using: &rng)
        case "s2ac-phi-theta":
            return try S2ACPhiTheta(observationDimension: obsDim, actionDimension: actDim, config: s2ac!, using: &rng)
        case "sql":
            return try SQL(observationDimension: obsDim, actionDimension: actDim, actionLimit: actionLimit, config: sql!, using: &rng)
        case "s2ac-phi-theta-psi":
            return try S2ACPhiThetaPsi(observationDimension: obsDim, actionDimension: actDim, config: s2ac!,
                                       amortized: amortized!, using: &rng)
        case "sac":
            return SAC(observationDimension: obsDim, actionDimension: actDim, actionLimit: actionLimit, config: sac!, using: &rng)
        case "sac-nf":
            return SACNF(observationDimension: obsDim, actionDimension: actDim, actionLimit: actionLimit, config: sacNF!, using: &rng)
        default:
            throw InputError("no agent named '\(agent)'")
        }
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

/// A configuration with the three presets every agent offers.
protocol AgentPresets {
    static var authorsCode: Self { get }
    static func paper(envID: String) -> Self
    static func smoke(envID: String) -> Self
}

extension SQLConfig: AgentPresets {}
extension SACNFConfig: AgentPresets {}
