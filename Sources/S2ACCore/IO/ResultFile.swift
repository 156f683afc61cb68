import CBLAS
import CMuJoCo
import Foundation
import Synchronization

/// Where a result came from: stored as attributes of the group `/run` of every result file.
public struct Provenance: Codable, Equatable {
    /// The experiment kind (`fig4a`, `multigoal`, ...); `report` dispatches on it.
    public var kind: String
    /// The fully resolved configuration as JSON (sorted keys).
    public var configJSON: String
    public var seed: Int?
    public var gitCommit: String
    public var gitDirty: Bool
    public var swiftVersion: String
    public var hdf5Version: String
    public var mujocoVersion: String
    public var blasConfig: String
    /// The kernel OpenBLAS chose at load time (`openblas_get_corename`): with the binary and the
    /// seed, it decides the bits (README, "Reproducibility"). "unknown" in files written before
    /// it was recorded.
    public var blasCore: String
    /// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE as the process saw them ("" when unset): they can
    /// force the kernel and its blocking.
    public var blasEnvironment: String
    /// The CPU: vendor, family, model, stepping, name and its widest vector extensions.
    public var cpu: String
    public var host: String
    /// UTC, ISO 8601.
    public var startTime: String
    public var endTime: String
    public var commandLine: String

    /// Format version of the `/run` group; bump when its attributes change meaning.
    public static let formatVersion = 1

    /// Provenance of this process, started now.
    public static func current(kind: String, configJSON: String, seed: Int?) -> Provenance {
        let git = sourceGitState
        return Provenance(kind: kind, configJSON: configJSON, seed: seed,
                          gitCommit: git.commit, gitDirty: git.dirty,
                          swiftVersion: swiftCompilerVersion, hdf5Version: HDF5File.libraryVersion,
                          mujocoVersion: mujocoLibraryVersion, blasConfig: blasConfiguration,
                          blasCore: blasCoreName, blasEnvironment: blasEnvironmentSetting, cpu: cpuDescription,
                          host: ProcessInfo.processInfo.hostName, startTime: isoNow(), endTime: "",
                          commandLine: CommandLine.arguments.joined(separator: " "))
    }

    /// Writes the provenance as attributes of `/run`.
    public func write(to file: HDF5File) throws {
        let run = try file.root.createGroup("run")
        try run.setAttribute("format_version", .int(Provenance.formatVersion))
        try run.setAttribute("kind", kind)
        try run.setAttribute("config_json", configJSON)
        if let seed { try run.setAttribute("seed", .int(seed)) }
        try run.setAttribute("git_commit", gitCommit)
        try run.setAttribute("git_dirty", .int(gitDirty ? 1 : 0))
        try run.setAttribute("swift_version", swiftVersion)
        try run.setAttribute("hdf5_version", hdf5Version)
        try run.setAttribute("mujoco_version", mujocoVersion)
        try run.setAttribute("blas_config", blasConfig)
        try run.setAttribute("blas_core", blasCore)
        try run.setAttribute("blas_environment", blasEnvironment)
        try run.setAttribute("cpu", cpu)
        try run.setAttribute("host", host)
        try run.setAttribute("start_time", startTime)
        try run.setAttribute("end_time", endTime)
        try run.setAttribute("command_line", commandLine)
        try file.root.setAttribute("kind", kind)
    }

    /// Reads the provenance of a result file; throws when `/run` is missing or incomplete
    /// (a foreign HDF5 file).
    public static func read(from file: HDF5File) throws -> Provenance {
        guard file.root.kind(of: "run") == .group else {
            throw HDF5Error("\(file.path): not a result of this suite (no /run group)")
        }
        let run = try file.root.group("run")
        func string(_ name: String) throws -> String {
            guard let s = try run.attribute(name)?.stringValue else {
                throw HDF5Error("\(file.path): /run lacks the attribute \(name)")
            }
            return s
        }
        func optional(_ name: String) throws -> String { try run.attribute(name)?.stringValue ?? "unknown" }
        return Provenance(kind: try string("kind"), configJSON: try string("config_json"),
                          seed: try run.attribute("seed")?.intValue,
                          gitCommit: try string("git_commit"), gitDirty: try run.attribute("git_dirty")?.intValue == 1,
                          swiftVersion: try string("swift_version"), hdf5Version: try string("hdf5_version"),
                          mujocoVersion: try string("mujoco_version"), blasConfig: try string("blas_config"),
                          blasCore: try optional("blas_core"), blasEnvironment: try optional("blas_environment"),
                          cpu: try optional("cpu"), host: try string("host"), startTime: try string("start_time"), endTime: try string("end_time"),
                          commandLine: try string("command_line"))
    }
}

