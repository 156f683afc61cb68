import CProcess
import Foundation

/// SIGINT and SIGTERM caught into a flag that long loops poll between steps, so a run can write
/// its checkpoint, remove its temporary files and leave with a code that says so (a cluster
/// requeues on it), and a campaign can stop its children, instead of dying mid-write.
public enum StopSignals {
    /// Installs the handlers (once per process; later calls only unblock again).
    public static func install() {
        signal(SIGINT) { stopSignalReceived = $0 }
        signal(SIGTERM) { stopSignalReceived = $0 }
        // A process started from a thread that blocks signals (a libdispatch worker, say)
        // inherits that mask; unblocked here, on the thread that polls and starts children,
        // both the handlers and the children's default actions take effect.
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGINT)
        sigaddset(&set, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        stopWithLauncher()
    }

    /// The environment variable a `LocalLauncher` sets in its runs' environment: its own pid.
    public static let launcherVariable = "S2AC_LAUNCHER_PID"

    /// A run started by a launcher stops with it: if the launcher dies without passing a signal
    /// on (SIGKILL, a crash, the out-of-memory killer), the kernel sends the run SIGTERM
    /// (PR_SET_PDEATHSIG), and the run writes its checkpoint and exits 75 as if it had been
    /// asked to, instead of running on as an orphan beside the campaign that is started again.
    /// A launcher that died before this call is seen by the run's parent no longer being it.
    /// The launcher starts its runs from the thread that lives as long as it does (the signal
    /// follows the thread that forked).
    static func stopWithLauncher() {
        guard let text = getenv(launcherVariable), let launcher = Int32(String(cString: text)), launcher > 1 else { return }
        _ = s2ac_set_parent_death_signal(SIGTERM)
        if getppid() != launcher { stopSignalReceived = SIGTERM }
    }

    /// The last SIGINT or SIGTERM received since `install`, if any.
    public static var received: Int32? { stopSignalReceived == 0 ? nil : stopSignalReceived }
}

/// Written by the signal handlers, so a plain C integer (0: none).
nonisolated(unsafe) private var stopSignalReceived: Int32 = 0

/// A run that stopped on SIGTERM or SIGINT after writing its checkpoint: rerun with `--resume`
/// to continue it bit for bit (the executables exit with `SuiteExit.stoppedWithCheckpoint`).
public struct RunStoppedWithCheckpoint: Error {
    public let signal: Int32
    public let step: Int
    public let checkpointPath: String

    public init(signal: Int32, step: Int, checkpointPath: String) {
        self.signal = signal; self.step = step; self.checkpointPath = checkpointPath
    }
}
