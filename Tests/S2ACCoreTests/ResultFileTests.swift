import Foundation
import S2ACCore
import Testing

private struct DemoConfig: Codable, Equatable {
    var eps = 0.5
    var steps = 200
    var name = "paper"
}

@Suite struct ResultFileTests {
    let folder = makeTemporaryFolder("results")

    private func writeResult(_ path: String, kind: String = "demo", value: Double = 1, force: Bool = false) throws {
        let w = try ResultWriter(path: path, kind: kind, config: DemoConfig(), seed: 3, force: force)
        try w.root.write("value", [value])
        try w.commit()
    }

    @Test func provenanceIsComplete() throws {
        let path = folder + "/sub/run.h5"
        try writeResult(path)
        let f = try HDF5File.open(at: path)
        let p = try Provenance.read(from: f)
        #expect(p.kind == "demo")
        #expect(p.seed == 3)
        #expect(try JSONDecoder().decode(DemoConfig.self, from: Data(p.configJSON.utf8)) == DemoConfig())
        #expect(p.configJSON == #"{"eps":0.5,"name":"paper","steps":200}"#)
        #expect(p.gitCommit.count == 40)
        #expect(p.hdf5Version.hasPrefix("1.10."))
        #expect(p.mujocoVersion == "2.2.2")
        #expect(p.blasConfig.contains("OpenBLAS"))
        // The kernel OpenBLAS runs is named in its configuration string, and the CPU is described.
        #expect(!p.blasCore.isEmpty && p.blasCore != "unknown" && p.blasConfig.contains(p.blasCore))
        #expect(p.cpu.contains("family") && p.cpu.contains("model"))
        #expect(!p.startTime.isEmpty && p.endTime >= p.startTime)
        #expect(!p.commandLine.isEmpty && !p.host.isEmpty)
        #expect(try f.root.attribute("kind") == .string("demo"))
    }

    @Test func existingResultIsNeverOverwrittenWithoutForce() throws {
        let path = folder + "/keep.h5"
        try writeResult(path, value: 1)
        #expect(throws: InputError.self) { try writeResult(path, value: 2) }
        #expect(try HDF5File.open(at: path).root.read("value", as: Double.self).values == [1])
        try writeResult(path, value: 3, force: true)
        #expect(try HDF5File.open(at: path).root.read("value", as: Double.self).values == [3])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["keep.h5"])
    }

    /// Two writers racing for one name (two runs started with the same --out): the one that
    /// finishes second neither replaces the first's result nor loses its own; it is refused
    /// with one line naming where its result was kept. With `force` the second replaces.
    @Test func aResultFinishedMeanwhileIsNeverReplaced() throws {
        let path = folder + "/race.h5"
        let slow = try ResultWriter(path: path, kind: "demo", config: DemoConfig(), seed: 1, force: false)
        try slow.root.write("value", [1.0])
        try writeResult(path, value: 2)
        do {
            try slow.commit()
            Issue.record("the second commit replaced \(path)")
        } catch let e as InputError {
            #expect(e.message.contains("written by another process") && e.message.contains("kept as"), "\(e.message)")
        }
        #expect(try HDF5File.open(at: path).root.read("value", as: Double.self).values == [2])
        let kept = folder + "/race.\(getpid()).h5"
        #expect(try HDF5File.open(at: kept).root.read("value", as: Double.self).values == [1])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == ["race.\(getpid()).h5", "race.h5"])

        let forced = try ResultWriter(path: folder + "/race2.h5", kind: "demo", config: DemoConfig(), seed: 1, force: true)
        try forced.root.write("value", [3.0])
        try writeResult(folder + "/race2.h5", value: 4)
        try forced.commit()
        #expect(try HDF5File.open(at: folder + "/race2.h5").root.read("value", as: Double.self).values == [3])
    }

    @Test func abandonedWriteLeavesNothing() throws {
        let path = folder + "/crash.h5"
        do {
            let w = try ResultWriter(path: path, kind: "demo", config: DemoConfig(), seed: nil, force: false)
            try w.root.write("partial", [1.0])
            #expect(FileManager.default.fileExists(atPath: w.temporaryPath))
            #expect(!FileManager.default.fileExists(atPath: path))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }

    @Test func csvQuoting() {
        var t = CSVTable(columns: ["a", "b"])
        t.append(["x,y", "say \"hi\""])
        t.append(["", csvNumber(0.1)])
        #expect(t.render() == "a,b\n\"x,y\",\"say \"\"hi\"\"\"\n,0.1\n")
        #expect(csvNumber(nil) == "")
    }
}

private struct DemoReporter: ResultReporter {
    var kinds: Set<String> { ["demo"] }
    var tables: [String: [String]] { ["demo": ["seed", "value"]] }
    func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]] {
        let v = try file.root.read("value", as: Double.self).values
        return ["demo": v.map { [String(provenance.seed ?? -1), csvNumber($0)] }]
    }
}

