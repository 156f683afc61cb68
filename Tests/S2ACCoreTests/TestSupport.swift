import Foundation
import S2ACCore
import Testing

/// A fresh empty folder under the system temporary directory.
func makeTemporaryFolder(_ label: String = "s2ac") -> String {
    let path = NSTemporaryDirectory() + "\(label)-\(UUID().uuidString)"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The folder holding the built executables (the test resources bundle sits beside them).
var builtProductsFolder: URL {
    Bundle.module.bundleURL.deletingLastPathComponent()
}

/// Runs a program, returning its exit code, standard output and standard error.
@discardableResult
func runProgram(_ executable: String, _ arguments: [String], timeout: Double? = nil) throws -> (code: Int32, out: String, err: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // A program that hangs is killed after `timeout` seconds (its result then shows SIGKILL).
    let finished = DispatchSemaphore(value: 0)
    if let timeout {
        let pid = p.processIdentifier
        Thread.detachNewThread {
            if finished.wait(timeout: .now() + timeout) == .timedOut { kill(pid, SIGKILL) }
        }
    }
    defer { finished.signal() }
    // Standard error is drained on its own thread: read one after the other, a child that
    // fills the stderr pipe while we wait for its stdout to end would block both for ever.
    nonisolated(unsafe) var e = Data()
    let drained = DispatchSemaphore(value: 0)
    Thread.detachNewThread {
        e = err.fileHandleForReading.readDataToEndOfFile()
        drained.signal()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    drained.wait()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
}

/// Runs one of the suite's executables from the build folder.
@discardableResult
func runSuiteTool(_ name: String, _ arguments: [String], timeout: Double? = nil) throws -> (code: Int32, out: String, err: String) {
    let url = builtProductsFolder.appendingPathComponent(name)
    guard FileManager.default.isExecutableFile(atPath: url.path) else {
        throw NSError(domain: "tests", code: 1,
                      userInfo: [NSLocalizedDescriptionKey: "\(url.path) is not built: run `make test`, which builds it first"])
    }
    return try runProgram(url.path, arguments, timeout: timeout)
}

/// The `params_sha256` a run file's training ended with (`train` and multigoal run files).
func paramsSHA256(_ path: String) throws -> String {
    let f = try HDF5File.open(at: path)
    defer { f.close() }
    return try #require(try f.root.group("train").attribute("params_sha256")?.stringValue)
}
