import Foundation
import S2ACCore
import Testing

/// Bad command lines and outputs that cannot be written: one line on standard error, in words,
/// exit 2, and before any computation.
@Suite struct CommandLineFaultTests {
    /// Exit 2 with exactly one line, `<tool>: error: ...`, that contains `text`.
    private func expectRefused(_ tool: String, _ arguments: [String], saying text: String,
                               within seconds: Double = 60) throws {
        let start = Date()
        let r = try runSuiteTool(tool, arguments, timeout: seconds)
        let lines = r.err.split(separator: "\n")
        #expect(r.code == 2, "\(tool) \(arguments): exit \(r.code): \(r.err.suffix(400))")
        #expect(lines.count == 1 && r.err.hasPrefix("\(tool): error: "), "\(tool) \(arguments): \(r.err.suffix(400))")
        #expect(r.err.contains(text), "\(tool) \(arguments): \(r.err)")
        #expect(!r.err.contains("Error Domain") && !r.err.contains("NSCocoaErrorDomain"), "\(r.err)")
        // "At once": well before the computation the command line asks for would end.
        #expect(Date().timeIntervalSince(start) < seconds / 2, "\(tool) \(arguments) took \(Date().timeIntervalSince(start)) s")
    }

    /// /proc takes no new files or folders: every output there is refused before the work
    /// starts (entropy-eval's full Fig 4a would run for minutes), in words, not as a Foundation
    /// error dump.
    @Test func outputsThatCannotBeWrittenAreRefusedAtOnce() throws {
        let results = makeTemporaryFolder("cannot-write")
        defer { try? FileManager.default.removeItem(atPath: results) }
        try expectRefused("entropy-eval", ["--experiment", "fig4a", "--threads", "1", "--out", "/proc/x"], saying: "/proc/x")
        try expectRefused("report", ["--results", results, "--tables", "/proc/x", "--no-page"], saying: "cannot write in /proc/x")
        try expectRefused("bench-engine", ["--output", "/proc/x.csv", "--repetitions", "1000"], saying: "cannot write in /proc")
        try expectRefused("bench-agents", ["--output", "/proc/x/a.csv"], saying: "/proc/x")
        try expectRefused("train", ["--agent", "sac", "--env", "Multigoal", "--steps", "1000000", "--out", "/proc/x/run.h5"],
                          saying: "cannot write in /proc/x")
        // Its input is read first (bad input writes nothing), but the output is checked before
        // the bootstrap (10^8 replicates here).
        let scores = results + "/scores.csv"
        try RliableCommandTests.scores.write(toFile: scores, atomically: true, encoding: .utf8)
        try expectRefused("rliable-stats", ["--scores", scores, "--reps", "100000000", "--out", "/proc/x"], saying: "cannot write in /proc/x")
        try expectRefused("env-replay", ["--env", "Hopper-v4", "--input", "/dev/null", "--output", "/proc/x/o.h5"], saying: "/proc/x")
    }

    /// A negative number after an option that takes a number is that option's value, refused
    /// by validation ("must be >= 0"), not a missing value followed by an unknown flag.
    @Test func negativeNumbersAreValuesThatValidationRefuses() throws {
        let folder = makeTemporaryFolder("negative")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try expectRefused("train", ["--agent", "sac", "--env", "Multigoal", "--seed", "-1", "--out", folder + "/r.h5"],
                          saying: "--seed must be >= 0, got -1")
        try expectRefused("train", ["--agent", "sac", "--env", "Multigoal", "--steps", "-5", "--out", folder + "/r.h5"],
                          saying: "--steps must be >= 1, got -5")
        try expectRefused("train", ["--agent", "sac", "--env", "Multigoal", "--alpha", "-0.5", "--out", folder + "/r.h5"],
                          saying: "--alpha must be >= ")
        try expectRefused("entropy-eval", ["--seed", "-1", "--out", folder], saying: "--seed must be >= 0, got -1")
        try expectRefused("rliable-stats", ["--scores", "/dev/null", "--seed", "-3", "--out", folder], saying: "--seed must be >= 0, got -3")
        try expectRefused("multigoal-modes", ["--preset", "smoke", "--seeds", "-2", "--out", folder], saying: "must be >= ")
        try expectRefused("bench-engine", ["--threads", "-4", "--output", folder + "/e.csv"], saying: "--threads must be >= 1, got -4")
        try expectRefused("multigoal-modes", ["--preset", "smoke", "--launcher", "slurm", "--cpus-per-task", "-1", "--out", folder],
                          saying: "--cpus-per-task must be >= 1, got -1")
    }

