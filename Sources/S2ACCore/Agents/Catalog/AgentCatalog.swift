import Foundation

/// The experiments of the paper an agent takes part in (its rows in the figures and tables).
public enum PaperExperiment: String, Codable, CaseIterable, Sendable {
    /// Fig 5-7, 11-17: the multigoal environment.
    case multigoal
    /// Fig 8: MuJoCo learning curves.
    case mujoco
    /// Table 1: action-selection time.
    case table1
}

/// How an agent learns: from a replay buffer of past transitions, or from the rollout it has
/// just collected with its current policy.
public enum LearningKind: String, Codable, Sendable {
    case offPolicy = "off-policy"
    case onPolicy = "on-policy"
}

/// The options of `train` that name one agent setting each. An agent accepts those its
/// catalog entry maps to a configuration field; `train` refuses the others.
public enum AgentOption: String, CaseIterable, Sendable {
    case particles, svgdSteps = "svgd-steps", svgdStepSize = "svgd-step-size", bandwidth
    case sigmaP0 = "sigma-p0", criticHidden = "critic-hidden", actorHidden = "actor-hidden"
}

/// What a preset needs to know to size an agent's configuration.
public struct AgentPresetRequest: Sendable {
    /// `paper`, `authors-code` or `smoke`.
    public var preset: String
    public var env: EnvSpec
    /// `train --alpha`: both temperatures, for agents that have them.
    public var alpha: Double?
    /// The environment's largest action bound.
    public var actionLimit: Double
}

/// What building an agent's networks needs besides its configuration.
public struct AgentShape: Sendable {
    public var observationDimension: Int
    public var actionDimension: Int
    public var actionLimit: Float
    /// The run's minibatch size (S2AC(phi) sizes its q0 noise by it).
    public var batchSize: Int
}

/// One agent of the suite: everything the training command, the campaigns, the benchmarks and
/// the reports need to know about it. Adding an agent means writing its file under Agents/ and
/// adding one entry here (with its `AgentConfig` case).
public struct AgentEntry: Sendable {
    /// The id on the command line and in run files.
    public let id: String
    /// The name the paper's figures and tables give it.
    public let paperName: String
    /// One line for `train --list-agents`.
    public let summary: String
    public let learning: LearningKind
    /// The paper experiments it is part of.
    public let experiments: Set<PaperExperiment>
    /// How it acts while training and in test episodes (REFERENCE section 3).
    public let trainingSelection: ActionSelection
    public let evaluationSelection: ActionSelection
    /// Whether it acts through a particle set, so that the test rules random, softmax and max
    /// all apply (the multigoal probes test each).
    public let selectsAmongParticles: Bool
    /// The `train` options it accepts and the configuration field each sets.
    public let options: [AgentOption: String]
    /// CPU seconds of one quick multigoal run (2000 steps) on the development machine: only the
    /// order matters (campaigns start their longest runs first).
    public let relativeCost: Double
    /// CPU seconds of 1000 paper-preset Hopper-v4 steps on the development machine (README,
    /// "MuJoCo learning curves"): the MuJoCo campaign's order and time left.
    public var mujocoCost: Double = 0
    /// Fields of the agent's configuration that another field sets (`train --set` refuses them
    /// and names the other).
    var fieldsSetElsewhere: [String: String] = [:]
    /// Its configuration in a preset.
    let preset: @Sendable (AgentPresetRequest) -> AgentConfig
    /// A fresh agent with networks drawn from the generator.
    let build: @Sendable (AgentConfig, AgentShape, inout Xoshiro256) throws -> any Agent
    /// The agent's own training schedule from the preset's (its warm-up and update rhythm), or
    /// nil to train on the preset's.
    var schedule: (@Sendable (AgentConfig, TrainingSchedule) -> TrainingSchedule)? = nil
}

