import Foundation
@testable import S2ACCore
import Testing

/// The MuJoCo campaign (Fig 8a-e): `mujoco-curves` runs `train` for each (agent, environment,
/// seed), keeps complete runs, resumes checkpointed ones, refuses foreign files; `report`
/// turns the run files into Fig 8's tables.
@Suite(.serialized) struct MuJoCoCurvesTests {
    /// A smoke campaign of two agents (one off-policy, one on-policy) and two seeds.
    @Test func campaignRunsKeepsResumesAndReports() throws {
        let folder = makeTemporaryFolder("mujoco-curves")
        let base = ["--preset", "smoke", "--agents", "sac,ppo", "--seeds", "2", "--jobs", "2", "--out", folder]
        let first = try runSuiteTool("mujoco-curves", base)
        #expect(first.code == 0, "\(first.err)")
        #expect(first.out.contains("4 runs") && first.out.contains("0 complete, 4 to run"), "\(first.out)")
        #expect(first.out.contains("mujoco-curves: 4/4 runs finished") && first.out.contains("left"), "\(first.out)")
        let runs = folder + "/runs"
        for agent in ["sac", "ppo"] { for seed in 0..<2 {
            let spec = try MuJoCoRunSpec(preset: MuJoCoPreset.named("smoke"), agent: agent, env: "Hopper-v4", seed: seed)
            let file = try HDF5File.open(at: runs + "/" + spec.fileName)
            // The file holds exactly the configuration the campaign expects, and all of the run.
            #expect(try Provenance.read(from: file).configJSON == spec.configJSON())
            #expect(spec.hasAllParts(file))
            file.close()
        } }
        // Complete runs are kept, their checkpoints removed.
        #expect(!FileManager.default.fileExists(atPath: runs + "/sac_Hopper-v4_seed0.ckpt.h5"))
        let again = try runSuiteTool("mujoco-curves", base)
        #expect(again.code == 0 && again.out.contains("4 complete, 0 to run"), "\(again.out)")
        // A run whose file is gone but whose checkpoint holds its configuration resumes from it.
        let spec = try MuJoCoRunSpec(preset: MuJoCoPreset.named("smoke"), agent: "sac", env: "Hopper-v4", seed: 1)
        let hash = try params(runs + "/" + spec.fileName)
        try FileManager.default.removeItem(atPath: runs + "/" + spec.fileName)
        // (The run's own arguments elsewhere: its checkpoint at the last step, as a run stopped
        // after its last step and before writing its file leaves it.)
        let partial = try runSuiteTool("train", spec.trainArguments(out: folder + "/half.h5", resume: false, force: false))
        #expect(partial.code == 0, "\(partial.err)")
        try FileManager.default.moveItem(atPath: folder + "/half.ckpt.h5", toPath: runs + "/" + spec.checkpointName)
        #expect(spec.checkpointMatches(in: runs) == true)
        let status = try runSuiteTool("mujoco-curves", base + ["--status"])
        #expect(status.out.contains("sac/Hopper-v4/seed1: running (checkpoint at step 200)"), "\(status.out)")
        #expect(status.out.contains("4 runs: 3 complete, 1 running"), "\(status.out)")
        let slurm = try runSuiteTool("mujoco-curves", base + ["--launcher", "slurm", "--dry-run"])
        #expect(slurm.code == 0 && slurm.out.contains("#SBATCH --array=0-0%32") && slurm.out.contains("sac/Hopper-v4/seed1"),
                "\(slurm.out) \(slurm.err)")
        let dry = try runSuiteTool("mujoco-curves", base + ["--dry-run"])
        #expect(dry.out.split(separator: "\n").filter { $0.contains("/train ") && $0.hasSuffix("--resume") }.count == 1, "\(dry.out)")
        let resumed = try runSuiteTool("mujoco-curves", base)
        #expect(resumed.code == 0 && resumed.out.contains("3 complete, 1 to run"), "\(resumed.out)")
        #expect(try params(runs + "/" + spec.fileName) == hash, "the resumed run ends where the uninterrupted one did")
        // A checkpoint of another configuration is refused (one line, exit 2), nothing touched.
        try FileManager.default.removeItem(atPath: runs + "/" + spec.fileName)
        let other = try runSuiteTool("train", ["--agent", "sac", "--env", "Hopper-v4", "--preset", "smoke", "--steps", "100",
                                               "--checkpoint-every", "50", "--out", folder + "/other.h5", "--quiet"])
        #expect(other.code == 0, "\(other.err)")
        try FileManager.default.moveItem(atPath: folder + "/other.ckpt.h5", toPath: runs + "/" + spec.checkpointName)
        let refused = try runSuiteTool("mujoco-curves", base)
        #expect(refused.code == 2 && refused.err.split(separator: "\n").count == 1 && refused.err.contains("another configuration"),
                "\(refused.err)")
        #expect(FileManager.default.fileExists(atPath: runs + "/" + spec.checkpointName))
        // With --force the run starts again (its checkpoint removed), but a dry run touches nothing.
        let dryForced = try runSuiteTool("mujoco-curves", base + ["--dry-run", "--force"])
        #expect(dryForced.code == 0 && !dryForced.out.contains("--resume") && !dryForced.out.contains("is removed"),
                "\(dryForced.out) \(dryForced.err)")
        #expect(FileManager.default.fileExists(atPath: runs + "/" + spec.checkpointName))

        // Fig 8's tables: every episode, each run's final score, the curves over seeds.
        let outcome = try runReport(resultsFolder: runs, tablesFolder: folder + "/tables")
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        let curves = try csvRows(folder + "/tables/mujoco_curves.csv")
        // 3 runs x 2 evaluations x 2 episodes.
        #expect(curves.count == 3 * 2 * 2)
        let final = try csvRows(folder + "/tables/mujoco_final.csv")
        #expect(final.count == 3 && final.allSatisfy { $0["campaign"] == "" && $0["evaluations"] == "1" && $0["last_step"] == "200" })
        let mean = try csvRows(folder + "/tables/mujoco_mean_curves.csv")
        let ppo200 = try #require(mean.first { $0["agent"] == "ppo" && $0["step"] == "200" })
        let returns = curves.filter { $0["agent"] == "ppo" && $0["step"] == "200" }
        let seedMeans = ["0", "1"].map { s in
            let xs = returns.filter { $0["seed"] == s }.map { Double($0["return"]!)! }
            return xs.reduce(0, +) / Double(xs.count)
        }
        #expect(ppo200["seeds"] == "2" && Double(ppo200["mean"]!)! == (seedMeans[0] + seedMeans[1]) / 2)
        #expect(Double(ppo200["min"]!)! == seedMeans.min()! && Double(ppo200["max"]!)! == seedMeans.max()!)
    }

    /// An S2AC run on MuJoCo stores its max returns beside its softmax ones; the tables carry
    /// both, marking the configuration's rule as the primary one (Fig 8's curve).
    @Test func s2acRunsRecordSoftmaxAndMax() throws {
        let folder = makeTemporaryFolder("mujoco-rules")
        let out = folder + "/runs/s2ac.h5"
        let r = try runSuiteTool("train", ["--agent", "s2ac-phi-theta", "--env", "Hopper-v4", "--preset", "smoke", "--steps", "100",
                                           "--eval-every", "50", "--eval-episodes", "3", "--out", out, "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: out)
        let g = try file.root.group("train")
        #expect(try g.read("eval_returns", as: Double.self).shape == [2, 3])
        #expect(try g.read("eval_returns_max", as: Double.self).shape == [2, 3])
        file.close()
        let outcome = try runReport(resultsFolder: folder + "/runs", tablesFolder: folder + "/tables")
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        let curves = try csvRows(folder + "/tables/mujoco_curves.csv")
        #expect(curves.filter { $0["selection"] == "softmax" && $0["primary"] == "1" }.count == 6)
        #expect(curves.filter { $0["selection"] == "max" && $0["primary"] == "0" }.count == 6)
        let final = try csvRows(folder + "/tables/mujoco_final.csv")
        #expect(Set(final.map { $0["selection"]! + $0["primary"]! }) == ["softmax1", "max0"])
        let mean = try csvRows(folder + "/tables/mujoco_mean_curves.csv")
        #expect(mean.count == 4)
    }

    @Test func badInputExitsTwo() throws {
        let folder = makeTemporaryFolder("mujoco-bad")
        for args in [["--seeds", "0"], ["--preset", "fast"], ["--agents", "nope"], ["--agents", "sac,sac"], ["--envs", "Multigoal"],
                     ["--envs", "Pong-v4"], ["--jobs", "0"], ["--set", "sac.tau=7", "--agents", "sac"], ["--steps", "0"]] {
            let r = try runSuiteTool("mujoco-curves", ["--preset", "smoke", "--out", folder] + args)
            #expect(r.code == 2 && r.err.split(separator: "\n").count == 1, "\(args): \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/runs"))
    }

    /// The presets name only agents and environments of the catalogs, and `make mujoco`'s
    /// quick grid is every MuJoCo agent.
    @Test func presetsResolve() throws {
        for name in MuJoCoPreset.names {
            let p = try MuJoCoPreset.named(name)
            #expect(p.agents == AgentCatalog.ids(in: .mujoco))
            for agent in p.agents { for env in p.envs {
                let spec = try MuJoCoRunSpec(preset: p, agent: agent, env: env, seed: 0)
                #expect(spec.train.schedule.totalSteps == p.steps && spec.train.checkpointEvery == p.checkpointEvery)
            } }
        }
        // The particle agents that test by softmax also play max (the authors' code logs both);
        // no other agent plays a second rule, and multigoal runs keep their own tests.
        for agent in AgentCatalog.ids(in: .mujoco) {
            let entry = try #require(AgentCatalog.entry(agent))
            let spec = try MuJoCoRunSpec(preset: MuJoCoPreset.named("quick"), agent: agent, env: "Hopper-v4", seed: 0)
            let expected: [ActionSelection]? = entry.selectsAmongParticles && entry.evaluationSelection == .softmax ? [.max] : nil
            #expect(spec.train.schedule.additionalEvaluationSelections == expected, "\(agent)")
        }
        #expect(try TrainRunConfig.resolve(agent: "s2ac-phi-theta", env: "Multigoal", preset: "paper", seed: 0)
            .schedule.additionalEvaluationSelections == nil)
        #expect(MuJoCoTables.finalCount(points: 1000) == 100 && MuJoCoTables.finalCount(points: 3) == 1)
        #expect(MuJoCoTables.campaign(of: "/x/Results/mujoco/quick/runs/a.h5") == "quick")
        #expect(MuJoCoTables.campaign(of: "/x/runs/a.h5") == "")
    }

    func params(_ path: String) throws -> String {
        let file = try HDF5File.open(at: path)
        defer { file.close() }
        return try #require(try file.root.group("train").attribute("params_sha256")?.stringValue)
    }

    func csvRows(_ path: String) throws -> [[String: String]] {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.dropFirst().map { line in
            Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
        }
    }
}
