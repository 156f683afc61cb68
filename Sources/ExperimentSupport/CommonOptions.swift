import ArgumentParser
import Foundation

// The options several programs share, declared once (`@OptionGroup`): one spelling, one help
// text and one validation rule each. Numbers parse unconditionally, so `--seed -1` is read as
// the value -1 and refused by the range ("--seed must be >= 0, got -1") instead of being taken
// for a flag. Where programs legitimately differ (how many threads by default, where the
// output goes), the value is optional and the program supplies its default, which its help
// states.

/// `--seed`: the seed of the program's random streams.
public struct SeedOption: ParsableArguments {
    @Option(parsing: .unconditional, help: "Seed of the random streams (default 0; 0 ... 2^63 - 1, for train, entropy-eval and kernel-sweep 0 ... 2^31 - 1).")
    public var seed: Int = 0

    public init() {}

    public func validate() throws {
        try requireRange(seed, 0...Int.max, flag: "seed")
    }
}

/// `--threads`: worker threads of one process. Results never depend on the count. The program
/// gives its default to `count(default:)` and states it in its help.
public struct ThreadsOption: ParsableArguments {
    @Option(parsing: .unconditional,
            help: "Worker threads, 1 ... 256; results are bit-identical for any count (default: 1 for train and bench-engine, all cores for entropy-eval, kernel-sweep and rliable-stats).")
    public var threads: Int?

    public init() {}

    public func validate() throws {
        if let threads { try requireRange(threads, 1...256, flag: "threads") }
    }

    /// The count asked for, or the program's `default`.
    public func count(default value: Int) -> Int { threads ?? value }

    /// Every core of this machine: the default of the programs whose work splits into many
    /// independent runs.
    public static var allCores: Int { ProcessInfo.processInfo.activeProcessorCount }
}

/// `--force`: replace what an earlier run wrote.
public struct ForceOption: ParsableArguments {
    @Flag(help: "Replace an existing output (a result is never replaced without it).")
    public var force = false

    public init() {}
}

/// `--quiet`: no progress lines on standard error (errors and warnings still go there).
public struct QuietOption: ParsableArguments {
    @Flag(help: "No progress lines on standard error.")
    public var quiet = false

    public init() {}
}