/// JSON of a configuration with sorted keys, so equal configurations give equal text.
public func canonicalJSON<C: Encodable>(_ config: C) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(config), as: UTF8.self)
}

/// A result file being written. It lives under a temporary name in the destination folder
/// and takes its final name only in `commit()`: a crash never leaves a truncated file under the
/// final name, and an existing result is replaced only with `force`, also when another process
/// wrote it while this one was running (the final name is taken by `link`, which never replaces).
public final class ResultWriter {
    public let finalPath: String
    public let temporaryPath: String
    public let file: HDF5File
    public private(set) var provenance: Provenance
    private var committed = false
    private let force: Bool
    /// Holds the lock that tells a living writer's temporary file from a stale one.
    private var lock: Int32 = -1

    public var root: HDF5Group { file.root }

    /// Starts a result file at `path`. Throws `InputError` when `path` exists and `force` is
    /// false, before anything is written.
    public init<C: Encodable>(path: String, kind: String, config: C, seed: Int?, force: Bool) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent()
        try requireWritableResult(path: path, force: force)
        try createFolder(folder.path)
        finalPath = url.path
        self.force = force
        // The process id names the writer (a later tool can tell a stale file); the counter
        // keeps two writers of one process apart.
        let n = writerCount.add(1, ordering: .relaxed).oldValue
        temporaryPath = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())" + (n == 0 ? "" : "-\(n)")).path
        do {
            file = try HDF5File.create(at: temporaryPath)
        } catch {
            // HDF5 may have made the file before failing (a full disk).
            unlink(temporaryPath)
            throw InputError("cannot write \(finalPath): \(error)")
        }
        lock = Temporaries.hold(temporaryPath)
        provenance = Provenance.current(kind: kind, configJSON: try canonicalJSON(config), seed: seed)
    }

    /// Stamps the end time, closes the file and moves it to its final name. When the file
    /// cannot be written whole (a full disk), the temporary file is removed, whatever had the
    /// final name is left as it was, and this throws.
    public func commit() throws {
        precondition(!committed, "commit() called twice on \(finalPath)")
        provenance.endTime = isoNow()
        do {
            try provenance.write(to: file)
            try file.finish()
        } catch {
            committed = true  // nothing left to abandon
            unlink(temporaryPath)
            release()
            throw InputError("cannot write \(finalPath): \(error)")
        }
        committed = true
        defer { release() }
        try publish(temporaryPath, as: finalPath, replacing: force)
    }

    private func release() {
        if lock >= 0 { close(lock); lock = -1 }
    }

    /// Gives up the result: closes and removes the temporary file (for a process about to
    /// exit, where `deinit` would not run).
    public func abandon() {
        guard !committed else { return }
        file.close()
        unlink(temporaryPath)
        release()
    }

    deinit {
        if !committed {
            file.close()
            unlink(temporaryPath)
        }
        release()
    }
}

/// Result writers started by this process so far.
private let writerCount = Atomic<Int>(0)

/// Gives the finished file `temporary` the name `final`. With `replacing`, an atomic rename.
/// Without, a hard link, which fails when `final` exists, so a result another process finished
/// in the meantime is never replaced: this file then stays, under a name the error gives. Where
/// hard links are refused (some network and FUSE file systems), a check and a rename instead.
func publish(_ temporary: String, as final: String, replacing: Bool) throws {
    if !replacing {
        if link(temporary, final) == 0 { unlink(temporary); return }
        if errno == EEXIST { try keepAside(temporary, final) }
        guard errno == EPERM || errno == EOPNOTSUPP || errno == ENOSYS || errno == EXDEV else {
            throw InputError("cannot give \(temporary) the name \(final): \(String(cString: strerror(errno)))")
        }
        if FileManager.default.fileExists(atPath: final) { try keepAside(temporary, final) }
    }
    guard rename(temporary, final) == 0 else {
        throw InputError("cannot move \(temporary) to \(final): \(String(cString: strerror(errno)))")
    }
}

