import Foundation
import S2ACCore
import Testing

/// rliable-stats reads `train` run files: agent -> algorithm, env -> task, seed -> run,
/// mean test return at each evaluation step -> score.
@Suite struct TrainRunScoresTests {
    @Test func runFilesBecomeAScoreTable() throws {
        let folder = makeTemporaryFolder("runs")
        for seed in 0..<2 {
            let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "120",
                                               "--eval-every", "60", "--eval-episodes", "2", "--seed", String(seed),
                                               "--quiet", "--out", folder + "/sac-\(seed).h5"])
            #expect(r.code == 0, "\(r.err)")
        }
        try Data("not hdf5".utf8).write(to: URL(fileURLWithPath: folder + "/.partial.h5"))  // hidden: skipped
        let table = try TrainRunScoreSource(folder: folder).scoreTable()
        #expect(table.algorithms == ["sac"] && table.tasks == ["Multigoal"])
        #expect(table.curves["sac"]?.steps == [60, 120])
        // The final score of seed 1 is the mean of its last evaluation's returns.
        let f = try HDF5File.open(at: folder + "/sac-1.h5")
        let last = try f.root.read("train/eval_returns", as: Double.self).values.suffix(2)
        let final = table.finals["sac"]!
        #expect(final.runs == 2)
        #expect(abs(final[1, 0] - last.reduce(0, +) / 2) < 1e-12)

        // Result files of a kind no part of the suite knows are named, a line each, as report
        // names them; the train runs are still read.
        for name in ["x", "y"] {
            let w = try ResultWriter(path: folder + "/other/\(name).h5", kind: "unheard-of", config: ["n": 1], seed: nil, force: false)
            try w.commit()
        }
        let warned = try TrainRunScoreSource(folder: folder).scoreTableAndWarnings()
        #expect(warned.table.algorithms == ["sac"] && warned.warnings.count == 2, "\(warned.warnings)")

        let out = makeTemporaryFolder("runs-out")
        let r = try runSuiteTool("rliable-stats", ["--runs", folder, "--out", out, "--reps", "200"])
        #expect(r.code == 0, "\(r.err)")
        let warnings = r.err.split(separator: "\n").filter { $0.hasPrefix("rliable-stats: warning: ") }
        #expect(warnings.count == 2 && warnings.allSatisfy { $0.contains("unknown kind 'unheard-of'") }, "\(r.err)")
        #expect(warnings.first?.contains(folder + "/other/x.h5") == true, "\(r.err)")
        #expect(FileManager.default.fileExists(atPath: out + "/rliable_curves.csv"))
        let both = try runSuiteTool("rliable-stats", ["--runs", folder, "--scores", "x.csv", "--out", out])
        #expect(both.code == 2)
        let empty = try runSuiteTool("rliable-stats", ["--runs", makeTemporaryFolder("none"), "--out", out, "--force"])
        #expect(empty.code == 2 && empty.err.contains("no train run files"))
    }
}