/// An agent's own configuration, typed by agent. Encoded into the run's configuration JSON
/// under the keys the run files have always used (`sac`, `sacNF`, `s2ac`, `amortized`, `sql`),
/// so run files and checkpoints written before the catalog still match.
public enum AgentConfig: Equatable, Sendable {
    case sac(SACConfig)
    case sacNF(SACNFConfig)
    case s2acPhi(S2ACConfig)
    case s2acPhiTheta(S2ACConfig)
    case s2acPhiThetaPsi(S2ACConfig, amortized: AmortizedSamplerConfig)
    case sql(SQLConfig)
    case ddpg(DDPGConfig)
    case ppo(PPOConfig)

    /// The JSON keys of this agent's configuration inside the run configuration.
    var keys: [String] { namedParts.map(\.0) }

    /// The agent's configuration values by their JSON key.
    var namedParts: [(String, any Encodable)] {
        switch self {
        case .sac(let x): return [("sac", x)]
        case .sacNF(let x): return [("sacNF", x)]
        case .s2acPhi(let x), .s2acPhiTheta(let x): return [("s2ac", x)]
        case .s2acPhiThetaPsi(let x, let a): return [("s2ac", x), ("amortized", a)]
        case .sql(let x): return [("sql", x)]
        case .ddpg(let x): return [("ddpg", x)]
        case .ppo(let x): return [("ppo", x)]
        }
    }

    func encode(to c: inout KeyedEncodingContainer<ConfigKey>) throws {
        for (key, value) in namedParts { try c.encode(value, forKey: ConfigKey(key)) }
    }

    init(agent: String, from c: KeyedDecodingContainer<ConfigKey>) throws {
        switch agent {
        case "sac": self = .sac(try c.decode(SACConfig.self, forKey: ConfigKey("sac")))
        case "sac-nf": self = .sacNF(try c.decode(SACNFConfig.self, forKey: ConfigKey("sacNF")))
        case "s2ac-phi": self = .s2acPhi(try c.decode(S2ACConfig.self, forKey: ConfigKey("s2ac")))
        case "s2ac-phi-theta": self = .s2acPhiTheta(try c.decode(S2ACConfig.self, forKey: ConfigKey("s2ac")))
        case "s2ac-phi-theta-psi":
            self = .s2acPhiThetaPsi(try c.decode(S2ACConfig.self, forKey: ConfigKey("s2ac")),
                                    amortized: try c.decode(AmortizedSamplerConfig.self, forKey: ConfigKey("amortized")))
        case "sql": self = .sql(try c.decode(SQLConfig.self, forKey: ConfigKey("sql")))
        case "ddpg": self = .ddpg(try c.decode(DDPGConfig.self, forKey: ConfigKey("ddpg")))
        case "ppo": self = .ppo(try c.decode(PPOConfig.self, forKey: ConfigKey("ppo")))
        default:
            throw DecodingError.dataCorruptedError(forKey: ConfigKey("agent"), in: c, debugDescription: "no agent named '\(agent)'")
        }
    }

    /// SVGD steps of one action selection (0 for agents without an SVGD sampler at test time).
    public var samplerSteps: Int {
        switch self {
        case .s2acPhi(let c): return c.stepsPhi
        case .s2acPhiTheta(let c), .s2acPhiThetaPsi(let c, _): return c.stepsPhiTheta
        default: return 0
        }
    }

    /// Particles drawn per state in one action selection (1 for a single sample).
    public var particles: Int {
        switch self {
        case .s2acPhi(let c), .s2acPhiTheta(let c), .s2acPhiThetaPsi(let c, _): return c.particles
        case .sql(let c): return c.particles
        default: return 1
        }
    }

