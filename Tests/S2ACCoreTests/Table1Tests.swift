import Foundation
import Testing
import S2ACCore

/// `table1`: a smoke run (every agent, two environments, both thread counts, a few
/// repetitions) through the result file, `report`'s table and the Table 1 claims; bad input;
/// trained agents from run files.
@Suite struct Table1Tests {
    static let claimsPath = ReviewReportTests.claimsPath

    @Test func quantilesInterpolateBetweenOrderStatistics() {
        #expect(quantile([4, 1, 3, 2], 0.5) == 2.5)
        #expect(quantile([1, 2, 3, 4, 5], 0.25) == 2 && quantile([1, 2, 3, 4, 5], 0.75) == 4)
        #expect(quantile([7], 0.25) == 7 && quantile([], 0.5).isNaN)
    }

    @Test func paperRowsComeFirstAndEveryAgentIsTimed() {
        let names = Table1Registry.agentNames
        #expect(Array(names.prefix(4)) == ["sac", "sql", "s2ac-phi-theta", "s2ac-phi-theta-psi"])
        #expect(Set(names) == Set(TrainRunConfig.implementedAgents))
        #expect(Table1Paper.value(agent: "s2ac-phi-theta", env: "Ant-v4-contact") == 5.917 && Table1Paper.value(agent: "sac-nf", env: "Hopper-v4") == nil)
    }

    @Test func smokeRunWritesCellsThatTheReportAndTheClaimsRead() throws {
        let folder = makeTemporaryFolder("table1")
        let out = folder + "/table1/table1.h5"
        let r = try runSuiteTool("table1", ["--envs", "Hopper-v4,Ant-v4-contact", "--threads", "1,2", "--reps", "3", "--warmup", "1",
                                            "--torch-python", "none", "--out", out])
        #expect(r.code == 0, "\(r.err)")
        let cells = Table1Registry.agentNames.count * 2 * 2
        #expect(r.err.contains("[\(cells)/\(cells)]"), "progress: \(r.err)")
        let file = try HDF5File.open(at: out)
        let provenance = try Provenance.read(from: file)
        #expect(provenance.kind == "table1")
        let rows = try Table1Reporter().rows(from: file, provenance: provenance)["table1"]!
        file.close()
        #expect(rows.count == Table1Registry.agentNames.count * 2 * 2)
        let columns = Table1Results.columns
        func column(_ name: String) -> [String] { rows.map { $0[columns.firstIndex(of: name)!] } }
        #expect(Set(column("threads")) == ["1", "2"] && Set(column("reps")) == ["3"] && Set(column("torch_median_ms")) == [""])
        #expect(column("median_ms").allSatisfy { (Double($0) ?? -1) > 0 })
        #expect(Set(column("action_dim")) == ["3", "8"] && Set(column("state_dim")) == ["11", "111"])
        let paper = zip(column("agent"), zip(column("env"), column("paper_value")))
        #expect(paper.allSatisfy { a, e in e.1 == (Table1Paper.value(agent: a, env: e.0).map { "\($0)" } ?? "") })
        // The report writes the table; every Table 1 claim reads it.
        let tables = folder + "/tables"
        let outcome = try runReport(resultsFolder: folder, tablesFolder: tables)
        #expect(outcome.warnings.isEmpty, "\(outcome.warnings)")
        #expect(FileManager.default.fileExists(atPath: tables + "/table1.csv"))
        let data = try ResultData.load(resultsFolder: folder)
        let evaluator = ClaimEvaluator(data: data)
        for claim in try PaperClaim.load(path: Self.claimsPath) where claim.artefact == "Table 1" {
            let result = evaluator.evaluate(claim)
            #expect(result.verdict != .notRun, "\(claim.id): \(result.ours)")
            #expect(!result.ours.contains("Walker2d") || !result.ours.contains("no data"), "\(claim.id): \(result.ours)")
        }
    }

    @Test func badInputGivesOneLineAndExitTwo() throws {
        let out = makeTemporaryFolder("table1-bad") + "/t.h5"
        for args in [["--agents", "nosuch"], ["--envs", "Nowhere-v0"], ["--reps", "0"], ["--reps", "-3"], ["--threads", "1,x"],
                     ["--agents", "sac,sac"], ["--runs", "/nonexistent/run.h5"]] {
            let r = try runSuiteTool("table1", args + ["--torch-python", "none", "--out", out, "--quiet"])
            #expect(r.code == 2, "\(args): \(r.code) \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1 && r.err.hasPrefix("table1: error: "), "\(args): \(r.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: out))
    }

    @Test func trainedAgentsOfRunFilesAreTimedAndOtherAgentsRefused() throws {
        let folder = makeTemporaryFolder("table1-runs")
        let run = folder + "/sac.h5"
        let t = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "100",
                                           "--seed", "3", "--out", run, "--quiet", "--checkpoint-every", "100"])
        #expect(t.code == 0, "\(t.err)")
        let checkpoint = folder + "/sac.ckpt.h5", out = folder + "/t.h5"
        let common = ["--threads", "1", "--reps", "2", "--warmup", "0", "--torch-python", "none", "--quiet"]
        // Another agent's run file, and a train run file (which keeps no agent), are refused.
        let other = try runSuiteTool("table1", common + ["--agents", "s2ac-phi-theta", "--runs", checkpoint, "--out", out])
        #expect(other.code == 2 && other.err.contains("holds a sac agent"), "\(other.err)")
        let noAgent = try runSuiteTool("table1", common + ["--agents", "sac", "--runs", run, "--out", out])
        #expect(noAgent.code == 2 && noAgent.err.contains("keeps no agent"), "\(noAgent.err)")
        let r = try runSuiteTool("table1", common + ["--agents", "sac", "--runs", checkpoint, "--out", out])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: out)
        defer { file.close() }
        let rows = try Table1Reporter().rows(from: file, provenance: try Provenance.read(from: file))["table1"]!
        let c = Table1Results.columns
        #expect(rows.count == 1 && rows[0][c.firstIndex(of: "agent")!] == "sac" && rows[0][c.firstIndex(of: "env")!] == "Multigoal")
        #expect(rows[0][c.firstIndex(of: "weights")!] == "sac.ckpt.h5" && rows[0][c.firstIndex(of: "preset")!] == "smoke")
    }
}
