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
    }

    @Test func badFlagsExitTwo() throws {
        let out = makeTemporaryFolder("train") + "/x.h5"
        for args in [["--agent", "nope", "--env", "Multigoal"], ["--agent", "ppo", "--env", "Multigoal"],
                     ["--agent", "sac", "--env", "Pong"], ["--agent", "sac", "--env", "Multigoal", "--steps", "0"],
                     ["--agent", "sac", "--env", "Multigoal", "--preset", "fast"],
                     ["--agent", "sac", "--env", "Multigoal", "--alpha", "-1"],
                     ["--agent", "sac", "--env", "Multigoal", "--resume"]] {
            let r = try runSuiteTool("train", args + ["--out", out, "--quiet"])
            #expect(r.code == 2, "\(args): \(r.err)")
            #expect(r.err.split(separator: "\n").count == 1, "\(args): \(r.err)")
        }
    }
}