    /// The range checks of every field (`ConfigCheck`).
    func check(_ c: inout ConfigCheck) {
        switch self {
        case .sac(let x): x.check(&c, at: "sac")
        case .sacNF(let x): x.check(&c, at: "sacNF")
        case .s2acPhi(let x), .s2acPhiTheta(let x): x.check(&c, at: "s2ac")
        case .s2acPhiThetaPsi(let x, let a): x.check(&c, at: "s2ac"); a.check(&c, at: "amortized")
        case .sql(let x): x.check(&c, at: "sql")
        case .ddpg(let x): x.check(&c, at: "ddpg")
        case .ppo(let x): x.check(&c, at: "ppo")
        }
    }

    /// The batch and replay sizes the agent's own configuration records, when it has them
    /// (SAC and SAC-NF; the others take the run's).
    var ownSizes: (batch: Int, replay: Int)? {
        switch self {
        case .sac(let x): return (x.batchSize, x.replaySize)
        case .sacNF(let x): return (x.sac.batchSize, x.sac.replaySize)
        case .ddpg(let x): return (x.batchSize, x.replaySize)
        default: return nil
        }
    }
}

/// Every agent of the suite, in the order of the paper's figures (Fig 6: S2AC(φ,θ), S2AC(φ),
/// SAC, SQL, SAC-NF; then Fig 17's S2AC(φ,θ,ψ)); tables and plots list agents in this order.
public enum AgentCatalog {
    private static let s2acOptions: [AgentOption: String] = [
        .particles: "s2ac.particles", .svgdStepSize: "s2ac.stepSize", .bandwidth: "s2ac.bandwidth",
        .criticHidden: "s2ac.criticHidden", .actorHidden: "s2ac.actorHidden",
    ]