/// `final` appeared while this result was being written: the new result is moved beside it
/// (`NAME.PID.h5`) and the error names both.
private func keepAside(_ temporary: String, _ final: String) throws -> Never {
    let url = URL(fileURLWithPath: final)
    let ext = url.pathExtension
    let kept = url.deletingPathExtension().path + ".\(getpid())" + (ext.isEmpty ? "" : "." + ext)
    if rename(temporary, kept) == 0 {
        throw InputError("\(final) was written by another process while this one ran; this result is kept as \(kept)")
    }
    throw InputError("\(final) was written by another process while this one ran; this result is left in \(temporary)")
}

/// The result files below `root`, sorted: `*.h5` files that are not checkpoints (`*.ckpt.h5`),
/// outside hidden files and folders (temporaries are `.NAME.partial-PID`) and outside
/// `excluding` (a folder). `skipped` lists the `*.h5` entries that are not regular files (a
/// FIFO or socket would block a reader for ever), for the caller to name.
public func resultFilePaths(under root: String, excluding: String? = nil) -> (files: [String], skipped: [String]) {
    let base = URL(fileURLWithPath: root).standardizedFileURL
    let excluded = excluding.map { URL(fileURLWithPath: $0).standardizedFileURL.path + "/" }
    var files: [String] = [], skipped: [String] = []
    guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey],
                                                      options: [.skipsHiddenFiles]) else { return ([], []) }
    for case let url as URL in walker {
        let path = url.standardizedFileURL.path
        if let excluded, path.hasPrefix(excluded) { continue }
        guard url.pathExtension == "h5", !path.hasSuffix(".ckpt.h5") else { continue }
        let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isDirectoryKey])
        if values?.isDirectory == true { continue }
        if values?.isRegularFile == true { files.append(path) } else { skipped.append(path) }
    }
    return (files.sorted(), skipped.sorted())
}

/// Throws `InputError` when a result already exists at `path` and `force` is false, or when
/// its folder cannot be made or written in. Commands call it before any computation, so a
/// refusal costs nothing; `ResultWriter` checks again.
public func requireWritableResult(path: String, force: Bool) throws {
    let url = URL(fileURLWithPath: path)
    if FileManager.default.fileExists(atPath: url.path) && !force {
        throw InputError("\(url.path) exists; pass --force to overwrite it")
    }
    try requireWritableFolder(url.deletingLastPathComponent().path)
    Temporaries.report(Temporaries.removeStale(in: url.deletingLastPathComponent().path))
}

/// Checks files can be made in `folder`, so an output that cannot be written is refused before
/// the computation: a file is created and removed in it or, when it does not exist yet, in the
/// nearest folder above it that does (the writer makes the rest). Nothing is left behind.
public func requireWritableFolder(_ folder: String) throws {
    var existing = URL(fileURLWithPath: folder).standardizedFileURL.path
    var isFolder: ObjCBool = false
    while !FileManager.default.fileExists(atPath: existing, isDirectory: &isFolder) && existing != "/" {
        existing = (existing as NSString).deletingLastPathComponent
    }
    guard isFolder.boolValue else { throw InputError("cannot write in \(folder): \(existing) is a file, not a folder") }
    let probe = (existing as NSString).appendingPathComponent(".write-probe-\(getpid())")
    let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
    guard fd >= 0 else {
        let reason = String(cString: strerror(errno))
        throw InputError("cannot write in \(folder): " + (existing == folder ? reason : "\(existing) takes no new files (\(reason))"))
    }
    close(fd)
    unlink(probe)
}

/// Writes `data` to `path` atomically (temporary file in the same folder, then rename). When
/// the data cannot be written whole (a full disk), the temporary file is removed, whatever
/// had the name `path` is left as it was, and this throws one line.
public func writeFileAtomically(_ data: Data, to path: String) throws {
    let url = URL(fileURLWithPath: path)
    let folder = url.deletingLastPathComponent()
    try createFolder(folder.path)
    let temp = folder.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())").path
    let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw InputError("cannot write \(url.path): \(String(cString: strerror(errno)))") }
    _ = flock(fd, LOCK_EX | LOCK_NB)  // marks the temporary file as a living writer's (Temporaries)
    var failure: Int32 = 0
    data.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                failure = errno; return
            }
            offset += n
        }
    }
    if failure == 0 && fsync(fd) != 0 { failure = errno }
    if close(fd) != 0 && failure == 0 { failure = errno }
    guard failure == 0 else {
        unlink(temp)
        throw InputError("cannot write \(url.path): \(String(cString: strerror(failure)))")
    }
    guard rename(temp, url.path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temp)
        throw InputError("cannot move \(temp) to \(url.path): \(reason)")
    }
}

