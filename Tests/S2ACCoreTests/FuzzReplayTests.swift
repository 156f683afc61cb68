import Foundation
import S2ACCore
import Testing

/// The readers `make fuzz` fuzzes, on inputs kept as regressions (Fixtures/fuzz/<target>) and
/// on deterministic damage to the committed seeds (truncations and byte flips): every input
/// is handled, refused or read, never a trap or a crash. `fuzz-readers` (plain build) replays.
@Suite struct FuzzReplayTests {
    private func replay(_ target: String, _ files: [String]) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = builtProductsFolder.appendingPathComponent("fuzz-readers")
        p.arguments = files
        p.environment = ProcessInfo.processInfo.environment.merging(["FUZZ_TARGET": target]) { $1 }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// `seed` cut at eight lengths and with single bytes flipped at 32 places.
    private func damaged(_ seed: Data) -> [Data] {
        let cuts = (1...8).map { seed.prefix(seed.count * $0 / 9) }
        let flips = (0..<32).map { k -> Data in
            var d = seed
            let i = (k * 7919 + 13) % d.count
            d[i] ^= UInt8(truncatingIfNeeded: 0x5A &+ k)
            return d
        }
        return cuts.map { Data($0) } + flips
    }

    /// The two inputs on which libhdf5 1.10 itself crashed (a corrupt global-heap reference of a
    /// variable-length string, `H5HG_read` copying from a wild address). The result file's
    /// address is unmapped in every process we tried: its reader must now refuse it with one line
    /// naming the file. Whether the checkpoint's wild address is mapped depends on the process's
    /// memory layout (it crashed `fuzz-readers`, it reads garbage here), so for it the check is
    /// that this process survives the read and any error is one line naming the file. After both,
    /// a good file reads as before: the library's state in this process is untouched.
    @Test func libhdf5CrashesBecomeErrors() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path
        let result = fixtures + "/fuzz/result/libhdf5-H5HG_read-vlen-attribute.h5"
        let checkpoint = fixtures + "/fuzz/checkpoint/libhdf5-H5HG_read-vlen-attribute.ckpt.h5"
        func message(_ body: () throws -> Void) -> String? {
            do { try body(); return nil } catch { return String(describing: error) }
        }
        let resultError = message {
            let file = try HDF5File.open(at: result)
            defer { file.close() }
            _ = try Provenance.read(from: file)
        }
        #expect(resultError?.contains("corrupt HDF5 file: \(result) (the HDF5 library crashed reading the strings") == true,
                "\(resultError ?? "no error")")
        #expect(resultError?.contains("\n") == false)
        if let checkpointError = message({
            let file = try HDF5File.open(at: checkpoint)
            defer { file.close() }
            for name in ["config_json", "step", "updates", "episode_step"] { _ = try file.root.attribute(name) }
        }) {
            #expect(checkpointError.contains(checkpoint) && !checkpointError.contains("\n"), "\(checkpointError)")
        }
        let good = try HDF5File.open(at: fixtures + "/old_checkpoints/sac.h5")
        defer { good.close() }
        #expect(try Provenance.read(from: good).kind == "train")
    }

    /// Two checkpoints (fuzzing findings, 105 kB each) that libhdf5 1.10's H5Dread mishandled:
    /// in one a float type claims a huge size per value, and H5Dread allocated and zeroed a
    /// 3.5 GB conversion buffer from it; in the other a compact dataset stores no bytes while
    /// its dataspace claims 32 values, and H5Dread copied 128 bytes from the missing (null) data
    /// and crashed. The type's size and the stored bytes are now checked before the read, so the
    /// load is refused at once, with one line naming the file, and reads nothing.
    @Test(arguments: [("libhdf5-tconv-3GB.ckpt.h5", "bytes each (corrupt?)"),
                      ("libhdf5-compact-null-read.ckpt.h5", "exp_avg_sq.4 stores 0 bytes for 32 values of 4 bytes (corrupt?)")])
    func corruptNumberSizesAreRefusedBeforeTheRead(_ name: String, _ expected: String) throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path
        let path = fixtures + "/fuzz/checkpoint/" + name
        let config = try TrainRunConfig.resolve(agent: "sac", env: "Multigoal", preset: "smoke", seed: 7, steps: 80,
                                                evalEvery: 0, checkpointEvery: 60)
        let trainer = try config.makeTrainer()
        let start = Date()
        do {
            try trainer.readCheckpoint(path: path, configJSON: try canonicalJSON(config))
            Issue.record("the corrupt checkpoint was loaded")
        } catch {
            let text = String(describing: error)
            #expect(text.contains(path) && text.contains(expected) && !text.contains("\n"), "\(text)")
        }
        #expect(Date().timeIntervalSince(start) < 5, "the refusal took \(Date().timeIntervalSince(start)) s")
    }

    /// Two result files on which libhdf5 1.10 ran away reading variable-length strings (fuzzing
    /// findings, 14 KB each): on one it zeroed 10 GB, on the other it looped until the reading
    /// child's 120 s alarm. The child now has 1 GiB of memory beyond its parent's and 2 s of CPU
    /// time: both are refused within seconds, with one line naming the file.
    @Test(arguments: [("libhdf5-vlen-10GB.h5", "cannot read strings"),
                      ("libhdf5-vlen-loop.h5", "after 2 s of CPU time")])
    func runawayStringReadsAreStopped(_ name: String, _ expected: String) throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path
        let path = fixtures + "/fuzz/result/" + name
        let start = Date()
        var message: String?
        do {
            let file = try HDF5File.open(at: path)
            defer { file.close() }
            _ = try Provenance.read(from: file)
        } catch { message = String(describing: error) }
        let text = try #require(message)
        #expect(text.contains(path) && text.contains(expected) && !text.contains("\n"), "\(text)")
        #expect(Date().timeIntervalSince(start) < 60, "the read took \(Date().timeIntervalSince(start)) s")
    }

    @Test(arguments: [("result", "old_checkpoints/sac.h5"), ("checkpoint", "old_checkpoints/sac.ckpt.h5"), ("csv", nil)])
    func everyInputIsHandled(_ target: String, _ seedName: String?) throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let folder = makeTemporaryFolder("fuzz-replay")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        var files = try FileManager.default.contentsOfDirectory(atPath: fixtures.path + "/fuzz/" + target).sorted()
            .map { fixtures.path + "/fuzz/" + target + "/" + $0 }
        let seed = try seedName.map { try Data(contentsOf: fixtures.appendingPathComponent($0)) }
            ?? Data(RliableCommandTests.scores.utf8)
        for (i, data) in damaged(seed).enumerated() {
            let path = folder + "/\(i)"
            try data.write(to: URL(fileURLWithPath: path))
            files.append(path)
        }
        let r = try replay(target, files)
        #expect(r.code == 0, "\(target): exit \(r.code): \(r.err.suffix(800))")
        #expect(r.out.split(separator: "\n").count == files.count, "\(r.out.suffix(400))")
    }
}
