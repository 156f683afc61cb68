import Foundation

/// Runs a campaign's pending runs on this machine: each run in a child process (the campaign's
/// own executable, told which run by its arguments), at most `jobs` at a time, longest first as
/// given. Prints one progress line per finished run: runs done, CPU seconds spent by the
/// children, and the time left estimated from the runs' relative costs.
///
/// SIGINT and SIGTERM sent to the campaign are passed on to the running children (which sit in
/// process groups of their own, so a terminal's Ctrl-C would not reach them); the launcher
/// waits for them and then exits with 128 + the signal, so no run is left orphaned. A launcher
/// killed without a chance to pass anything on (SIGKILL) takes its runs with it too: each child
/// learns the launcher's pid from its environment (`StopSignals.launcherVariable`) and asks the
/// kernel for SIGTERM when it dies (`StopSignals.install`).
public final class LocalLauncher {
    public let jobs: Int
    public let executable: String
    public var environment: [String: String]
    /// Prefix of the progress lines (the campaign's command name).
    public let name: String

    public init(name: String, jobs: Int, executable: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.name = name
        self.jobs = jobs
        self.executable = executable
        self.environment = environment
    }

    /// Runs `arguments(spec)` for every spec; returns a line per failed run (empty when all
    /// succeeded).
    public func run<Spec: CampaignRunSpec>(_ pending: [Spec], arguments: (Spec) -> [String]) throws -> [String] {
        StopSignals.install()
        fflush(stdout)  // what the campaign printed before its first run
        var queue = pending[...]
        var running: [(process: Process, spec: Spec)] = []
        var failed: [String] = []
        var done = 0, doneCost = 0.0
        let totalCost = pending.reduce(0) { $0 + max($1.relativeCost, 0) }
        var childEnvironment = environment
        childEnvironment[StopSignals.launcherVariable] = String(getpid())
        let start = Date(), cpuStart = childrenCPUSeconds()
        while !queue.isEmpty || !running.isEmpty {
            if let signal = StopSignals.received {
                for r in running where r.process.isRunning { kill(r.process.processIdentifier, signal) }
                for r in running { r.process.waitUntilExit() }
                let message = "\(name): stopped by signal \(signal); \(running.count) running run(s) stopped with it, "
                    + "\(done) of \(pending.count) finished; the same command continues them from their checkpoints\n"
                FileHandle.standardError.write(Data(message.utf8))
                exit(128 + signal)
            }
            while running.count < jobs, let spec = queue.popFirst() {
                let child = Process()
                child.executableURL = URL(fileURLWithPath: executable)
                child.arguments = arguments(spec)
                child.environment = childEnvironment
                try child.run()
                running.append((child, spec))
            }
            Thread.sleep(forTimeInterval: 0.05)
            running.removeAll { r in
                guard !r.process.isRunning else { return false }
                done += 1
                doneCost += max(r.spec.relativeCost, 0)
                if r.process.terminationStatus != 0 || r.process.terminationReason != .exit {
                    let how = r.process.terminationReason == .exit ? "exit \(r.process.terminationStatus)"
                                                                   : "signal \(r.process.terminationStatus)"
                    failed.append("\(r.spec.runID) (\(how))")
                }
                let elapsed = Date().timeIntervalSince(start)
                let left = doneCost > 0 && totalCost > doneCost ? elapsed * (totalCost - doneCost) / doneCost : 0
                print(String(format: "%@: %d/%d runs finished (%@), %.0f CPU s, %@ elapsed, about %@ left",
                             name, done, pending.count, r.spec.runID, childrenCPUSeconds() - cpuStart,
                             formatDuration(elapsed), done == pending.count ? "0 s" : formatDuration(left)))
                // Standard output is block-buffered when it is a file or a pipe (a log, `tee`, a
                // Slurm job): the line must reach it when the run finishes, not at exit.
                fflush(stdout)
                return true
            }
        }
        return failed
    }
}

/// "1 h 05 min", "12 min 30 s", "42 s".
public func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    if s >= 3600 { return String(format: "%d h %02d min", s / 3600, s % 3600 / 60) }
    if s >= 60 { return String(format: "%d min %02d s", s / 60, s % 60) }
    return "\(s) s"
}

/// User + system CPU seconds of the reaped child processes of this process.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}
