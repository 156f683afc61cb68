import Foundation
import S2ACCore

// One fuzz target over the suite's readers, the input's reader chosen by FUZZ_TARGET:
//   result      an HDF5 result file: its provenance and the rows of its kind's reporter
//   checkpoint  a train checkpoint, loaded into a SAC Multigoal smoke trainer (the
//               configuration of Tests/S2ACCoreTests/Fixtures/old_checkpoints)
//   csv         a scores CSV and a reference-scores CSV
// Every reader must refuse bad input with an error; a trap, a crash or a hang is a finding.
// Built with -sanitize=fuzzer -DFUZZING (`make fuzz`) libFuzzer drives it; built plainly it
// replays the files named on its command line (`fuzz-readers FILE...`, FUZZ_TARGET set alike),
// so a crashing input kept under Tests/ reproduces without libFuzzer.

enum FuzzTarget: String {
    case result, checkpoint, csv
    static let chosen: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["FUZZ_TARGET"] ?? "result"
        guard let t = FuzzTarget(rawValue: name) else {
            FileHandle.standardError.write(Data("fuzz-readers: FUZZ_TARGET must be result, checkpoint or csv, got '\(name)'\n".utf8))
            exit(2)
        }
        return t
    }()
}

/// HDF5 reads files, not bytes: each input goes to this file first (in memory-backed /dev/shm
/// where there is one).
let scratchPath: String = {
    let folder = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
    return folder + "/fuzz-readers-\(getpid()).h5"
}()

/// The trainer checkpoints are loaded into, made once.
let checkpointTrainer: (Trainer, String) = {
    let config = try! TrainRunConfig.resolve(agent: "sac", env: "Multigoal", preset: "smoke", seed: 7, steps: 80,
                                             evalEvery: 0, checkpointEvery: 60)
    return (try! config.makeTrainer(), try! canonicalJSON(config))
}()

func readResult(_ path: String) {
    guard let file = try? HDF5File.open(at: path) else { return }
    defer { file.close() }
    guard let provenance = try? Provenance.read(from: file) else { return }
    for reporter in ReportRegistry.reporters where reporter.kinds.contains(provenance.kind) {
        _ = try? reporter.rows(from: file, provenance: provenance)
    }
}

func fuzzOne(_ data: Data) {
    switch FuzzTarget.chosen {
    case .csv:
        let text = String(decoding: data, as: UTF8.self)
        _ = try? ScoreTable.parseCSV(text, source: "input")
        _ = try? ReferenceScores.parseCSV(text, source: "input")
    case .result, .checkpoint:
        guard FileManager.default.createFile(atPath: scratchPath, contents: data) else { return }
        defer { unlink(scratchPath) }
        if FuzzTarget.chosen == .result {
            readResult(scratchPath)
        } else {
            let (trainer, json) = checkpointTrainer
            _ = try? trainer.readCheckpoint(path: scratchPath, configJSON: json)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    fuzzOne(bytes.map { Data(bytes: $0, count: count) } ?? Data())
    return 0
}

#if FUZZING
// SwiftPM links an executable's entry point as `<module>_main`; libFuzzer's own `main` is
// not used, its driver is called from here instead.
@_silgen_name("LLVMFuzzerRunDriver")
func runFuzzerDriver(_ argc: UnsafeMutablePointer<CInt>,
                     _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                     _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("fuzz_readers_main")
func fuzzReadersMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc, vector = argv
    return runFuzzerDriver(&count, &vector) { bytes, size in fuzzerTestOneInput(bytes, size) }
}
#else
@main
struct ReplayInputs {
    static func main() {
        let paths = Array(CommandLine.arguments.dropFirst())
        guard !paths.isEmpty else {
            FileHandle.standardError.write(Data("usage: FUZZ_TARGET=result|checkpoint|csv fuzz-readers FILE...\n".utf8))
            exit(2)
        }
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                FileHandle.standardError.write(Data("fuzz-readers: cannot read \(path)\n".utf8))
                exit(2)
            }
            fuzzOne(data)
            print("fuzz-readers: \(FuzzTarget.chosen.rawValue): \(path): handled")
        }
    }
}
#endif
