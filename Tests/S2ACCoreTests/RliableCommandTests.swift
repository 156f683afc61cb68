import Foundation
import Testing
import S2ACCore

/// rliable-stats end to end: the result file, `report` over it, the CSV tables, and bad input
/// (exit 2, one line, nothing written).
@Suite struct RliableCommandTests {
    let folder = makeTemporaryFolder("rliable")

    private func scoresFile(_ text: String) throws -> String {
        let path = folder + "/scores-\(UUID().uuidString).csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let scores = """
        algorithm,task,run,step,score
        "S2AC(phi,theta)",Hopper,0,0,0.1
        "S2AC(phi,theta)",Hopper,0,1000,0.9
        "S2AC(phi,theta)",Hopper,1,0,0.2
        "S2AC(phi,theta)",Hopper,1,1000,0.8
        "S2AC(phi,theta)",Ant,0,0,0.0
        "S2AC(phi,theta)",Ant,0,1000,0.7
        "S2AC(phi,theta)",Ant,1,0,0.1
        "S2AC(phi,theta)",Ant,1,1000,0.6
        SAC,Hopper,0,0,0.1
        SAC,Hopper,0,1000,0.5
        SAC,Ant,0,0,0.2
        SAC,Ant,0,1000,0.65

        """

    @Test func resultFileRoundTripsAndReportMatchesTheCSVs() throws {
        let table = try ScoreTable.parseCSV(Self.scores, source: "s.csv")
        var s = RliableSettings()
        s.aggregateReps = 300; s.pairReps = 200; s.profileReps = 100; s.curveReps = 150; s.seed = 9; s.taus = [0, 0.5, 1]
        let report = try RliableReport.compute(table, settings: s)
        #expect(report.curves.count == 4 && report.pairs.count == 2 && report.profiles.count == 12)

        let path = folder + "/r/rliable.h5"
        let w = try ResultWriter(path: path, kind: RliableReport.resultKind, config: ["seed": 9], seed: 9, force: false)
        try report.write(to: w.root, scores: table, reference: nil)
        try w.commit()
        let file = try HDF5File.open(at: path)
        #expect(try RliableReport.read(from: file.root) == report)
        let final0 = try file.root.group("scores").read("final_0", as: Double.self)
        #expect(final0.shape == [2, 2] && final0.values == [0.9, 0.7, 0.8, 0.6])

        let outcome = try runReport(resultsFolder: folder + "/r", tablesFolder: folder + "/tables")
        #expect(outcome.warnings.isEmpty && outcome.filesReported == 1)
        for (name, t) in report.tables {
            #expect(try String(contentsOfFile: folder + "/tables/\(name).csv", encoding: .utf8) == t.render(), "\(name)")
        }
    }

    @Test func commandWritesTablesAndResultFile() throws {
        let input = try scoresFile(Self.scores)
        let out = folder + "/out"
        let r = try runSuiteTool("rliable-stats", ["--scores", input, "--reps", "500", "--seed", "3", "--out", out])
        #expect(r.code == 0, "\(r.err)")
        let names = try FileManager.default.contentsOfDirectory(atPath: out).sorted()
        #expect(names == ["rliable.h5", "rliable_aggregate.csv", "rliable_curves.csv", "rliable_poi.csv", "rliable_profiles.csv"])
        let agg = try CSV.parse(String(contentsOfFile: out + "/rliable_aggregate.csv", encoding: .utf8), source: "agg")
        #expect(agg.count == 1 + 4 * 2)
        let iqmSAC = try #require(agg.first { $0[0] == "iqm" && $0[1] == "SAC" })
        #expect(Double(iqmSAC[2]) == 0.575 && iqmSAC[5] == "500" && iqmSAC[6] == "3")
        // The same seed gives the same bits; an existing result needs --force.
        let again = try runSuiteTool("rliable-stats", ["--scores", input, "--reps", "500", "--seed", "3", "--out", out])
        #expect(again.code == 2 && again.err.contains("--force"))
        let forced = try runSuiteTool("rliable-stats", ["--scores", input, "--reps", "500", "--seed", "3", "--out", out, "--force"])
        #expect(forced.code == 0)
        let agg2 = try CSV.parse(String(contentsOfFile: out + "/rliable_aggregate.csv", encoding: .utf8), source: "agg")
        #expect(agg2 == agg)
    }

    @Test(arguments: [
        ("algorithm,task,score\nA,t,1\n", [String](), "missing column run"),
        ("algorithm,task,run,score\nA,t,0,1\nA,u,0,1\nA,u,1,2\n", [], "has 1 runs on t but 2 on u"),
        ("algorithm,task,run,score\nA,t,0,NaN\n", [], "must be finite"),
        ("algorithm,task,run,score\nA,t,0,1\nB,t,0,2\n", ["--pair", "A>C"], "unknown algorithm C"),
        ("algorithm,task,run,score\nA,t,0,1\n", ["--reps", "0"], "--reps"),
        ("algorithm,task,run,score\nA,t,0,1\n", ["--ref", "u=0:1"], "no reference scores for task t"),
        // Which of two columns of one name was meant cannot be told.
        ("algorithm,task,run,score,Score \nA,t,0,1,2\n", [], "names the column 'score' twice"),
        // Finite scores whose means overflow to inf.
        ("algorithm,task,run,score\nA,t,0,1e308\nA,t,1,1.5e308\n", [], "would overflow the means of 2 scores"),
        ("algorithm,task,run,score\nA,t,0,1\n", ["--ref", "t=-1e308:1e308"], "needs finite min < max"),
    ])
    func badInputExitsTwoAndWritesNothing(_ csv: String, _ extra: [String], _ expected: String) throws {
        let input = try scoresFile(csv)
        let out = folder + "/never"
        let r = try runSuiteTool("rliable-stats", ["--scores", input, "--out", out] + extra)
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("rliable-stats: error: ") && r.err.contains(expected), "\(r.err)")
        #expect(r.err.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: out))
    }
}
