import Foundation

/// `report`'s reader for `train` run files: one row per run in `train_runs.csv` and one row per
/// evaluation point in `train_curves.csv` (the learning curves of Fig 8a-e come from it). Their
/// `budget` column is `TrainRunConfig.budget(path:)`: the campaign's preset for a MuJoCo
/// campaign's runs, so a quick campaign's 2000-step runs of the `paper` train preset are "quick".
public struct TrainReporter: ResultReporter {
    public init() {}
    public var kinds: Set<String> { ["train"] }
    public var tables: [String: [String]] {
        ["train_runs": ["file", "agent", "env", "eval_env", "preset", "schedule", "seed", "steps", "updates",
                        "final_mean_return", "final_critic_loss", "params_sha256", "budget"],
         "train_curves": ["file", "agent", "env", "eval_env", "preset", "seed", "step", "mean_return", "std_return",
                          "min_return", "max_return", "episodes", "budget"]]
            .merging(MuJoCoTables.columns) { a, _ in a }
    }

    /// Fig 8's curves over seeds (`mujoco_mean_curves`), from every MuJoCo run's episodes.
    public func derivedTables(from tables: [String: CSVTable]) throws -> [String: CSVTable] {
        guard let curves = tables["mujoco_curves"] else { return [:] }
        return ["mujoco_mean_curves": try MuJoCoTables.meanCurves(from: curves)]
    }

    public func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]] {
        let name = URL(fileURLWithPath: file.path).lastPathComponent
        guard let config = try? JSONDecoder().decode(TrainRunConfig.self, from: Data(provenance.configJSON.utf8)) else {
            throw InputError("\(file.path): its config is not a train run's")
        }
        let g = try file.root.group("train")
        let points = try EvaluationPoints(from: g, path: file.path)
        let steps = points.steps, returns = points.returns
        let evalEnv = config.evaluationEnv ?? config.env
        let budget = config.budget(path: file.path)
        var curves: [[String]] = []
        var lastMean: Double?
        for (i, step) in steps.enumerated() {
            let xs = Array(points.returns(at: i))
            let mean = xs.reduce(0, +) / Double(xs.count)
            let sd = xs.count > 1 ? (xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(xs.count - 1)).squareRoot() : 0
            curves.append([name, config.agent, config.env, evalEnv, config.preset, String(config.seed), String(step),
                           csvNumber(mean), csvNumber(sd), csvNumber(xs.min()), csvNumber(xs.max()), String(xs.count), budget])
            lastMean = mean
        }
        var lastCritic: Double?
        if g.contains("updates"), try g.group("updates").memberNames().contains("critic_loss") {
            lastCritic = try g.group("updates").read("critic_loss", as: Float.self).values.last.map(Double.init)
        }
        let run = [name, config.agent, config.env, evalEnv, config.preset, config.schedule.name, String(config.seed),
                   String(try g.attribute("steps")?.intValue ?? 0), String(try g.attribute("updates")?.intValue ?? 0),
                   csvNumber(lastMean), csvNumber(lastCritic), try g.attribute("params_sha256")?.stringValue ?? "", budget]
        var out = ["train_runs": [run], "train_curves": curves]
        if EnvCatalog.entry(config.env)?.family == .mujoco {
            var played = [(config.schedule.evaluationSelection, returns, true)]
            for rule in config.schedule.additionalEvaluationSelections ?? [] {
                let more = try g.read("eval_returns_\(rule.rawValue)", as: Double.self).values
                guard more.count == returns.count else {
                    throw InputError("\(file.path): eval_returns_\(rule.rawValue) does not match eval_returns")
                }
                played.append((rule, more, false))
            }
            for (rule, values, primary) in played {
                let rows = MuJoCoTables.rows(file: name, path: file.path, config: config, steps: steps, returns: values,
                                             selection: rule, primary: primary)
                out.merge(rows) { $0 + $1 }
            }
        }
        return out
    }
}

/// The evaluation points a trainer wrote to its `train` group (`Trainer`): each point's step
/// (`eval_steps`) and the undiscounted returns of its test episodes (`eval_returns`, one row of
/// `episodes` values per point), checked to agree. Read by `train` and multigoal run reports.
public struct EvaluationPoints {
    public let steps: [Int]
    /// Row-major, `episodes` values per step.
    public let returns: [Double]
    public let episodes: Int

    public init(from group: HDF5Group, path: String) throws {
        steps = try group.read("eval_steps", as: Int.self).values
        returns = try group.read("eval_returns", as: Double.self).values
        episodes = steps.isEmpty ? 0 : returns.count / steps.count
        guard returns.count == steps.count * episodes else { throw InputError("\(path): eval_returns does not match eval_steps") }
    }

    /// The test returns at the `i`-th evaluation point.
    public func returns(at i: Int) -> ArraySlice<Double> { returns[(i * episodes)..<((i + 1) * episodes)] }
}
