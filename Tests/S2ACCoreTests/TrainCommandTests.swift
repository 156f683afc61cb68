import Foundation
import Testing
import S2ACCore

@Suite struct TrainCommandTests {
    @Test func smokeRunWritesARunFile() throws {
        let folder = makeTemporaryFolder("train")
        let out = folder + "/sac.h5"
        let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "200",
                                           "--seed", "1", "--out", out, "--quiet", "--checkpoint-every", "100"])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: out)
        defer { file.close() }
        let p = try Provenance.read(from: file)
        #expect(p.kind == "train" && p.configJSON.contains("\"preset\":\"smoke\""))
        let g = try file.root.group("train")
        #expect(try g.attribute("params_sha256")?.stringValue?.count == 64)
        #expect(try g.read("eval_returns", as: Double.self).shape == [4, 2])
        #expect(FileManager.default.fileExists(atPath: folder + "/sac.ckpt.h5"))
        // A second run refuses to overwrite it.
        let again = ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "200", "--seed", "1",
                     "--out", out, "--quiet", "--checkpoint-every", "100"]
        #expect(try runSuiteTool("train", again).code == 2)
        // Resuming from the last checkpoint (step 200) reproduces the run file's fingerprints;
        // another configuration is refused.
        let sha = try g.attribute("params_sha256")?.stringValue
        let r2 = try runSuiteTool("train", again + ["--resume", "--force"])
        #expect(r2.code == 0, "\(r2.err)")
        let f2 = try HDF5File.open(at: out)
        defer { f2.close() }
        #expect(try f2.root.group("train").attribute("params_sha256")?.stringValue == sha)
        var other = again + ["--resume", "--force"]
        other[other.firstIndex(of: "1")!] = "2"
        #expect(try runSuiteTool("train", other).code == 2)

        // An interrupted run (checkpoint, no run file) started again without --resume: refused,
        // with the checkpoint left as it was; --force starts afresh.
        try FileManager.default.removeItem(atPath: out)
        let checkpoint = try Data(contentsOf: URL(fileURLWithPath: folder + "/sac.ckpt.h5"))
        let fresh = try runSuiteTool("train", again)
        #expect(fresh.code == 2 && fresh.err.contains("--resume") && fresh.err.split(separator: "\n").count == 1, "\(fresh.err)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: folder + "/sac.ckpt.h5")) == checkpoint)
        #expect(!FileManager.default.fileExists(atPath: out))
        #expect(try runSuiteTool("train", again + ["--force"]).code == 0)
    }

    /// SIGTERM at a random moment of a run: it writes its checkpoint and exits with 75, leaving
    /// neither a result nor a temporary file; `--resume` then finishes it with the parameters of
    /// the run that was never interrupted. Without checkpointing it exits with 143, nothing kept.
    @Test func sigtermCheckpointsAndTheResumedRunIsBitIdentical() throws {
        let folder = makeTemporaryFolder("train-sigterm")
        let args = ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "12000", "--seed", "4",
                    "--quiet", "--checkpoint-every", "500"]
        let whole = try runSuiteTool("train", args + ["--out", folder + "/whole.h5"])
        #expect(whole.code == 0, "\(whole.err)")

        /// Runs `train`, waits until `ready()` holds (the run is under way), then a random moment more, and stops it.
        func interrupted(_ arguments: [String], once ready: () -> Bool) throws -> Int32 {
            let p = Process()
            p.executableURL = builtProductsFolder.appendingPathComponent("train")
            p.arguments = arguments
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            var waited = 0.0
            while !ready() && p.isRunning && waited < 60 {
                Thread.sleep(forTimeInterval: 0.01); waited += 0.01
            }
            Thread.sleep(forTimeInterval: Double.random(in: 0.05...0.6))
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            return p.terminationStatus
        }
        let cut = folder + "/cut.h5"
        let code = try interrupted(args + ["--out", cut]) { FileManager.default.fileExists(atPath: folder + "/cut.ckpt.h5") }
        #expect(code == 75)
        #expect(!FileManager.default.fileExists(atPath: cut))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("partial") }.isEmpty)
        let resumed = try runSuiteTool("train", args + ["--out", cut, "--resume"])
        #expect(resumed.code == 0, "\(resumed.err)")
        func sha(_ path: String) throws -> String? {
            let f = try HDF5File.open(at: path)
            defer { f.close() }
            return try f.root.group("train").attribute("params_sha256")?.stringValue
        }
        #expect(try sha(cut) != nil && sha(cut) == sha(folder + "/whole.h5"))

        var plain = args
        plain[plain.firstIndex(of: "500")!] = "0"
        let none = folder + "/none.h5"
        let started = { ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).contains { $0.hasPrefix(".none.h5.partial") } }
        #expect(try interrupted(plain + ["--out", none], once: started) == 128 + SIGTERM)
        #expect(!FileManager.default.fileExists(atPath: none))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains("partial") }.isEmpty)
    }

    /// Crafted checkpoints (a negative update count, a step before the start or past the run's
    /// end) are refused with one line, never resumed.
    @Test func craftedCheckpointsAreRefused() throws {
        let folder = makeTemporaryFolder("train-crafted")
        let out = folder + "/sac.h5", checkpoint = folder + "/sac.ckpt.h5"
        let args = ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "200", "--seed", "1",
                    "--out", out, "--quiet", "--checkpoint-every", "100"]
        let first = try runSuiteTool("train", args)
        #expect(first.code == 0, "\(first.err)")
        let good = try Data(contentsOf: URL(fileURLWithPath: checkpoint))
        for (name, value) in [("updates", -1), ("step", 1_000_000_000), ("step", -50), ("episode_step", 5000)] {
            try good.write(to: URL(fileURLWithPath: checkpoint))
            let f = try HDF5File.open(at: checkpoint, writable: true)
            try f.root.setAttribute(name, .int(value))
            f.close()
            let r = try runSuiteTool("train", args + ["--resume", "--force"])
            #expect(r.code == 2 && r.err.contains("out of range") && r.err.split(separator: "\n").count == 1,
                    "\(name) = \(value): \(r.code) \(r.err)")
        }
    }

    /// `report` turns run files into train_runs.csv and train_curves.csv and skips checkpoints.
    @Test func reportReadsRunFiles() throws {
        let folder = makeTemporaryFolder("train-report")
        for seed in ["1", "2"] {
            let r = try runSuiteTool("train", ["--agent", "s2ac-phi", "--env", "Multigoal", "--preset", "smoke", "--steps", "120",
                                               "--seed", seed, "--eval-every", "40", "--eval-env", "Multigoal-obstacle",
                                               "--out", folder + "/runs/phi-\(seed).h5", "--quiet", "--checkpoint-every", "60"])
            #expect(r.code == 0, "\(r.err)")
        }
        let outcome = try runReport(resultsFolder: folder, tablesFolder: folder + "/tables")
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        #expect(outcome.filesReported == 2)
        let runs = try String(contentsOfFile: folder + "/tables/train_runs.csv", encoding: .utf8).split(separator: "\n")
        #expect(runs.count == 3 && runs[1].hasPrefix("phi-1.h5,s2ac-phi,Multigoal,Multigoal-obstacle,smoke,smoke,1,120,"))
        let curves = try String(contentsOfFile: folder + "/tables/train_curves.csv", encoding: .utf8).split(separator: "\n")
        #expect(curves.count == 1 + 2 * 3)
        #expect(curves[1].hasPrefix("phi-1.h5,s2ac-phi,Multigoal,Multigoal-obstacle,smoke,1,40,"))
        // The mean column is the mean of the file's eval_returns at that step.
        let file = try HDF5File.open(at: folder + "/runs/phi-1.h5")
        defer { file.close() }
        let returns = try file.root.group("train").read("eval_returns", as: Double.self).values
        let k = returns.count / 3
        let mean = returns[0..<k].reduce(0, +) / Double(k)
        #expect(Double(curves[1].split(separator: ",")[7]) == mean)
        // 120 of the smoke preset's 300 steps: a reduced budget, on every row.
        #expect(runs.dropFirst().allSatisfy { $0.hasSuffix(",reduced") } && curves.dropFirst().allSatisfy { $0.hasSuffix(",reduced") })
    }

    /// The budget the reviewer's page states for a train run: the MuJoCo campaign's preset for a
    /// campaign's runs (a quick campaign trains the paper preset for fewer steps), else the
    /// train preset at its own number of steps, else "reduced".
    @Test func trainRunBudgets() throws {
        let folder = makeTemporaryFolder("train-budget")
        for (steps, out) in [("300", "/full.h5"), ("100", "/short.h5"), ("100", "/mujoco/quick/runs/short.h5")] {
            let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", steps,
                                               "--eval-every", "100", "--out", folder + out, "--quiet"])
            #expect(r.code == 0, "\(r.err)")
        }
        let data = try ResultData.load(resultsFolder: folder)
        #expect(data.problems.isEmpty, "\(data.problems)")
        let budgets = Dictionary(uniqueKeysWithValues: data.sources.map { ($0.file, $0.budget) })
        #expect(budgets == ["full.h5": "smoke", "short.h5": "reduced", "mujoco/quick/runs/short.h5": "quick"])
        // A claim on train_runs reads the largest budget's rows: the campaign's.
        let (rows, budget) = data.rows("train_runs")
        #expect(budget == "quick" && rows.count == 1 && rows[0]["file"] == "short.h5")
        #expect(data.sources[rows[0].source].file == "mujoco/quick/runs/short.h5")
    }

    /// The agents' own options reach the run's configuration.
    @Test func agentOptionsReachTheConfig() throws {
        let base = try TrainRunConfig.resolve(agent: "s2ac-phi-theta", env: "Multigoal", preset: "paper", seed: 0)
        let c = try base.applying(AgentOptions(particles: 16, svgdSteps: 4, svgdStepSize: 0.05, bandwidth: "2.5",
                                               criticHidden: [64, 64], actorHidden: [32]))
        #expect(c.s2ac!.particles == 16 && c.s2ac!.stepsPhiTheta == 4 && c.s2ac!.stepsPhi == base.s2ac!.stepsPhi)
        #expect(c.s2ac!.stepSize == 0.05 && c.s2ac!.bandwidth == "2.5")
        #expect(c.s2ac!.criticHidden == [64, 64] && c.s2ac!.actorHidden == [32])
        let folder = makeTemporaryFolder("train-options")
        let r = try runSuiteTool("train", ["--agent", "s2ac-phi", "--env", "Multigoal", "--preset", "smoke", "--steps", "60",
                                           "--particles", "6", "--svgd-steps", "2", "--critic-hidden", "24,24",
                                           "--out", folder + "/o.h5", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: folder + "/o.h5")
        defer { file.close() }
        let json = try Provenance.read(from: file).configJSON
        let saved = try JSONDecoder().decode(TrainRunConfig.self, from: Data(json.utf8))
        #expect(saved.s2ac!.particles == 6 && saved.s2ac!.stepsPhi == 2 && saved.s2ac!.criticHidden == [24, 24])
    }

    @Test func badFlagsExitTwo() throws {
        let out = makeTemporaryFolder("train") + "/x.h5"
        for args in [["--agent", "nope", "--env", "Multigoal"], ["--agent", "ppo", "--env", "Multigoal", "--particles", "4"],
                     ["--agent", "sac", "--env", "Pong"], ["--agent", "sac", "--env", "Multigoal", "--steps", "0"],
                     ["--agent", "sac", "--env", "Multigoal", "--preset", "fast"],
                     ["--agent", "sac", "--env", "Multigoal", "--alpha", "-1"],
                     ["--agent", "sac", "--env", "Multigoal", "--resume"],
                     ["--agent", "sac", "--env", "Multigoal", "--particles", "5"],
                     ["--agent", "s2ac-phi", "--env", "Multigoal", "--particles", "1"],
                     ["--agent", "s2ac-phi-theta", "--env", "Multigoal", "--sigma-p0", "0.3"],
                     ["--agent", "s2ac-phi", "--env", "Multigoal", "--bandwidth", "widest"],
                     ["--agent", "s2ac-phi", "--env", "Multigoal", "--critic-hidden", "64,x"]] {
            let r = try runSuiteTool("train", args + ["--out", out, "--quiet"])
            #expect(r.code == 2, "\(args): \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(args): \(r.err)")
        }
    }
}
