import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Everything a training run was started with, fully resolved; stored as the run file's
/// config JSON and checked when a checkpoint is resumed.
struct TrainRunConfig: Codable {
    var agent: String
    var env: String
    var seed: Int
    var preset: String
    var checkpointEvery: Int
    /// The agent's own configuration: `sac` for SAC, `s2ac` for the S2AC agents (the other nil).
    var sac: SACConfig?
    var s2ac: S2ACConfig?
    var batchSize: Int
    var replaySize: Int
    var schedule: TrainingSchedule
}

struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train an agent on an environment and write its evaluation returns to a run file.",
        discussion: """
            Presets: 'paper' (Tables 3-4: one update per step, Adam 3e-4, 2 x 256), 'authors-code' \
            (main.py defaults: 10000 random steps, 50 updates every 50 steps after 1000, lr 1e-3, \
            actor 3 x 256, alpha 0.2), 'smoke' (small networks, a few hundred steps). The run file \
            holds eval_steps, eval_returns (points x episodes), episode_returns and the attributes \
            params_sha256 and replay_sha256 in the group /train. With --checkpoint-every K the full \
            state goes to OUT.ckpt.h5 every K steps; --resume continues from it bit for bit.
            """)

    static let implementedAgents = ["sac", "s2ac-phi", "s2ac-phi-theta"]
    static let plannedAgents = ["s2ac-phi-theta-psi", "sql", "sac-nf", "ddpg", "ppo"]
    static let envIDs = ["Multigoal", "Multigoal-obstacle"] + MuJoCoEnvs.ids

    @Option(help: "Agent: \((implementedAgents + plannedAgents).joined(separator: ", ")) (the others are planned).")
    var agent: String

    @Option(help: "Environment: \(envIDs.joined(separator: ", ")).")
    var env: String

    @Option(help: "Temperature for both alpha_c and alpha_a (default: the preset's).")
    var alpha: Double?

    @Option(help: "Seed of the run's seed tree.")
    var seed: Int = 0

    @Option(help: "Environment steps (default: smoke 300, multigoal 20000, MuJoCo 1000000).")
    var steps: Int?

    @Option(help: "paper, authors-code or smoke.")
    var preset: String = "paper"

    @Option(help: "Evaluate every this many steps (default: the preset's, 1000).")
    var evalEvery: Int?

    @Option(help: "Test episodes per evaluation (default: the preset's).")
    var evalEpisodes: Int?

    @Option(help: "Output run file (.h5).")
    var out: String

    @Option(help: "Write a checkpoint (OUT.ckpt.h5) every this many steps; 0 = never.")
    var checkpointEvery: Int = 0

    @Flag(help: "Continue from OUT.ckpt.h5 (same configuration).")
    var resume = false

    @Flag(help: "Overwrite an existing run file.")
    var force = false

    @Flag(help: "No progress line on standard error.")
    var quiet = false

    func validate() throws {
        guard Self.envIDs.contains(env) else {
            throw ValidationError("--env must be one of \(Self.envIDs.joined(separator: ", ")), got '\(env)'")
        }
        guard ["paper", "authors-code", "smoke"].contains(preset) else {
            throw ValidationError("--preset must be paper, authors-code or smoke, got '\(preset)'")
        }
        if let alpha { try requireRange(alpha, 1e-6...1e3, flag: "alpha") }
        try requireRange(seed, 0...Int(Int32.max), flag: "seed")
        if let steps { try requireRange(steps, 1...100_000_000, flag: "steps") }
        if let evalEvery { try requireRange(evalEvery, 0...100_000_000, flag: "eval-every") }
        if let evalEpisodes { try requireRange(evalEpisodes, 1...1000, flag: "eval-episodes") }
        try requireRange(checkpointEvery, 0...100_000_000, flag: "checkpoint-every")
        guard out.hasSuffix(".h5") else { throw ValidationError("--out must name a .h5 file, got '\(out)'") }
    }

    func makeEnv() throws -> any Env {
        switch env {
        case "Multigoal": return Multigoal()
        case "Multigoal-obstacle": return Multigoal(withObstacle: true)
        default: return try MuJoCoEnvs.make(env)
        }
    }

    /// The S2AC configuration of the chosen preset: the multigoal variants on Multigoal, Ant's
    /// alpha 0.2 in the paper preset (Table 3), small networks and few particles for smoke.
    func s2acConfig(multigoal: Bool, actionLimit: Double) -> S2ACConfig {
        var c: S2ACConfig
        switch preset {
        case "authors-code": c = multigoal ? .authorsCodeMultigoal : .authorsCode
        case "smoke":
            c = multigoal ? .paperMultigoal : .paper
            c.preset = "smoke"; c.criticHidden = [32, 32]; c.actorHidden = [32, 32]
            c.particles = 4; c.stepsPhi = 3; c.stepsPhiTheta = 2
        default:
            c = multigoal ? .paperMultigoal : .paper
            if env.hasPrefix("Ant") { c.alphaCritic = 0.2; c.alphaActor = 0.2 }
        }
        if let alpha { c.alphaCritic = alpha; c.alphaActor = alpha }
        // The paper's target density is exp(Q / alpha); the code's (nil) leaves Q undivided.
        if c.scoreTemperature != nil { c.scoreTemperature = c.alphaCritic }
        c.actionLimit = actionLimit
        return c
    }

    func run() throws {
        guard Self.implementedAgents.contains(agent) else {
            if Self.plannedAgents.contains(agent) {
                throw InputError("--agent \(agent) is not implemented yet; available: \(Self.implementedAgents.joined(separator: ", "))")
            }
            throw InputError("--agent must be one of \((Self.implementedAgents + Self.plannedAgents).joined(separator: ", ")), got '\(agent)'")
        }
        let multigoal = env.hasPrefix("Multigoal")
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
        let environment = try makeEnv(), evaluationEnv = try makeEnv()
        let limit = environment.actionHigh.max() ?? 1
        let s2ac = agent.hasPrefix("s2ac") ? s2acConfig(multigoal: multigoal, actionLimit: Double(limit)) : nil
        let config = TrainRunConfig(agent: agent, env: env, seed: seed, preset: preset, checkpointEvery: checkpointEvery,
                                    sac: agent == "sac" ? sac : nil, s2ac: s2ac, batchSize: sac.batchSize,
                                    replaySize: sac.replaySize, schedule: schedule)
        let configJSON = try canonicalJSON(config)
        let checkpointPath = String(out.dropLast(3)) + ".ckpt.h5"
        if resume && !FileManager.default.fileExists(atPath: checkpointPath) {
            throw InputError("--resume: no checkpoint at \(checkpointPath)")
        }

        let tree = SeedTree(seed: UInt64(seed))
        var initRNG = tree.stream(.networkInit)
        let learner: any Agent
        let (obsDim, actDim) = (environment.observationDimension, environment.actionDimension)
        switch agent {
        case "s2ac-phi":
            learner = try S2ACPhi(observationDimension: obsDim, actionDimension: actDim, config: s2ac!,
                                  batchSize: sac.batchSize, using: &initRNG)
        case "s2ac-phi-theta":
            learner = try S2ACPhiTheta(observationDimension: obsDim, actionDimension: actDim, config: s2ac!, using: &initRNG)
        default:
            learner = SAC(observationDimension: obsDim, actionDimension: actDim, actionLimit: limit, config: sac, using: &initRNG)
        }
        let trainer = Trainer(agent: learner, env: environment, evaluationEnv: evaluationEnv, schedule: schedule,
                              replayCapacity: min(sac.replaySize, max(totalSteps, 1)), batchSize: sac.batchSize, seed: tree)
        trainer.showsProgress = !quiet
        if resume {
            try trainer.readCheckpoint(path: checkpointPath, configJSON: configJSON)
            FileHandle.standardError.write(Data("train: resumed at step \(trainer.step) from \(checkpointPath)\n".utf8))
        }
        // Opened last, so a refused resume leaves no partial file behind; still before the run.
        let writer = try ResultWriter(path: out, kind: "train", config: config, seed: seed, force: force)
        try trainer.run { t in
            if checkpointEvery > 0 && t.step % checkpointEvery == 0 {
                try t.writeCheckpoint(path: checkpointPath, configJSON: configJSON)
            }
        }
        try trainer.writeResults(to: writer.root.createGroup("train"))
        try writer.commit()
        let last = trainer.evaluations.last.map { String(format: ", last eval return %.2f", $0.returns.reduce(0, +) / Double($0.returns.count)) } ?? ""
        print("train: \(agent) on \(env), \(trainer.step) steps, \(trainer.updates) updates\(last) -> \(out)")
    }
}

Train.suiteMain()
