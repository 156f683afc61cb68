import Foundation
import S2ACCore
import Testing

/// Every writer of the suite on a full disk: a small tmpfs holds the previous output of the
/// writer, is filled up to a few kilobytes, and the writer runs again with `--force`. It must
/// print one line, exit 2, remove its temporary file and leave the previous output byte for
/// byte. Mounting needs root; elsewhere the tests are skipped with that reason.
@Suite(.enabled(if: geteuid() == 0, "mounting a small tmpfs as a full disk needs root"))
struct FullDiskTests {
    /// A writer: its command line writing into `folder` (inputs from `inputs`), and what makes
    /// it write that output again (`--force`; nothing for a writer that always replaces).
    struct Writer: CustomTestStringConvertible, Sendable {
        let tool: String
        let arguments: @Sendable (_ folder: String, _ inputs: String) throws -> [String]
        var again: [String] = ["--force"]
        var testDescription: String { tool }
    }

    static let writers: [Writer] = [
        Writer(tool: "train") { folder, _ in
            ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "50", "--quiet", "--out", folder + "/train.h5"]
        },
        Writer(tool: "rliable-stats") { folder, inputs in
            let scores = inputs + "/scores.csv"
            try RliableCommandTests.scores.write(toFile: scores, atomically: true, encoding: .utf8)
            return ["--scores", scores, "--reps", "200", "--seed", "3", "--threads", "1", "--out", folder + "/rliable"]
        },
        Writer(tool: "entropy-eval") { folder, _ in
            ["--experiment", "fig4a", "--config", "authors-code", "--no-exact-log-determinant", "--threads", "1", "--out", folder + "/fig4"]
        },
        // The campaign writes the run first; then its child process for that run (which always
        // replaces) meets the full disk.
        Writer(tool: "multigoal-modes", arguments: { folder, _ in
            ["--preset", "smoke", "--agents", "sac", "--alphas", "1", "--seeds", "1", "--steps", "100", "--quiet", "--out", folder + "/multigoal"]
        }, again: ["--run-one", "sac,1.0,0"]),
        Writer(tool: "table1") { folder, _ in
            ["--envs", "Hopper-v4", "--threads", "1", "--reps", "2", "--warmup", "1", "--torch-python", "none", "--out", folder + "/table1.h5"]
        },
        Writer(tool: "env-replay", arguments: { folder, inputs in
            let f = try GymFixture("Hopper-v4")
            let input = inputs + "/in.h5"
            let file = try HDF5File.create(at: input)
            for name in ["qpos", "qvel", "qacc_warmstart", "action", "xpos", "xipos"] {
                try file.root.write(name, f.arrays[name]!.values, shape: f.arrays[name]!.shape)
            }
            try file.root.write("time", f.arrays["time"]!.values, shape: [f.count("time")])
            try file.finish()
            return ["--env", "Hopper-v4", "--input", input, "--output", folder + "/replay.h5"]
        }, again: []),
        Writer(tool: "report", arguments: { folder, inputs in
            // A run file to report, outside the small disk; the tables go onto it.
            let results = inputs + "/results"
            if !FileManager.default.fileExists(atPath: results + "/train.h5") {
                let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Multigoal", "--preset", "smoke", "--steps", "50",
                                                   "--quiet", "--out", results + "/train.h5"])
                guard r.code == 0 else { throw InputError("train for the report's input failed: \(r.err)") }
            }
            return ["--results", results, "--tables", folder + "/tables", "--no-page"]
        }, again: []),
    ]

    @Test(arguments: writers)
    func aFullDiskLeavesThePreviousOutputAndNoTemporary(_ writer: Writer) throws {
        let inputs = makeTemporaryFolder("full-disk-in")
        let disk = makeTemporaryFolder("full-disk")
        defer { try? FileManager.default.removeItem(atPath: inputs) }
        let mount = try runProgram("/bin/mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", disk])
        try #require(mount.code == 0, "cannot mount a tmpfs on \(disk): \(mount.err)")
        defer {
            _ = try? runProgram("/bin/umount", [disk])
            try? FileManager.default.removeItem(atPath: disk)
        }
        let arguments = try writer.arguments(disk, inputs)
        let first = try runSuiteTool(writer.tool, arguments, timeout: 300)
        try #require(first.code == 0, "the first \(writer.tool) run: \(first.err)")
        let before = try snapshot(disk)
        let largest = before.values.map(\.count).max() ?? 0
        try #require(largest > 0, "\(writer.tool) wrote nothing: \(before.keys.sorted())")
        let filler = disk + "/filler"
        // No room at all; room for a file's start and for half of the largest file, where
        // those are less than it (the file system counts in 4 KiB pages).
        let rooms = [0] + Set([4096, largest / 2 / 4096 * 4096]).sorted().filter { $0 > 0 && $0 < largest - 4096 }
        for room in rooms {
            try fill(disk, leaving: room, with: filler)
            let again = try runSuiteTool(writer.tool, arguments + writer.again, timeout: 300)
            unlink(filler)
            // Progress lines may come before; the error is one line, the last, and no trace.
            let lines = again.err.split(separator: "\n")
            #expect(again.code == 2, "\(writer.tool), \(room) bytes free: exit \(again.code): \(again.err.suffix(600))")
            #expect(lines.filter { $0.contains("error") }.count == 1 && lines.last?.hasPrefix("\(writer.tool): error: ") == true
                    && !again.err.contains("crashed"), "\(writer.tool), \(room) bytes free: \(again.err.suffix(600))")
            #expect(try snapshot(disk) == before, "\(writer.tool), \(room) bytes free: the folder changed")
        }
    }

    /// Every regular file below `folder` (hidden ones too: a temporary left behind shows),
    /// by path relative to it, with its bytes.
    private func snapshot(_ folder: String) throws -> [String: Data] {
        var files: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: folder) else { return files }
        for case let relative as String in walker {
            var isFolder: ObjCBool = false
            let path = folder + "/" + relative
            if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue {
                files[relative] = try Data(contentsOf: URL(fileURLWithPath: path))
            }
        }
        return files
    }

    /// Writes `filler` until the file system of `folder` has `room` bytes left (or fewer).
    private func fill(_ folder: String, leaving room: Int, with filler: String) throws {
        var s = statvfs()
        try #require(statvfs(folder, &s) == 0)
        let free = Int(s.f_bavail) * Int(s.f_frsize)
        let fd = open(filler, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        defer { close(fd) }
        var left = free - room
        let block = [UInt8](repeating: 0xA5, count: 4096)
        while left > 0 {
            let n = block.withUnsafeBytes { write(fd, $0.baseAddress!, min(left, 4096)) }
            if n <= 0 { break }
            left -= n
        }
    }
}
