import ArgumentParser
import Foundation
import S2ACCore

/// Exit codes shared by every executable of the suite.
public enum SuiteExit {
    /// Bad input: a flag out of range, a corrupt or foreign file, a missing asset.
    public static let badInput: Int32 = 2
    /// Stopped by SIGTERM or SIGINT after writing a checkpoint: rerunning with `--resume`
    /// continues the run bit for bit (EX_TEMPFAIL; a cluster batch script requeues on it).
    public static let stoppedWithCheckpoint: Int32 = 75
    /// Training diverged (a loss or a test return not finite): no result was written.
    public static let diverged: Int32 = 3
}

extension ParsableCommand {
    /// Parses the command line and runs the command the suite's way: `--help` exits 0; a
    /// deliberate `ExitCode` keeps its code; any other error (a bad flag, a value out of range,
    /// an unreadable or foreign file) prints one line, `<name>: error: <message>`, to standard
    /// error and exits with code 2. Never a trap or a stack trace.
    public static func suiteMain(_ arguments: [String]? = nil) -> Never {
        do {
            var command = try parseAsRoot(arguments)
            try command.run()
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                // --help, --version and CleanExit print their text to standard output.
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            let name = configuration.commandName ?? String(describing: self)
            let message: String
            if let input = error as? InputError {
                message = input.message
            } else {
                message = fullMessage(for: error)
            }
            let line = message.split(separator: "\n", omittingEmptySubsequences: true)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("Usage:") && !$0.hasPrefix("See '") }
                .joined(separator: " ")
            let text = line.hasPrefix("Error: ") ? String(line.dropFirst(7)) : line
            FileHandle.standardError.write(Data("\(name): error: \(text)\n".utf8))
            Foundation.exit(SuiteExit.badInput)
        }
    }
}

/// Checks `value` lies in `range`, throwing a `ValidationError` that names the flag and the
/// bound it breaks ("--seed must be >= 0, got -1"); a value outside both (NaN) gets the range.
public func requireRange<T: Comparable>(_ value: T, _ range: ClosedRange<T>, flag: String) throws {
    guard !range.contains(value) else { return }
    let rule = value < range.lowerBound ? ">= \(range.lowerBound)"
        : value > range.upperBound ? "<= \(range.upperBound)" : "in \(range.lowerBound)...\(range.upperBound)"
    throw ValidationError("--\(flag) must be \(rule), got \(value)")
}
