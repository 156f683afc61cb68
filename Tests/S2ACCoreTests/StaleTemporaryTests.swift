import Foundation
import S2ACCore
import Testing

/// Temporary files left by writers that were killed (kill -9, a power cut) are removed, each
/// with a line, by the next writer of their folder and by `report`; a living writer's are kept,
/// whether its process runs here or only holds the file's lock (a writer on another machine).
@Suite struct StaleTemporaryTests {
    /// The id of a process that has exited.
    private func deadPID() throws -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/true")
        try p.run()
        p.waitUntilExit()
        return p.processIdentifier
    }

    private func touch(_ path: String) {
        FileManager.default.createFile(atPath: path, contents: Data("partial".utf8))
    }

    @Test func writersAndReportRemoveStaleTemporariesOnly() throws {
        let folder = makeTemporaryFolder("stale")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let dead = try deadPID()
        let sleeper = Process()
        sleeper.executableURL = URL(fileURLWithPath: "/bin/sleep")
        sleeper.arguments = ["60"]
        try sleeper.run()
        defer { sleeper.terminate(); sleeper.waitUntilExit() }
        let live = sleeper.processIdentifier

        let stale = [".run.h5.partial-\(dead)", ".run.h5.partial-\(dead)-2", "run.ckpt.h5.partial-\(dead)"]
        let kept = [".run.h5.partial-\(live)", ".other.h5.partial-\(dead)", "notes.partial-x", ".run.h5.partial-"]
        for name in stale + kept { touch(folder + "/" + name) }
        // A writer elsewhere: its process id means nothing here, but it holds the lock.
        let lockedPath = folder + "/" + kept[1]
        let lock = open(lockedPath, O_RDONLY | O_CLOEXEC)
        #expect(lock >= 0 && flock(lock, LOCK_EX | LOCK_NB) == 0)
        defer { close(lock) }

        let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "50", "--quiet",
                                           "--out", folder + "/run.h5"])
        #expect(r.code == 0, "\(r.err)")
        for name in stale {
            #expect(!FileManager.default.fileExists(atPath: folder + "/" + name), "\(name) is left")
            #expect(r.err.contains("removed \(folder)/\(name)"), "\(r.err)")
        }
        for name in kept { #expect(FileManager.default.fileExists(atPath: folder + "/" + name), "\(name) was removed") }
        #expect(r.err.split(separator: "\n").count == stale.count, "\(r.err)")

        // report walks the whole results folder, hidden files too.
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        touch(folder + "/sub/.x.h5.partial-\(dead)")
        let rep = try runSuiteTool("report", ["--results", folder, "--tables", folder + "/tables", "--no-page"])
        #expect(rep.code == 0, "\(rep.err)")
        #expect(rep.err.contains("report: removed \(folder)/sub/.x.h5.partial-\(dead)"), "\(rep.err)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/sub/.x.h5.partial-\(dead)"))
        for name in kept { #expect(FileManager.default.fileExists(atPath: folder + "/" + name), "\(name) was removed") }
    }

    @Test func theProcessIdIsReadFromTheTemporaryName() {
        #expect(Temporaries.writerPID(ofTemporaryNamed: ".run.h5.partial-123") == 123)
        #expect(Temporaries.writerPID(ofTemporaryNamed: ".run.h5.partial-123-4") == 123)
        #expect(Temporaries.writerPID(ofTemporaryNamed: "run.ckpt.h5.partial-77") == 77)
        #expect(Temporaries.writerPID(ofTemporaryNamed: "run.h5") == nil)
        #expect(Temporaries.writerPID(ofTemporaryNamed: ".run.h5.partial-") == nil)
        #expect(Temporaries.writerPID(ofTemporaryNamed: ".run.h5.partial-1-2-3") == nil)
        #expect(Temporaries.writerPID(ofTemporaryNamed: ".run.h5.partial-x") == nil)
    }
}
