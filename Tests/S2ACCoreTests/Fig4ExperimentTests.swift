import Foundation
import S2ACCore
import Testing

/// The smoke budget of `make fig4 QUICK=1`: the executables' quick grids, then `report`.
@Suite(.serialized) struct Fig4ExperimentTests {
    let folder = makeTemporaryFolder("fig4")

    func readCSV(_ path: String) throws -> (header: [String], rows: [[String]]) {
        // RFC 4180 as far as these tables need: quoted fields may hold commas.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map { line -> [String] in
            var fields: [String] = [], field = "", quoted = false
            for ch in line {
                if ch == "\"" {
                    quoted.toggle()
                } else if ch == "," && !quoted {
                    fields.append(field); field = ""
                } else {
                    field.append(ch)
                }
            }
            fields.append(field)
            return fields
        }
        return (lines[0], Array(lines.dropFirst()))
    }

    @Test func quickGridWritesResultsAndTables() throws {
        let out = folder + "/fig4"
        let a = try runSuiteTool("entropy-eval", ["--experiment", "all", "--quick", "--out", out])
        #expect(a.code == 0, "\(a.err)")
        let b = try runSuiteTool("kernel-sweep", ["--quick", "--out", out])
        #expect(b.code == 0, "\(b.err)")
        #expect(a.err.contains("left"))  // progress with a time estimate
        // A second run without --force refuses to overwrite.
        let again = try runSuiteTool("kernel-sweep", ["--quick", "--out", out])
        #expect(again.code == 2 && again.err.contains("--force"))

        let outcome = try runReport(resultsFolder: folder, tablesFolder: folder + "/tables")
        #expect(outcome.warnings.isEmpty)
        let required = ["sampler", "config", "start", "bandwidth", "m", "L", "dim", "components", "std", "seed",
                        "estimate_logdet", "estimate_trace", "estimate_closed_form", "ground_truth", "ground_truth_se"]
        var counts: [String: Int] = [:]
        for name in ["fig4a", "fig4b", "fig4c", "fig10"] {
            let (header, rows) = try readCSV(folder + "/tables/\(name).csv")
            for c in required { #expect(header.contains(c), "\(name).csv lacks \(c)") }
            counts[name] = rows.count
            let col = { (c: String) in header.firstIndex(of: c)! }
            for r in rows {
                #expect(Double(r[col("estimate_trace")]) != nil)
                #expect(Double(r[col("ground_truth")]) != nil)
            }
        }
        // fig4a: 2 configurations x 2 starts x 4 samplers; fig4b quick: 2 starts x 3 (m, L) x 7 sigmas;
        // fig4c and fig10 quick: 2 seeds x 2 dims x 4 targets x 3 (m, L).
        #expect(counts == ["fig4a": 16, "fig4b": 42, "fig4c": 48, "fig10": 48])
        let (header, rows) = try readCSV(folder + "/tables/fig4a.csv")
        let truth = header.firstIndex(of: "ground_truth")!, sampler = header.firstIndex(of: "sampler")!
        let closed = header.firstIndex(of: "estimate_closed_form")!, config = header.firstIndex(of: "config")!
        for r in rows {
            let expected = r[config] == "paper" ? Fig4Grid.paperTarget().exactEntropy! : Fig4Grid.notebookTarget().exactEntropy!
            #expect(Double(r[truth]) == expected)
            #expect(r[sampler] == "svgd" ? !r[closed].isEmpty : r[closed].isEmpty)
        }
    }

    @Test func resultsDoNotDependOnTheThreadCount() throws {
        var estimates: [[UInt64]] = []
        for threads in ["1", "2"] {
            let out = folder + "/threads\(threads)"
            let r = try runSuiteTool("kernel-sweep", ["--quick", "--threads", threads, "--out", out])
            #expect(r.code == 0, "\(r.err)")
            let f = try HDF5File.open(at: out + "/fig4b-paper-quick.h5")
            estimates.append(try f.root.group("runs").read("estimates", as: Double.self).values.map(\.bitPattern))
        }
        #expect(estimates[0] == estimates[1])
    }

    @Test func badFlagsExitWithCodeTwo() throws {
        for (tool, args) in [("entropy-eval", ["--config", "nope"]), ("entropy-eval", ["--seeds", "0"]),
                             ("kernel-sweep", ["--threads", "0"])] {
            let r = try runSuiteTool(tool, args + ["--out", folder + "/bad"])
            #expect(r.code == 2)
            #expect(r.err.split(separator: "\n").count == 1)
        }
    }

    /// An existing result is refused before any computation, and left as it was.
    @Test func existingResultsAreRefusedUpFront() throws {
        let out = folder + "/existing"
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        for (tool, args, name) in [("entropy-eval", ["--experiment", "fig4a", "--config", "paper"], "fig4a-paper.h5"),
                                   ("kernel-sweep", [], "fig4b-paper.h5")] {
            let path = out + "/" + name
            try Data("precious".utf8).write(to: URL(fileURLWithPath: path))
            let r = try runSuiteTool(tool, args + ["--out", out])
            #expect(r.code == 2)
            #expect(r.err.contains("exists; pass --force"))
            #expect(r.out.isEmpty)  // no run started
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "precious")
        }
    }
}
