import Foundation
@testable import S2ACCore
import Testing

/// The agent catalog and the configuration overrides built on it (`train --set`,
/// `--show-config`, `--list-agents`).
@Suite struct AgentCatalogTests {
    static let presets = ["smoke", "paper", "authors-code"]
    static let envs = ["Multigoal", "Hopper-v4", "Ant-v4", "Humanoid-v4"]

    /// Every entry builds an agent of its own id from each preset, on each environment; the
    /// presets' values pass the range checks `--set` applies; the configuration survives its
    /// JSON encoding unchanged.
    @Test func everyEntryResolvesBuildsAndRoundTrips() throws {
        #expect(Set(AgentCatalog.ids).count == AgentCatalog.all.count)
        for entry in AgentCatalog.all {
            for preset in Self.presets {
                for env in Self.envs {
                    let c = try TrainRunConfig.resolve(agent: entry.id, env: env, preset: preset, seed: 1, steps: 10)
                    try c.validate()
                    #expect(c.schedule.trainingSelection == entry.trainingSelection)
                    #expect(c.schedule.evaluationSelection == entry.evaluationSelection)
                    let decoded = try JSONDecoder().decode(TrainRunConfig.self, from: Data(canonicalJSON(c).utf8))
                    #expect(decoded == c, "\(entry.id) \(preset) \(env)")
                    let spec = try EnvCatalog.spec(env)
                    var rng = Xoshiro256(seed: 3)
                    let agent = try c.makeAgent(observationDimension: spec.observationDimension,
                                                actionDimension: spec.actionDimension, actionLimit: 1, using: &rng)
                    #expect(agent.name == entry.id)
                    // Every option the entry accepts names a field the configuration has.
                    let paths = Set(c.fieldPaths().map(\.path))
                    for (option, path) in entry.options { #expect(paths.contains(path), "\(entry.id) --\(option.rawValue) -> \(path)") }
                }
            }
        }
        // A configuration decoded under another agent's id is refused, not misread.
        let sac = try canonicalJSON(TrainRunConfig.resolve(agent: "sac", env: "Multigoal", preset: "smoke", seed: 0))
        let renamed = sac.replacingOccurrences(of: "\"agent\":\"sac\"", with: "\"agent\":\"sql\"")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TrainRunConfig.self, from: Data(renamed.utf8)) }
    }

    /// `--set` changes exactly the field it names, with the field's type; every other field
    /// keeps its value bit for bit (the JSON round trip does not round a Double).
    @Test func setChangesOneFieldOnly() throws {
        for entry in AgentCatalog.all {
            let c = try TrainRunConfig.resolve(agent: entry.id, env: "Hopper-v4", preset: "paper", seed: 0, alpha: 0.37)
            let before = c.fieldPaths()
            let changed = try c.setting([ConfigOverride(path: "schedule.evaluationEpisodes", value: "7"),
                                         ConfigOverride(path: "batchSize", value: "64")])
            #expect(changed.schedule.evaluationEpisodes == 7 && changed.batchSize == 64)
            let after = Dictionary(changed.fieldPaths().map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
            for (path, value) in before where path != "schedule.evaluationEpisodes" && path != "batchSize" {
                #expect(after[path] == value, "\(entry.id) \(path)")
            }
        }
        let s2ac = try TrainRunConfig.resolve(agent: "s2ac-phi", env: "Hopper-v4", preset: "paper", seed: 0)
        let set = try s2ac.setting([ConfigOverride(path: "s2ac.sigmaP0", value: "0.123456789012345678"),
                                    ConfigOverride(path: "s2ac.bandwidth", value: "2.5"),
                                    ConfigOverride(path: "s2ac.criticHidden", value: "[64,32]"),
                                    ConfigOverride(path: "s2ac.svgdTemperature", value: "null"),
                                    ConfigOverride(path: "s2ac.traceNormalization", value: "authors")])
        let s = try #require(set.s2ac)
        #expect(s.sigmaP0 == 0.123456789012345678 && s.bandwidth == "2.5" && s.criticHidden == [64, 32])
        #expect(s.svgdTemperature == nil && s.traceNormalization == .authors)
        // DDPG's warm-up is its own setting; the schedule follows it, and is not set apart.
        let ddpg = try TrainRunConfig.resolve(agent: "ddpg", env: "Hopper-v4", preset: "paper", seed: 0)
        #expect(ddpg.schedule.startSteps == 25_000 && ddpg.schedule.updateAfter == 25_001 && ddpg.batchSize == 256)
        let warm = try ddpg.setting([ConfigOverride(path: "ddpg.startSteps", value: "1000")])
        #expect(warm.schedule.startSteps == 1000 && warm.schedule.updateAfter == 1001)
        #expect(throws: InputError.self) { try ddpg.setting([ConfigOverride(path: "schedule.startSteps", value: "10")]) }
        #expect(throws: InputError.self) { try ddpg.setting([ConfigOverride(path: "ddpg.batchSize", value: "10")]) }
        let ppo = try TrainRunConfig.resolve(agent: "ppo", env: "Hopper-v4", preset: "paper", seed: 0)
        #expect(throws: InputError.self) { try ppo.setting([ConfigOverride(path: "ppo.minibatches", value: "30")]) }
        // The agent options are overrides of the fields their entry names.
        let viaOption = try s2ac.applying(AgentOptions(particles: 7, svgdSteps: 4))
        #expect(viaOption.s2ac?.particles == 7 && viaOption.s2ac?.stepsPhi == 4 && viaOption.s2ac?.stepsPhiTheta == s2ac.s2ac?.stepsPhiTheta)
    }

    /// Unknown fields, fields with their own option, values of the wrong type and values out of
    /// range are refused, each with a message naming the field.
    @Test func badOverridesAreRefused() throws {
        let c = try TrainRunConfig.resolve(agent: "s2ac-phi-theta", env: "Multigoal", preset: "smoke", seed: 0)
        let cases: [(String, String, String)] = [
            ("s2ac.nope", "1", "no such field"), ("particles", "3", "did you mean s2ac.particles"),
            ("s2ac.particles", "x", "not a value of this field"), ("s2ac.particles", "2.5", "not a value of this field"),
            ("s2ac.particles", "1", "must be in 2...10000"), ("agent", "sac", "set by --agent"),
            ("sac.criticHidden", "[8]", "no such field"), ("s2ac.criticHidden", "[0]", "layer widths"),
            ("s2ac.gamma", "1.5", "must be in 0...1"), ("s2ac.bandwidth", "widest", "bandwidth"),
            ("s2ac.traceNormalization", "bogus", "not a value"), ("schedule.evaluationEpisodes", "0", "must be in 1...1000"),
            ("schedule.evaluationSelection", "best", "not a value"), ("batchSize", "-1", "must be in"),
        ]
        for (path, value, message) in cases {
            do {
                _ = try c.setting([ConfigOverride(path: path, value: value)])
                Issue.record("\(path)=\(value) was accepted")
            } catch let error as InputError {
                #expect("\(error)".contains(message) && "\(error)".contains(path.split(separator: ".").last!), "\(path)=\(value): \(error)")
            }
        }
        #expect(throws: InputError.self) { try ConfigOverride(parsing: "no-equals-sign") }
        #expect(throws: InputError.self) { try ConfigOverride(parsing: "=3") }
    }

    /// The command line: `--list-agents --json` is the catalog; `--set` reaches the run file's
    /// configuration; `--show-config` lists every field with its source; bad values exit 2.
    @Test func trainCommand() throws {
        let list = try runSuiteTool("train", ["--list-agents", "--json"])
        #expect(list.code == 0, "\(list.err)")
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(list.out.utf8)) as? [[String: Any]])
        #expect(rows.compactMap { $0["id"] as? String } == AgentCatalog.ids)

        let show = try runSuiteTool("train", ["--agent", "sql", "--env", "Multigoal", "--preset", "smoke", "--show-config",
                                              "--particles", "6", "--set", "schedule.startSteps=7", "--alpha", "0.5"])
        #expect(show.code == 0, "\(show.err)")
        let lines = show.out.split(separator: "\n").map(String.init)
        let config = try TrainRunConfig.resolve(agent: "sql", env: "Multigoal", preset: "smoke", seed: 0)
        #expect(lines.count == 1 + config.fieldPaths().count)
        #expect(lines.contains { $0.hasPrefix("sql.particles ") && $0.hasSuffix("6  (--particles)") })
        #expect(lines.contains { $0.hasPrefix("schedule.startSteps ") && $0.hasSuffix("7  (--set)") })
        #expect(lines.contains { $0.hasPrefix("sql.alphaCritic ") && $0.hasSuffix("0.5  (option)") })
        #expect(lines.contains { $0.hasPrefix("sql.tau ") && $0.hasSuffix("(preset smoke)") })

        let folder = makeTemporaryFolder("train-set")
        let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "60",
                                           "--set", "schedule.startSteps=10", "--set", "sac.tau=0.01", "--set", "batchSize=16",
                                           "--out", folder + "/s.h5", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: folder + "/s.h5")
        defer { file.close() }
        let saved = try JSONDecoder().decode(TrainRunConfig.self, from: Data(Provenance.read(from: file).configJSON.utf8))
        #expect(saved.schedule.startSteps == 10 && saved.sac?.tau == 0.01 && saved.batchSize == 16)

        for args in [["--set", "sac.tau=2"], ["--set", "sac.nope=1"], ["--set", "tau"], ["--set", "seed=3"],
                     ["--set", "sac.criticHidden=[64,x]"]] {
            let bad = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke",
                                                 "--out", folder + "/bad.h5", "--quiet"] + args)
            #expect(bad.code == 2 && bad.err.split(separator: "\n").count == 1, "\(args): \(bad.err)")
            #expect(!FileManager.default.fileExists(atPath: folder + "/bad.h5"))
        }
    }

    /// The campaigns pass `--set` overrides into every run's configuration.
    @Test func campaignsPassOverridesThrough() throws {
        let smoke = try MultigoalPreset.named("smoke")
        let plain = try MultigoalRunSpec(preset: smoke, agent: "sac", alpha: 1, seed: 0)
        let set = try MultigoalRunSpec(preset: smoke, agent: "sac", alpha: 1, seed: 0,
                                       overrides: [ConfigOverride(path: "schedule.startSteps", value: "10")])
        #expect(set.train.schedule.startSteps == 10 && plain.train.schedule.startSteps != 10)
        #expect(try set.configJSON() != plain.configJSON())
        var mujoco = try MuJoCoPreset.named("smoke")
        mujoco.overrides = ["sac.tau=0.01"]
        #expect(try MuJoCoRunSpec(preset: mujoco, agent: "sac", env: "Hopper-v4", seed: 0).train.sac?.tau == 0.01)
    }

    /// Campaigns and benchmarks take their agent lists from the catalog.
    @Test func listsComeFromTheCatalog() {
        #expect(MultigoalPreset.allAgents == AgentCatalog.ids(in: .multigoal))
        #expect(AgentCatalog.ids(in: .mujoco).first == "s2ac-phi-theta")
        #expect(MultigoalRunSpec.testSelections(agent: "sql", scheduleRule: .softmax) == [.random, .softmax, .max])
        #expect(MultigoalRunSpec.testSelections(agent: "sac", scheduleRule: .mean) == [.mean])
        #expect(MultigoalRunSpec.testSelections(agent: "s2ac-phi-theta-psi", scheduleRule: .amortized)
                == [.amortized, .random, .softmax, .max])
    }
}