@Suite struct ReportTests {
    /// A FIFO named like a result file (`x.h5`) is never opened (a reader would block on it for
    /// ever): `report` names it in a warning and reports the rest, `rliable-stats --runs`
    /// refuses the folder with one line.
    @Test func aFIFONamedLikeAResultIsNotRead() throws {
        let folder = makeTemporaryFolder("report-fifo")
        #expect(mkfifo(folder + "/x.h5", 0o644) == 0)
        let r = try runSuiteTool("report", ["--results", folder, "--tables", folder + "/tables", "--no-page"], timeout: 120)
        #expect(r.code == 1 && r.err.contains("x.h5: not a regular file"), "\(r.code) \(r.err)")
        let q = try runSuiteTool("rliable-stats", ["--runs", folder, "--out", folder + "/rliable"], timeout: 120)
        #expect(q.code == 2 && q.err.contains("not a regular file") && q.err.split(separator: "\n").count == 1, "\(q.code) \(q.err)")
    }

    /// Tables are rebuilt from the files that exist: when the last file behind a table is gone,
    /// the table goes too, instead of listing it still.
    @Test func aTableWithoutFilesIsRemoved() throws {
        let folder = makeTemporaryFolder("report-stale")
        let run = folder + "/sac.h5"
        let t = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "100", "--out", run, "--quiet"])
        #expect(t.code == 0, "\(t.err)")
        let tables = folder + "/tables"
        #expect(try runSuiteTool("report", ["--results", folder, "--tables", tables, "--no-page"]).code == 0)
        #expect(FileManager.default.fileExists(atPath: tables + "/train_runs.csv"))
        try FileManager.default.removeItem(atPath: run)
        #expect(try runSuiteTool("report", ["--results", folder, "--tables", tables, "--no-page"]).code == 0)
        #expect(!FileManager.default.fileExists(atPath: tables + "/train_runs.csv"))
        #expect(try String(contentsOfFile: tables + "/runs.csv", encoding: .utf8).split(separator: "\n").count == 1)
    }

    @Test func reportsGoodFilesAndWarnsAboutTheRest() throws {
        let results = makeTemporaryFolder("report")
        for (i, name) in ["b/two.h5", "a/one.h5"].enumerated() {
            let w = try ResultWriter(path: results + "/" + name, kind: "demo", config: DemoConfig(), seed: i, force: false)
            try w.root.write("value", [Double(i) + 0.5])
            try w.commit()
        }
        let other = try ResultWriter(path: results + "/c/other.h5", kind: "unheard-of", config: DemoConfig(), seed: 1, force: false)
        try other.commit()
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: results + "/corrupt.h5"))
        let foreign = try HDF5File.create(at: results + "/foreign.h5")
        try foreign.root.write("x", [1.0])
        foreign.close()

        let outcome = try runReport(resultsFolder: results, tablesFolder: results + "/tables", reporters: [DemoReporter()])
        #expect(outcome.filesReported == 2)
        #expect(outcome.warnings.count == 3)
        #expect(outcome.warnings.contains { $0.hasPrefix("corrupt.h5:") })
        #expect(outcome.warnings.contains { $0.hasPrefix("foreign.h5:") && $0.contains("no /run") })
        #expect(outcome.warnings.contains { $0.hasPrefix("c/other.h5:") && $0.contains("unheard-of") })
        let demo = try String(contentsOfFile: results + "/tables/demo.csv", encoding: .utf8)
        #expect(demo == "seed,value\n1,1.5\n0,0.5\n")  // a/one.h5 (seed 1) sorts before b/two.h5
        let runs = try String(contentsOfFile: results + "/tables/runs.csv", encoding: .utf8)
        #expect(runs.split(separator: "\n").count == 3)

        // The executable: warnings give exit code 1, the tables are still written.
        let run = try runSuiteTool("report", ["--results", results])
        #expect(run.code == 1)
        #expect(run.err.contains("report: warning: corrupt.h5"))
    }

    /// A value that went non-finite reaches no table unflagged: a warning names the run file,
    /// the table and the column (and the exit code is then 1); the table still holds the row.
    @Test func nonFiniteValuesAreFlagged() throws {
        let results = makeTemporaryFolder("report-nonfinite")
        for (i, value) in [1.5, .infinity, -.nan].enumerated() {
            let w = try ResultWriter(path: results + "/r\(i).h5", kind: "demo", config: DemoConfig(), seed: i, force: false)
            try w.root.write("value", [value])
            try w.commit()
        }
        let outcome = try runReport(resultsFolder: results, tablesFolder: results + "/tables", reporters: [DemoReporter()])
        #expect(outcome.filesReported == 3)
        #expect(outcome.warnings.sorted() == ["r1.h5: demo.csv: column value holds inf in 1 row, not a finite result",
                                              "r2.h5: demo.csv: column value holds -nan in 1 row, not a finite result"],
                "\(outcome.warnings)")
    }

    @Test func missingFolderIsBadInput() throws {
        let run = try runSuiteTool("report", ["--results", "/nonexistent/results"])
        #expect(run.code == 2)
        #expect(run.err == "report: error: no results folder at /nonexistent/results\n")
        let bad = try runSuiteTool("report", ["--frobnicate"])
        #expect(bad.code == 2)
        #expect(bad.err.hasPrefix("report: error: Unknown option '--frobnicate'"))
    }
}
