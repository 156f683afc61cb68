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
