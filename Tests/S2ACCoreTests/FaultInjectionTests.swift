import Foundation
import S2ACCore
import Testing

/// kill -9 at a random moment (a crash, a power cut: nothing can be handled), then the run is
/// resumed or the campaign rerun: the results carry the parameters of a run never stopped
/// (`params_sha256`), and no temporary file is left once the rerun is done.
@Suite struct FaultInjectionTests {
    /// Starts `tool`, waits until `ready()` holds, then a random `delay()` more, and kills it
    /// with SIGKILL, with the processes it started (their ids read first, as a machine that
    /// goes down takes them all). Returns whether it was still running when killed.
    private func killedAtRandom(_ tool: String, _ arguments: [String], delay: () -> Double,
                                once ready: () -> Bool) throws -> Bool {
        let p = Process()
        p.executableURL = builtProductsFolder.appendingPathComponent(tool)
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        let start = Date()
        while !ready() && p.isRunning && Date().timeIntervalSince(start) < 120 {
            Thread.sleep(forTimeInterval: 0.01)
        }
        Thread.sleep(forTimeInterval: delay())
        let running = p.isRunning
        let children = try runProgram("/usr/bin/pgrep", ["-P", "\(p.processIdentifier)"]).out
            .split(separator: "\n").compactMap { Int32($0) }
        kill(p.processIdentifier, SIGKILL)
        for child in children { kill(child, SIGKILL) }
        p.waitUntilExit()
        return running
    }

    private func partials(_ folder: String) -> [String] {
        (FileManager.default.enumerator(atPath: folder)?.compactMap { $0 as? String } ?? []).filter { $0.contains(".partial-") }
    }

    @Test(arguments: [("Multigoal", "4000"), ("Hopper-v4", "3000")])
    func trainKilledAndResumedEqualsAnUninterruptedRun(_ env: String, _ steps: String) throws {
        let folder = makeTemporaryFolder("kill9-train")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let args = ["--agent", "sac", "--env", env, "--preset", "smoke", "--steps", steps, "--seed", "3",
                    "--quiet", "--checkpoint-every", "500"]
        let start = Date()
        let whole = try runSuiteTool("train", args + ["--out", folder + "/whole.h5"])
        try #require(whole.code == 0, "\(whole.err)")
        let seconds = Date().timeIntervalSince(start)

        let cut = folder + "/cut.h5"
        // After the first checkpoint, somewhere in the first half of the run's time.
        let running = try killedAtRandom("train", args + ["--out", cut], delay: { Double.random(in: 0...(seconds / 2)) }) {
            FileManager.default.fileExists(atPath: folder + "/cut.ckpt.h5")
        }
        try #require(running, "the run ended before it was killed")
        #expect(!FileManager.default.fileExists(atPath: cut))
        let resumed = try runSuiteTool("train", args + ["--out", cut, "--resume"])
        #expect(resumed.code == 0, "\(resumed.err)")
        #expect(try paramsSHA256(cut) == paramsSHA256(folder + "/whole.h5"))
        // The killed run's temporary files went with the resumed run's first write.
        #expect(partials(folder).isEmpty, "\(partials(folder))")
    }

    @Test func campaignKilledAndRerunEqualsAnUninterruptedOne() throws {
        let folder = makeTemporaryFolder("kill9-campaign")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let grid = ["--preset", "smoke", "--agents", "sac", "--alphas", "1,10", "--seeds", "2", "--steps", "1000",
                    "--quiet", "--jobs", "1"]
        let start = Date()
        let whole = try runSuiteTool("multigoal-modes", grid + ["--out", folder + "/whole"])
        try #require(whole.code == 0, "\(whole.err)")
        let seconds = Date().timeIntervalSince(start)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder + "/whole/runs").filter { $0.hasSuffix(".h5") }.sorted()
        try #require(names.count == 4, "\(names)")

        let runs = folder + "/cut/runs"
        let running = try killedAtRandom("multigoal-modes", grid + ["--out", folder + "/cut"],
                                         delay: { Double.random(in: 0...(seconds / 2)) }) {
            ((try? FileManager.default.contentsOfDirectory(atPath: runs)) ?? []).contains { $0.hasSuffix(".h5") }
        }
        try #require(running, "the campaign ended before it was killed")
        let done = try FileManager.default.contentsOfDirectory(atPath: runs).filter { $0.hasSuffix(".h5") && !$0.hasSuffix(".ckpt.h5") }
        #expect(done.count < 4, "\(done)")
        let rerun = try runSuiteTool("multigoal-modes", grid + ["--out", folder + "/cut"])
        #expect(rerun.code == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\(done.count) complete, \(4 - done.count) to run"), "\(rerun.out)")
        for name in names {
            #expect(try paramsSHA256(runs + "/" + name) == paramsSHA256(folder + "/whole/runs/" + name), "\(name)")
        }
        #expect(partials(folder + "/cut").isEmpty, "\(partials(folder + "/cut"))")
    }
}