    public static let all: [AgentEntry] = [
        AgentEntry(
            id: "s2ac-phi-theta", paperName: "S2AC(φ,θ)",
            summary: "S2AC with a learned state-dependent q0 (the paper's main agent)",
            learning: .offPolicy, experiments: [.multigoal, .mujoco, .table1],
            trainingSelection: .random, evaluationSelection: .softmax, selectsAmongParticles: true,
            options: s2acOptions.merging([.svgdSteps: "s2ac.stepsPhiTheta"]) { $1 }, relativeCost: 595, mujocoCost: 291,
            preset: { .s2acPhiTheta(TrainRunConfig.s2acConfig($0)) },
            build: { config, shape, rng in
                guard case .s2acPhiTheta(let c) = config else { throw AgentCatalog.mismatch("s2ac-phi-theta", config) }
                return try S2ACPhiTheta(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                                        config: c, using: &rng)
            }),
        AgentEntry(
            id: "s2ac-phi", paperName: "S2AC(φ)",
            summary: "S2AC with a fixed q0 = N(0, sigma_p0^2 I)",
            learning: .offPolicy, experiments: [.multigoal, .mujoco, .table1],
            trainingSelection: .random, evaluationSelection: .softmax, selectsAmongParticles: true,
            options: s2acOptions.merging([.svgdSteps: "s2ac.stepsPhi", .sigmaP0: "s2ac.sigmaP0"]) { $1 }, relativeCost: 190, mujocoCost: 594,
            preset: { .s2acPhi(TrainRunConfig.s2acConfig($0)) },
            build: { config, shape, rng in
                guard case .s2acPhi(let c) = config else { throw AgentCatalog.mismatch("s2ac-phi", config) }
                return try S2ACPhi(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                                   config: c, batchSize: shape.batchSize, using: &rng)
            }),
        AgentEntry(
            id: "sac", paperName: "SAC",
            summary: "Soft Actor-Critic with a squashed Gaussian policy",
            learning: .offPolicy, experiments: [.multigoal, .mujoco, .table1],
            trainingSelection: .sample, evaluationSelection: .mean, selectsAmongParticles: false,
            options: [.criticHidden: "sac.criticHidden", .actorHidden: "sac.actorHidden"], relativeCost: 6, mujocoCost: 12.5,
            fieldsSetElsewhere: ["sac.batchSize": "batchSize", "sac.replaySize": "replaySize"],
            preset: { r in
                var c = TrainRunConfig.sacConfig(preset: r.preset, env: r.env.id)
                if let alpha = r.alpha { c.alphaCritic = alpha; c.alphaActor = alpha }
                return .sac(c)
            },
            build: { config, shape, rng in
                guard case .sac(let c) = config else { throw AgentCatalog.mismatch("sac", config) }
                return SAC(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                           actionLimit: shape.actionLimit, config: c, using: &rng)
            }),
        AgentEntry(
            id: "sql", paperName: "SQL",
            summary: "Soft Q-learning with an amortized SVGD sampler",
            learning: .offPolicy, experiments: [.multigoal, .mujoco, .table1],
            trainingSelection: .random, evaluationSelection: .softmax, selectsAmongParticles: true,
            options: [.particles: "sql.particles", .bandwidth: "sql.bandwidth", .criticHidden: "sql.criticHidden",
                      .actorHidden: "sql.actorHidden"], relativeCost: 40, mujocoCost: 66,
            preset: { r in
                var c = TrainRunConfig.presetConfig(SQLConfig.self, preset: r.preset, env: r.env.id)
                if let alpha = r.alpha { c.setAlpha(alpha) }
                return .sql(c)
            },
            build: { config, shape, rng in
                guard case .sql(let c) = config else { throw AgentCatalog.mismatch("sql", config) }
                return try SQL(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                               actionLimit: shape.actionLimit, config: c, using: &rng)
            }),
        AgentEntry(
            id: "sac-nf", paperName: "SAC-NF",
            summary: "SAC with a normalizing-flow policy",
            learning: .offPolicy, experiments: [.multigoal, .mujoco, .table1],
            trainingSelection: .sample, evaluationSelection: .mean, selectsAmongParticles: false,
            options: [:], relativeCost: 7, mujocoCost: 14.8,
            fieldsSetElsewhere: ["sacNF.sac.batchSize": "batchSize", "sacNF.sac.replaySize": "replaySize"],
            preset: { r in
                var c = TrainRunConfig.presetConfig(SACNFConfig.self, preset: r.preset, env: r.env.id)
                if let alpha = r.alpha { c.sac.alphaCritic = alpha; c.sac.alphaActor = alpha }
                return .sacNF(c)
            },
            build: { config, shape, rng in
                guard case .sacNF(let c) = config else { throw AgentCatalog.mismatch("sac-nf", config) }
                return SACNF(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                             actionLimit: shape.actionLimit, config: c, using: &rng)
            }),
        AgentEntry(
            id: "s2ac-phi-theta-psi", paperName: "S2AC(φ,θ,ψ)",
            summary: "S2AC(φ,θ) with the amortized sampler f_psi acting in tests (Alg. 2)",
            learning: .offPolicy, experiments: [.multigoal, .mujoco, .table1],
            trainingSelection: .random, evaluationSelection: .amortized, selectsAmongParticles: true,
            options: s2acOptions.merging([.svgdSteps: "s2ac.stepsPhiTheta"]) { $1 }, relativeCost: 680, mujocoCost: 326,
            preset: { .s2acPhiThetaPsi(TrainRunConfig.s2acConfig($0), amortized: TrainRunConfig.amortizedConfig(preset: $0.preset)) },
            build: { config, shape, rng in
                guard case .s2acPhiThetaPsi(let c, let a) = config else { throw AgentCatalog.mismatch("s2ac-phi-theta-psi", config) }
                return try S2ACPhiThetaPsi(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                                           config: c, amortized: a, using: &rng)
            }),
        AgentEntry(
            id: "ddpg", paperName: "DDPG",
            summary: "Deep deterministic policy gradient (cleanrl's settings; a Fig 8 baseline)",
            learning: .offPolicy, experiments: [.mujoco, .table1],
            trainingSelection: .sample, evaluationSelection: .mean, selectsAmongParticles: false,
            options: [.criticHidden: "ddpg.criticHidden", .actorHidden: "ddpg.actorHidden"], relativeCost: 15, mujocoCost: 13.0,
            fieldsSetElsewhere: ["ddpg.batchSize": "batchSize", "ddpg.replaySize": "replaySize"],
            // The paper's authors ran no DDPG: `paper` and `authors-code` both take the reference
            // implementation's settings.
            preset: { .ddpg($0.preset == "smoke" ? .smoke(envID: $0.env.id) : .paper(envID: $0.env.id)) },
            build: { config, shape, rng in
                guard case .ddpg(let c) = config else { throw AgentCatalog.mismatch("ddpg", config) }
                return DDPG(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                            actionLimit: shape.actionLimit, config: c, using: &rng)
            },
            schedule: { config, s in
                guard case .ddpg(let c) = config else { return s }
                return c.schedule(name: s.name, steps: s.totalSteps, evaluationEvery: s.evaluationEvery,
                                  evaluationEpisodes: s.evaluationEpisodes)
            }),
        AgentEntry(
            id: "ppo", paperName: "PPO",
            summary: "Proximal policy optimisation, on-policy (cleanrl's settings; a Fig 8 baseline)",
            learning: .onPolicy, experiments: [.mujoco, .table1],
            trainingSelection: .sample, evaluationSelection: .mean, selectsAmongParticles: false,
            options: [.criticHidden: "ppo.criticHidden", .actorHidden: "ppo.actorHidden"], relativeCost: 1, mujocoCost: 0.27,
            preset: { .ppo($0.preset == "smoke" ? .smoke(envID: $0.env.id) : .paper(envID: $0.env.id)) },
            build: { config, shape, rng in
                guard case .ppo(let c) = config else { throw AgentCatalog.mismatch("ppo", config) }
                return PPO(observationDimension: shape.observationDimension, actionDimension: shape.actionDimension,
                           actionLimit: shape.actionLimit, config: c, using: &rng)
            },
            schedule: { config, s in
                guard case .ppo(let c) = config else { return s }
                return c.schedule(name: s.name, steps: s.totalSteps, evaluationEvery: s.evaluationEvery,
                                  evaluationEpisodes: s.evaluationEpisodes)
            }),
    ]