/// Makes the folder `path` and any missing parents; throws one line in words when it cannot
/// (a file in the way, no permission, a read-only or full file system).
public func createFolder(_ path: String) throws {
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw InputError("cannot create the folder \(path): \(fileErrorWords(error))")
    }
}

/// The system's words for a Foundation file error ("Permission denied", "No space left on
/// device"), instead of its "Error Domain=NSCocoaErrorDomain Code=... UserInfo={...}" text.
public func fileErrorWords(_ error: Error) -> String {
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        return String(cString: strerror(Int32(underlying.code)))
    }
    switch ns.code {
    case NSFileNoSuchFileError, NSFileReadNoSuchFileError: return "No such file or directory"
    case NSFileWriteNoPermissionError, NSFileReadNoPermissionError: return "Permission denied"
    case NSFileWriteOutOfSpaceError: return "No space left on device"
    case NSFileWriteVolumeReadOnlyError: return "Read-only file system"
    case NSFileWriteFileExistsError: return "a file is in the way"
    default:
        let text = ns.localizedFailureReason ?? ns.localizedDescription
        return text.split(separator: "\n").first.map(String.init) ?? "unknown error"
    }
}

func isoNow() -> String {
    let f = ISO8601DateFormatter()
    f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    f.timeZone = TimeZone(identifier: "UTC")
    return f.string(from: Date())
}

/// The Swift compiler that built the suite.
public let swiftCompilerVersion: String = {
    #if compiler(>=6.5)
    return ">=6.5"
    #elseif compiler(>=6.4)
    return "6.4"
    #elseif compiler(>=6.3)
    return "6.3"
    #elseif compiler(>=6.2)
    return "6.2"
    #elseif compiler(>=6.1)
    return "6.1"
    #else
    return "6.0"
    #endif
}()

/// MuJoCo's version as "major.minor.patch" (mj_version() gives 222 for 2.2.2).
public let mujocoLibraryVersion: String = {
    let v = Int(mj_version())
    return "\(v / 100).\(v / 10 % 10).\(v % 10)"
}()

/// OpenBLAS's build description (version, kernel, thread limit).
public let blasConfiguration: String = {
    guard let c = openblas_get_config() else { return "unknown" }
    return String(cString: c).trimmingCharacters(in: .whitespaces)
}()

/// The kernel OpenBLAS picked for this CPU (or was told to use by OPENBLAS_CORETYPE), e.g.
/// "Haswell", "SkylakeX", "Prescott".
public let blasCoreName: String = {
    guard let c = openblas_get_corename() else { return "unknown" }
    return String(cString: c).trimmingCharacters(in: .whitespaces)
}()

/// The environment variables that choose OpenBLAS's kernel and blocking, as "NAME=value"
/// joined by spaces; "" when neither is set.
public let blasEnvironmentSetting: String = {
    let env = ProcessInfo.processInfo.environment
    return ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"].compactMap { k in env[k].map { "\(k)=\($0)" } }
        .joined(separator: " ")
}()

/// This machine's CPU as /proc/cpuinfo describes its first processor: vendor, family, model,
/// stepping, model name, and the widest of the vector extensions that decide which kernels
/// run (avx512f, avx2, avx, sse4_2). "unknown" where /proc/cpuinfo cannot be read.
public let cpuDescription: String = {
    guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
    var fields: [String: String] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        if line.isEmpty { break }  // the first processor only
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2 else { continue }
        fields[parts[0].trimmingCharacters(in: .whitespaces)] = parts[1].trimmingCharacters(in: .whitespaces)
    }
    let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
    let vector = ["avx512f", "avx2", "avx", "sse4_2"].first { flags.contains($0) } ?? "none"
    return "\(fields["vendor_id"] ?? "?") family \(fields["cpu family"] ?? "?") model \(fields["model"] ?? "?")"
        + " stepping \(fields["stepping"] ?? "?"): \(fields["model name"] ?? "?") (\(vector))"
}()

/// The commit of the source tree this binary was built from, and whether it had changes;
/// asked of git once per process.
let sourceGitState: (commit: String, dirty: Bool) = gitState()

func gitState() -> (commit: String, dirty: Bool) {
    let sourceDir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
    func git(_ args: [String]) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["git", "-C", sourceDir] + args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        do { try p.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
    guard let commit = git(["rev-parse", "HEAD"]) else { return ("unknown", false) }
    let status = git(["status", "--porcelain", "--untracked-files=no"]) ?? ""
    return (commit, !status.isEmpty)
}
