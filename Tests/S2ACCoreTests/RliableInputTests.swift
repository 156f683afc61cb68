import Foundation
import Testing
import S2ACCore

/// Reading score CSVs for rliable-stats: layout, quoting, normalisation, and one clear error
/// for each kind of bad input.
@Suite struct RliableInputTests {
    static let good = """
        algorithm,task,run,score
        "S2AC(phi,theta)",Hopper,0,1.5
        "S2AC(phi,theta)",Hopper,1,2.5
        "S2AC(phi,theta)",Ant,0,10
        "S2AC(phi,theta)",Ant,1,30
        SAC,Ant,a,5
        SAC,Hopper,a,1
        SAC,Hopper,b,2
        SAC,Ant,b,7
        SAC,Hopper,c,3
        SAC,Ant,c,9

        """

    @Test func readsMatricesInFirstAppearanceOrder() throws {
        let t = try ScoreTable.parseCSV(Self.good, source: "s.csv")
        #expect(t.algorithms == ["S2AC(phi,theta)", "SAC"])
        #expect(t.tasks == ["Hopper", "Ant"])
        #expect(t.finals["S2AC(phi,theta)"] == ScoreMatrix(rows: [[1.5, 10], [2.5, 30]]))
        #expect(t.finals["SAC"] == ScoreMatrix(rows: [[1, 5], [2, 7], [3, 9]]))
        #expect(!t.hasSteps)
    }

    @Test func normalisesPerTaskWithReferenceScores() throws {
        var ref = try ReferenceScores.parseCSV("task,min,max\nHopper,1,3\n", source: "r.csv")
        try ref.add(flag: "Ant=-10:10")
        let t = try ScoreTable.parseCSV(Self.good, source: "s.csv").normalized(by: ref)
        #expect(t.finals["SAC"] == ScoreMatrix(rows: [[0, 0.75], [0.5, 0.85], [1, 0.95]]))
        #expect(throws: InputError.self) { try ScoreTable.parseCSV(Self.good, source: "s.csv").normalized(by: ReferenceScores()) }
        var bad = ReferenceScores()
        #expect(throws: InputError.self) { try bad.add(flag: "Ant=3:3") }
        #expect(throws: InputError.self) { try bad.add(flag: "Ant") }
    }

    @Test func stepsGiveCurvesAndFinalScores() throws {
        let csv = """
            algorithm,task,run,step,score
            A,t,0,100,0.5
            A,t,0,0,0.1
            A,t,1,0,0.2
            A,t,1,100,0.7
            """
        let t = try ScoreTable.parseCSV(csv, source: "c.csv")
        #expect(t.finals["A"] == ScoreMatrix(rows: [[0.5], [0.7]]))
        #expect(t.curves["A"]?.steps == [0, 100])
        #expect(t.curves["A"]?.matrices.first == ScoreMatrix(rows: [[0.1], [0.2]]))
    }

    /// Each bad input is rejected with a message naming the problem.
    @Test(arguments: [
        ("algorithm,task,score\nA,t,1\n", "missing column run"),
        ("algorithm,task,run,score\nA,t,0,1\nA,u,0,1\nA,u,1,2\n", "has 1 runs on t but 2 on u"),
        ("algorithm,task,run,score\nA,t,0,nan\n", "must be finite"),
        ("algorithm,task,run,score\nA,t,0,abc\n", "is not a number"),
        ("algorithm,task,run,score\nA,t,0,1\nA,t,0,2\n", "a second score"),
        ("algorithm,task,run,score\nA,t,0,1\nB,u,0,1\n", "has no scores for task u"),
        ("algorithm,task,run,score\nA,t,0\n", "has 3 fields"),
        ("algorithm,task,run,score\n", "no scores"),
        ("", "empty file"),
        ("algorithm,task,run,step,score\nA,t,0,0,1\nA,t,1,5,1\n", "same steps"),
        ("algorithm,task,run,score\n\"A,t,0,1\n", "not closed"),
    ])
    func rejectsBadInput(_ csv: String, _ expected: String) {
        do {
            _ = try ScoreTable.parseCSV(csv, source: "bad.csv")
            Issue.record("accepted bad input: \(expected)")
        } catch let e as InputError {
            #expect(e.message.contains(expected), "\(e.message)")
            #expect(!e.message.contains("\n"))
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func unknownAlgorithmInAPairIsAnInputError() throws {
        let t = try ScoreTable.parseCSV(Self.good, source: "s.csv")
        var s = RliableSettings()
        s.aggregateReps = 10; s.pairReps = 10; s.profileReps = 10
        s.pairs = [("SAC", "PPO")]
        #expect(throws: InputError("pair SAC>PPO: unknown algorithm PPO; the scores have S2AC(phi,theta), SAC")) {
            try RliableReport.compute(t, settings: s)
        }
    }

    @Test func tablesHaveTheDocumentedColumnsAndQuoteNames() throws {
        let t = try ScoreTable.parseCSV(Self.good, source: "s.csv")
        var s = RliableSettings()
        s.aggregateReps = 200; s.pairReps = 200; s.profileReps = 200; s.seed = 4; s.taus = [0, 5]
        let r = try RliableReport.compute(t, settings: s)
        let tables = r.tables
        #expect(tables.keys.sorted() == ["rliable_aggregate", "rliable_poi", "rliable_profiles"])
        let agg = try CSV.parse(tables["rliable_aggregate"]!.render(), source: "agg")
        #expect(agg[0] == ["metric", "algorithm", "estimate", "ci_low", "ci_high", "reps", "seed"])
        #expect(agg.count == 1 + 4 * 2)
        #expect(agg[1][0] == "median" && agg[1][1] == "S2AC(phi,theta)" && agg[1][5] == "200" && agg[1][6] == "4")
        #expect(Double(agg[1][2]) == aggregateMedian(t.finals["S2AC(phi,theta)"]!))
        let poi = try CSV.parse(tables["rliable_poi"]!.render(), source: "poi")
        #expect(poi[0] == ["algorithm_x", "algorithm_y", "estimate", "ci_low", "ci_high", "reps", "seed"])
        #expect(poi.count == 3 && poi[1][0] == "S2AC(phi,theta)" && poi[1][1] == "SAC")
        let prof = try CSV.parse(tables["rliable_profiles"]!.render(), source: "prof")
        #expect(prof[0] == ["profile", "algorithm", "tau", "estimate", "ci_low", "ci_high", "reps", "seed"])
        #expect(prof.count == 1 + 2 * 2 * 2)
    }
}