    /// Agents the paper names that the suite does not build yet (`--agent` says so).
    public static let planned: [String] = []

    /// The ids in catalog order.
    public static var ids: [String] { all.map(\.id) }

    /// The ids of the agents in one of the paper's experiments, in catalog order.
    public static func ids(in experiment: PaperExperiment) -> [String] {
        all.filter { $0.experiments.contains(experiment) }.map(\.id)
    }

    public static func entry(_ id: String) -> AgentEntry? { all.first { $0.id == id } }

    /// The entry of `id`; an unknown or planned id is an `InputError` naming the known ones.
    public static func entry(named id: String, flag: String = "--agent") throws -> AgentEntry {
        if let e = entry(id) { return e }
        if planned.contains(id) {
            throw InputError("\(flag) \(id) is not implemented yet; available: \(ids.joined(separator: ", "))")
        }
        throw InputError("\(flag) must be one of \(ids.joined(separator: ", ")), got '\(id)'")
    }

    static func mismatch(_ id: String, _ config: AgentConfig) -> InputError {
        InputError("the configuration of \(config.keys.joined(separator: "+")) does not belong to agent \(id)")
    }

    /// The catalog as `train --list-agents --json` prints it: one object per agent.
    public static func listing() -> [[String: Any]] {
        all.map { e in
            ["id": e.id, "paper_name": e.paperName, "summary": e.summary, "learning": e.learning.rawValue,
             "experiments": PaperExperiment.allCases.filter(e.experiments.contains).map(\.rawValue),
             "training_selection": e.trainingSelection.rawValue, "evaluation_selection": e.evaluationSelection.rawValue,
             "selects_among_particles": e.selectsAmongParticles,
             "options": e.options.keys.map(\.rawValue).sorted()]
        }
    }
}
