import Foundation
import S2ACCore
import Testing

/// kill -9 at a random moment (a crash, a power cut: nothing can be handled), then the run is
/// resumed or the campaign rerun: the results carry the parameters of a run never stopped
/// (`params_sha256`), and no temporary file is left once the rerun is done.
@Suite struct FaultInjectionTests {
    /// Starts `tool`, waits until `ready()` holds, then a random `delay()` more, and kills it
    /// with SIGKILL, with the processes it started unless `alone` (as a machine that goes down
    /// takes them all). The tool is stopped (SIGSTOP) before its children are listed, so none
    /// can start between the listing and the kill. Returns whether it was still running when
    /// killed, and the children it had.
    private func killedAtRandom(_ tool: String, _ arguments: [String], alone: Bool = false, delay: () -> Double,
                                once ready: () -> Bool) throws -> (running: Bool, children: [Int32]) {
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
        kill(p.processIdentifier, SIGSTOP)
        let children = try runProgram("/usr/bin/pgrep", ["-P", "\(p.processIdentifier)"]).out
            .split(separator: "\n").compactMap { Int32($0) }
        if !alone { for child in children { kill(child, SIGKILL) } }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        return (running, children)
    }

    /// Whether process `pid` has ended (gone, or a zombie no one has reaped yet).
    private func ended(_ pid: Int32) -> Bool {
        !FileManager.default.fileExists(atPath: "/proc/\(pid)") || Temporaries.isZombie(pid)
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
        let (running, _) = try killedAtRandom("train", args + ["--out", cut], delay: { Double.random(in: 0...(seconds / 2)) }) {
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
        let (running, _) = try killedAtRandom("multigoal-modes", grid + ["--out", folder + "/cut"],
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

    /// A campaign killed alone (SIGKILL: it can pass nothing on) leaves no orphan running: its
    /// run gets SIGTERM from the kernel, writes its checkpoint and ends, and the campaign run
    /// again continues it from there to the bits of a run never stopped.
    @Test func aCampaignKilledAloneTakesItsRunsWithIt() throws {
        let folder = makeTemporaryFolder("kill9-launcher")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let grid = ["--preset", "smoke", "--agents", "sac", "--alphas", "1", "--seeds", "1", "--steps", "3000",
                    "--checkpoint-every", "500", "--quiet", "--jobs", "1"]
        let whole = try runSuiteTool("multigoal-modes", grid + ["--out", folder + "/whole"])
        try #require(whole.code == 0, "\(whole.err)")
        let name = "sac_alpha1.0_seed0"
        let runs = folder + "/cut/runs"
        let (running, children) = try killedAtRandom("multigoal-modes", grid + ["--out", folder + "/cut"], alone: true,
                                                     delay: { 0 }) {
            FileManager.default.fileExists(atPath: runs + "/" + name + ".ckpt.h5")
        }
        try #require(running, "the campaign ended before it was killed")
        try #require(children.count == 1, "\(children)")
        let start = Date()
        while !ended(children[0]) && Date().timeIntervalSince(start) < 60 { Thread.sleep(forTimeInterval: 0.05) }
        #expect(ended(children[0]), "the run kept running for a minute after its campaign was killed")
        #expect(!FileManager.default.fileExists(atPath: runs + "/" + name + ".h5"), "the orphaned run finished")
        #expect(FileManager.default.fileExists(atPath: runs + "/" + name + ".ckpt.h5"))
        let rerun = try runSuiteTool("multigoal-modes", grid + ["--out", folder + "/cut"])
        #expect(rerun.code == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\(name).h5 continues from its checkpoint"), "\(rerun.out)")
        #expect(try paramsSHA256(runs + "/" + name + ".h5") == paramsSHA256(folder + "/whole/runs/" + name + ".h5"))
        #expect(partials(folder + "/cut").isEmpty, "\(partials(folder + "/cut"))")
    }
}
