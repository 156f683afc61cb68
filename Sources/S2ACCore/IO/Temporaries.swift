import Foundation

/// Temporary files of the suite's writers: a result or a table is written as
/// `.NAME.partial-PID` (or `.NAME.partial-PID-N`, a second writer of one process) and a
/// checkpoint as `NAME.partial-PID`, beside the final name. The writer holds an advisory lock
/// (`flock`) on its temporary file while it lives; a kill -9 or a power cut leaves the file
/// behind, unlocked, named after a process that is gone. Such stale files are removed, with a
/// line saying so, by the next writer of that folder and by `report`.
public enum Temporaries {
    /// The process id in the name of a writer's temporary file, nil for any other name.
    public static func writerPID(ofTemporaryNamed name: String) -> Int32? {
        guard let range = name.range(of: ".partial-", options: .backwards) else { return nil }
        let tail = name[range.upperBound...].split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(tail.count), tail.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let pid = Int32(tail[0]), pid > 0 else { return nil }
        return pid
    }

    /// Takes the writer's lock on the temporary file at `path` for as long as the returned
    /// descriptor stays open (closed on exec, so child processes do not hold it). -1 when the
    /// file cannot be opened; the write goes on without the lock, guarded by the process id.
    public static func hold(_ path: String) -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return -1 }
        _ = flock(fd, LOCK_EX | LOCK_NB)
        return fd
    }

    /// Whether the temporary file at `path` belongs to no living writer: the process its name
    /// gives is not running on this machine, and no process (here or, on a network file system
    /// with locks, on another machine) holds its lock.
    static func isStale(_ path: String, pid: Int32) -> Bool {
        if pid == getpid() { return false }
        if (kill(pid, 0) == 0 || errno == EPERM) && !isZombie(pid) { return false }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return flock(fd, LOCK_EX | LOCK_NB) == 0
    }

    /// Whether `pid` is a zombie (state `Z` in /proc/PID/stat): it has exited and holds no file,
    /// but answers kill(pid, 0) until its parent reaps it, which a killed campaign's orphaned run
    /// waits for in vain where the container's first process does not reap.
    public static func isZombie(_ pid: Int32) -> Bool {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.range(of: ")", options: .backwards) else { return false }
        return text[close.upperBound...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    /// Removes the stale temporary files in `folder` (and below it with `recursive`); returns
    /// one line per file removed, for the caller to print.
    @discardableResult
    public static func removeStale(in folder: String, recursive: Bool = false) -> [String] {
        var removed: [String] = []
        let manager = FileManager.default
        let names: [String]
        if recursive {
            guard let walker = manager.enumerator(atPath: folder) else { return [] }
            names = walker.compactMap { $0 as? String }
        } else {
            names = (try? manager.contentsOfDirectory(atPath: folder)) ?? []
        }
        for relative in names.sorted() {
            let name = (relative as NSString).lastPathComponent
            guard let pid = writerPID(ofTemporaryNamed: name) else { continue }
            let path = folder + "/" + relative
            if isStale(path, pid: pid), unlink(path) == 0 {
                removed.append("removed \(path), the temporary file of a writer that is gone (process \(pid))")
            }
        }
        return removed
    }

    /// `removeStale(in:)` for the folder of `path`, each line printed to standard error
    /// prefixed by the program's name.
    public static func cleanFolder(of path: String) {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        report(removeStale(in: folder))
    }

    /// Prints `lines` to standard error, prefixed by the program's name.
    public static func report(_ lines: [String]) {
        let program = URL(fileURLWithPath: CommandLine.arguments.first ?? "s2ac").lastPathComponent
        for line in lines { FileHandle.standardError.write(Data("\(program): \(line)\n".utf8)) }
    }
}
