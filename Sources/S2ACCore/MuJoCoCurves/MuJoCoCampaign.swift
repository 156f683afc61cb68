import Foundation

/// Fig 8a-e (REFERENCE section 8, paper section 4.3 and appendix K): learning curves of every
/// MuJoCo agent of the catalog on the MuJoCo environments, a grid of (agent, environment,
/// seed) runs. Each run is a `train` run file, so `report`, `rliable-stats --runs` and
/// `--resume` treat it as any other; a preset names the grid and its sizes.
public struct MuJoCoPreset: Codable, Equatable, Sendable {
    /// `smoke`, `quick`, `paper` or `authors-code`.
    public var name: String
    /// The `train` preset every run resolves with.
    public var trainPreset: String
    public var agents: [String]
    public var envs: [String]
    /// Environment steps of each run (paper section 4.3: 1M).
    public var steps: Int
    /// Evaluate every this many steps, with this many test episodes (paper section 5: 100
    /// episodes every 1000 steps).
    public var evaluationEvery: Int
    public var evaluationEpisodes: Int
    /// Checkpoint every this many steps, so an interrupted campaign resumes its runs.
    public var checkpointEvery: Int
    /// `train --set` overrides applied to every run of the preset (FIELD=VALUE).
    public var overrides: [String]

    public static let names = ["smoke", "quick", "paper", "authors-code"]
    /// The catalog's MuJoCo agents, in its order.
    public static var allAgents: [String] { AgentCatalog.ids(in: .mujoco) }
    /// Fig 8a-e's environments; Ant with contact forces when the catalog has it (the paper's
    /// Ant-v2 observation), Ant-v4 otherwise.
    public static var paperEnvs: [String] {
        ["Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", EnvCatalog.entry("Ant-v4-contact") != nil ? "Ant-v4-contact" : "Ant-v4",
         "Humanoid-v4"]
    }

    public static func named(_ name: String) throws -> MuJoCoPreset {
        switch name {
        case "smoke":
            // Seconds per run: small networks, a few hundred steps, for `make test`.
            return MuJoCoPreset(name: "smoke", trainPreset: "smoke", agents: allAgents, envs: ["Hopper-v4"], steps: 200,
                                evaluationEvery: 100, evaluationEpisodes: 2, checkpointEvery: 100, overrides: [])
        case "quick":
            // Sized from the measured CPU seconds per 1000 steps (README, "MuJoCo learning
            // curves"): the eight agents' paper-preset updates cost 1.31 CPU s per step together
            // on Hopper, so 5 seeds x 2000 steps are about 12500 CPU s of updates, plus
            // evaluation. Measured: `make mujoco SEEDS=5` took 2 h 06 min on the 2 cores (13,724
            // CPU s of runs), within the 3 hours. Ten evaluation points, the fewest Fig 8's
            // smoothing takes.
            return MuJoCoPreset(name: "quick", trainPreset: "paper", agents: allAgents, envs: ["Hopper-v4"], steps: 2000,
                                evaluationEvery: 200, evaluationEpisodes: 10, checkpointEvery: 200, overrides: [])
        case "paper":
            return MuJoCoPreset(name: "paper", trainPreset: "paper", agents: allAgents, envs: paperEnvs, steps: 1_000_000,
                                evaluationEvery: 1000, evaluationEpisodes: 100, checkpointEvery: 10_000, overrides: [])
        case "authors-code":
            // The authors' main.py schedule and sizes: 10 test episodes every 400 steps
            // (core.py, stats_steps_freq), for S2AC under max and softmax both.
            return MuJoCoPreset(name: "authors-code", trainPreset: "authors-code", agents: allAgents, envs: paperEnvs,
                                steps: 1_000_000, evaluationEvery: 400, evaluationEpisodes: 10, checkpointEvery: 10_000,
                                overrides: [])
        default:
            throw InputError("--preset must be one of \(names.joined(separator: ", ")), got '\(name)'")
        }
    }
}

/// One run of the MuJoCo grid: a `train` run with the preset's sizes.
public struct MuJoCoRunSpec: CampaignRunSpec {
    public let agent: String
    public let env: String
    public let seed: Int
    public let preset: MuJoCoPreset
    /// The run's full configuration, as `train` resolves it from `trainArguments`.
    public let train: TrainRunConfig

    public init(preset: MuJoCoPreset, agent: String, env: String, seed: Int) throws {
        self.preset = preset; self.agent = agent; self.env = env; self.seed = seed
        let resolved = try TrainRunConfig.resolve(agent: agent, env: env, preset: preset.trainPreset, seed: seed,
                                                  steps: preset.steps, evalEvery: preset.evaluationEvery,
                                                  evalEpisodes: preset.evaluationEpisodes,
                                                  checkpointEvery: preset.checkpointEvery)
        train = try resolved.setting(preset.overrides.map(ConfigOverride.init(parsing:)))
    }

    /// Every run of a grid: agents outermost, then environments, then seeds.
    public static func grid(preset: MuJoCoPreset, seeds: Int) throws -> [MuJoCoRunSpec] {
        var out: [MuJoCoRunSpec] = []
        for agent in preset.agents { for env in preset.envs { for seed in 0..<seeds {
            out.append(try MuJoCoRunSpec(preset: preset, agent: agent, env: env, seed: seed))
        } } }
        return out
    }

    public var runID: String { "\(agent)/\(env)/seed\(seed)" }
    /// `<agent>_<env>_seed<seed>.h5`.
    public var fileName: String { "\(agent)_\(env)_seed\(seed).h5" }
    public var resultKind: String { "train" }
    public func configJSON() throws -> String { try canonicalJSON(train) }
    /// The agent's measured MuJoCo cost per step times the steps (only the order and the ratios
    /// matter: Hopper's costs stand for every environment's).
    public var relativeCost: Double { (AgentCatalog.entry(agent)?.mujocoCost ?? 1000) * Double(preset.steps) }

    /// A complete run holds its evaluations and reached its last step.
    public func hasAllParts(_ file: HDF5File) -> Bool {
        guard file.root.kind(of: "train") == .group, let g = try? file.root.group("train"),
              g.kind(of: "eval_returns") == .dataset, let steps = try? g.attribute("steps")?.intValue else { return false }
        return steps == train.schedule.totalSteps
    }

    /// The `train` command line of this run writing `out` (its checkpoint beside it); `resume`
    /// continues from that checkpoint. One engine thread (train's default) unless a launcher
    /// adds `--threads` (Slurm: the task's CPUs); the bits do not depend on it.
    public func trainArguments(out: String, resume: Bool, force: Bool) -> [String] {
        var a = ["--agent", agent, "--env", env, "--preset", preset.trainPreset, "--seed", String(seed),
                 "--steps", String(preset.steps), "--eval-every", String(preset.evaluationEvery),
                 "--eval-episodes", String(preset.evaluationEpisodes), "--checkpoint-every", String(preset.checkpointEvery),
                 "--out", out, "--quiet"]
        for o in preset.overrides { a += ["--set", o] }
        if resume { a.append("--resume") } else if force { a.append("--force") }
        return a
    }

}
