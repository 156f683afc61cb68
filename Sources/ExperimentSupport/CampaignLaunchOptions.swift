import ArgumentParser
import Foundation
import S2ACCore

/// The options every campaign command shares (`multigoal-modes`, and the MuJoCo campaign to
/// come): where the runs go (this machine or one Slurm job array), the array's sbatch
/// settings, and the file-only views of a campaign (`--status`, `--report`). The make
/// variables of mk/slurm.mk map onto them (README, "Running on a cluster").
public struct CampaignLaunchOptions: ParsableArguments {
    @Option(help: "local (child processes on this machine) or slurm (one sbatch job array, one run per task).")
    public var launcher: String = "local"

    @Option(parsing: .unconditional, help: "Local: runs in parallel (child processes).")
    public var jobs: Int = 1

    @Option(help: "Slurm: partition of the tasks (default: the cluster's).")
    public var partition: String?

    @Option(help: "Slurm: account charged for the tasks.")
    public var account: String?

    @Option(help: "Slurm: time limit of each task (sbatch --time: MM, HH:MM:SS, D-HH, ...).")
    public var time: String?

    @Option(parsing: .unconditional, help: "Slurm: CPUs per task; each run uses them as engine threads (same bits for any count).")
    public var cpusPerTask: Int = 1

    @Option(help: "Slurm: memory per task (sbatch --mem: 4G, 500M).")
    public var mem: String?

    @Option(parsing: .unconditional, help: "Slurm: at most this many tasks at once (--array=0-(N-1)%MAX).")
    public var maxConcurrent: Int = 32

    @Option(parsing: .unconditional, help: "Slurm: seconds before the time limit at which a task gets SIGTERM, writes its checkpoint and requeues itself.")
    public var signalMargin: Int = 300

    @Option(help: "Slurm: further sbatch flags, blank-separated (e.g. '--qos=long --constraint=avx512').")
    public var sbatchFlags: String?

    @Option(parsing: .unconditional, help: "Checkpoint each run every this many steps (default 1000); a stopped run continues from its checkpoint when the campaign is run again.")
    public var checkpointEvery: Int?

    /// Steps between a campaign run's checkpoints when --checkpoint-every is not given.
    public static let defaultCheckpointEvery = 1000

    @Flag(help: "Slurm: no report job after the array.")
    public var noReportJob = false

    @Flag(help: "Slurm: print the batch script and the manifest; submit nothing.")
    public var dryRun = false

    @Flag(help: "Print each run's state from the files alone (complete / running with its checkpoint step / missing) and exit.")
    public var status = false

    @Flag(help: "The report step: check that the complete runs fit together (configuration, commit), list the others with their Slurm task ids and logs; exit 1 unless all are complete.")
    public var report = false

    public init() {}

    public func validate() throws {
        guard ["local", "slurm"].contains(launcher) else { throw ValidationError("--launcher must be local or slurm, got '\(launcher)'") }
        try requireRange(jobs, 1...64, flag: "jobs")
        try requireRange(cpusPerTask, 1...256, flag: "cpus-per-task")
        try requireRange(maxConcurrent, 1...1_000_000, flag: "max-concurrent")
        try requireRange(signalMargin, 1...65535, flag: "signal-margin")
        if let checkpointEvery { try requireRange(checkpointEvery, 1...100_000_000, flag: "checkpoint-every") }
        for (flag, value) in [("partition", partition), ("account", account), ("time", time), ("mem", mem)] {
            if let value, value.isEmpty || value.contains(where: \.isWhitespace) {
                throw ValidationError("--\(flag) must be one word, got '\(value)'")
            }
        }
        guard !(status && report) else { throw ValidationError("--status and --report: give one") }
    }

    public var slurm: SlurmOptions {
        var o = SlurmOptions()
        o.partition = partition; o.account = account; o.time = time; o.memory = mem
        o.cpusPerTask = cpusPerTask; o.maxConcurrent = maxConcurrent; o.signalMargin = signalMargin
        o.extraFlags = (sbatchFlags ?? "").split(whereSeparator: \.isWhitespace).map(String.init)
        o.checkpointEvery = checkpointEvery ?? Self.defaultCheckpointEvery
        o.reportJob = !noReportJob
        return o
    }

    /// `--status` or `--report` over `campaign`: prints and returns (the report exits 1 when
    /// runs are missing or do not fit together). False when neither was asked for.
    public func showStatusOrReport<Spec>(_ campaign: Campaign<Spec>, campaignFolder: String, name: String) throws -> Bool {
        let view = CampaignStatus(campaign: campaign, submissionsFolder: SlurmLauncher.submissionsFolder(of: campaignFolder))
        if status {
            view.statusLines().forEach { print("\(name): \($0)") }
            return true
        }
        guard report else { return false }
        let (lines, fits) = view.report()
        lines.forEach { print("\(name): \($0)") }
        if !fits { throw ExitCode(1) }
        return true
    }

    /// Submits `runs` as one array (or prints it with `--dry-run`) and says what was done.
    public func submitToSlurm(_ runs: [ClusterRun], campaignFolder: String, reportCommand: [String], name: String) throws {
        let launcher = try SlurmLauncher(name: name, folder: absolutePath(campaignFolder), options: slurm)
        let s = try launcher.submit(runs, reportCommand: reportCommand, dryRun: dryRun)
        if dryRun {
            print("# \(s.folder)/job.sh (not submitted: --dry-run)\n\(s.script)\n# \(s.folder)/manifest.tsv\n\(s.manifest)", terminator: "")
            return
        }
        print("\(name): submitted array job \(s.arrayJobID ?? "?"): \(s.taskCount) task(s), at most \(slurm.maxConcurrent) at a time; "
              + "manifest \(s.folder)/manifest.tsv, logs \(s.folder)/logs/\(s.arrayJobID ?? "?")_<task>.log"
              + (s.reportJobID.map { "; report job \($0) after it (log \(s.folder)/logs/report_\($0).log)" } ?? ""))
    }
}

/// `path` made absolute against the working folder.
public func absolutePath(_ path: String) -> String {
    URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
        .standardizedFileURL.path
}