    /// --seed, --threads, --force and --quiet are declared once (ExperimentSupport's option
    /// groups): every program that has one reads and checks it by the same rule, and its help
    /// states the default.
    @Test func sharedOptionsHaveOneRule() throws {
        let folder = makeTemporaryFolder("shared-options")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let programs: [(String, [String])] = [
            ("train", ["--agent", "sac", "--env", "Multigoal", "--out", folder + "/r.h5"]),
            ("entropy-eval", ["--out", folder]), ("kernel-sweep", ["--out", folder]),
            ("rliable-stats", ["--scores", folder + "/s.csv", "--out", folder]), ("table1", ["--out", folder + "/t.h5"]),
        ]
        for (tool, arguments) in programs {
            try expectRefused(tool, arguments + ["--seed", "-1"], saying: "--seed must be >= 0, got -1")
            let help = try runSuiteTool(tool, ["--help"]).out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(help.contains("--seed <seed>") && help.contains("default 0"), "\(tool): \(help)")
            #expect(help.contains("--force"), "\(tool)")
        }
        for (tool, arguments) in programs.filter({ $0.0 != "table1" }) + [("bench-engine", ["--output", folder + "/e.csv"])] {
            try expectRefused(tool, arguments + ["--threads", "0"], saying: "--threads must be >= 1, got 0")
            try expectRefused(tool, arguments + ["--threads", "257"], saying: "--threads must be <= 256, got 257")
            let help = try runSuiteTool(tool, ["--help"]).out.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(help.contains("default: 1 for train and bench-engine, all cores for entropy-eval"), "\(tool): \(help)")
        }
    }

    /// Values inside the accepted ranges that cannot fit in memory are refused before the
    /// first allocation (before: "failed to allocate" and a trace, minutes into the set-up).
    @Test func configurationsThatCannotFitInMemoryAreRefused() throws {
        let folder = makeTemporaryFolder("memory")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // One 65536 x 65536 float32 matrix is 16 GiB, with its gradient and Adam's moments 64.
        try expectRefused("train", ["--agent", "sac", "--env", "Hopper-v4", "--critic-hidden", "65536,65536", "--out", folder + "/r.h5"],
                          saying: "GiB of memory")
        try expectRefused("train", ["--agent", "s2ac-phi-theta", "--env", "Multigoal", "--actor-hidden", "60000,60000",
                                    "--out", folder + "/r.h5"], saying: "needs at least")
        #expect(!FileManager.default.fileExists(atPath: folder + "/r.h5"))
        // The estimate: the paper's Humanoid run (a 1e6 replay buffer of 376-dimensional
        // observations, 3 GiB) is counted and fits; twice this machine's memory does not.
        let humanoid = try TrainRunConfig.resolve(agent: "sac", env: "Humanoid-v4", preset: "paper", seed: 0).minimumMemoryBytes()
        let physical = try #require(physicalMemoryBytes)
        #expect(humanoid > 3e9 && humanoid < physical, "\(humanoid) bytes")
        #expect(throws: InputError.self) { try requireMemory(2 * physical, for: "this", flagHint: "less") }
        try requireMemory(physical / 2, for: "this", flagHint: "less")
        // bench-engine: 18 KB a batch row; refused where its largest batch does not fit.
        let row = 18.0 * 256 * 4
        if 1_000_000 * row > physical {
            try expectRefused("bench-engine", ["--batches", "1000000", "--output", folder + "/e.csv"], saying: "GiB of memory")
        }
    }

    /// An unknown flag is named before any check of the environment (here: a venv that is not
    /// there); the venv check itself still refuses.
    @Test func anUnknownFlagIsNamedFirst() throws {
        try expectRefused("bench-envs", ["--bogus"], saying: "Unknown option '--bogus'")
        try expectRefused("bench-envs", ["--python", "/nonexistent/python", "--output", NSTemporaryDirectory() + "envs.csv"],
                          saying: "is not executable")
    }
}
