import Foundation

/// One run as a cluster task runs it: what the manifest says of it and the command that makes
/// its run file. A campaign maps each pending spec to one of these.
public struct ClusterRun: Sendable {
    public var runID: String
    public var agent: String
    public var env: String
    public var seed: Int
    public var preset: String
    /// The run file, an absolute path.
    public var output: String
    /// The command that makes `output`, executable first, paths absolute. The task appends
    /// `--threads N` (from `SLURM_CPUS_PER_TASK`) and, when `runCheckpointPath(output)` exists,
    /// `--resume`; the command writes that checkpoint and exits with 75 when stopped by SIGTERM
    /// (as `train` and `multigoal-modes --run-one` do with `--checkpoint-every`).
    public var arguments: [String]

    public init(runID: String, agent: String, env: String, seed: Int, preset: String, output: String, arguments: [String]) {
        self.runID = runID; self.agent = agent; self.env = env; self.seed = seed; self.preset = preset
        self.output = output; self.arguments = arguments
    }
}

/// How the array is submitted: `sbatch` options of the campaign commands (`--partition` ...)
/// and the make variables behind them (README, "Running on a cluster").
public struct SlurmOptions: Sendable {
    public var partition: String?
    public var account: String?
    /// `--time` of each task (Slurm's forms: `MM`, `HH:MM:SS`, `D-HH`, ...).
    public var time: String?
    public var cpusPerTask = 1
    /// `--mem` of each task (`4G`, `500M`).
    public var memory: String?
    /// At most this many tasks run at once (`--array=0-(N-1)%MAX`).
    public var maxConcurrent = 32
    /// Seconds before the time limit at which the task's batch shell gets SIGTERM
    /// (`--signal=B:TERM@margin`): time enough to finish the current step and write a checkpoint.
    public var signalMargin = 300
    /// Further `sbatch` flags, given to both the array and the report job.
    public var extraFlags: [String] = []
    /// Each run writes a checkpoint every this many environment steps.
    public var checkpointEvery = 1000
    /// Submit the report step as a job that starts when the array has ended.
    public var reportJob = true

    public init() {}
}

/// What one submission wrote: a folder `<campaign>/slurm/<n>/` with the manifest, the batch
/// script and, after `sbatch`, the job ids; the tasks' logs go to its `logs/`.
public struct SlurmSubmission {
    public var folder: String
    public var manifest: String
    public var script: String
    public var taskCount: Int
    public var arrayJobID: String?
    public var reportJobID: String?
}

/// Submits a campaign's pending runs as ONE Slurm job array: task i runs line i of the
/// manifest, exactly one run, and requeues itself when the run stopped with a checkpoint
/// (time limit or preemption), so the requeued task resumes it. A second job, after the array
/// (`--dependency=afterany`), runs the campaign's report step.
public struct SlurmLauncher {
    /// The campaign command's name (job names, messages).
    public let name: String
    /// The campaign's folder (absolute): submissions go to `<folder>/slurm/<n>/`.
    public let folder: String
    public let options: SlurmOptions

    public init(name: String, folder: String, options: SlurmOptions) throws {
        guard folder.hasPrefix("/") else { throw InputError("the campaign folder must be an absolute path, got '\(folder)'") }
        // sbatch reads `#SBATCH --output=PATH` up to the first blank.
        guard !folder.contains(where: { $0.isWhitespace || $0 == "'" || $0 == "\"" }) else {
            throw InputError("the campaign folder '\(folder)' holds blanks or quotes, which #SBATCH lines cannot carry: choose another --out")
        }
        guard options.maxConcurrent >= 1 else { throw InputError("the most tasks at once must be at least 1, got \(options.maxConcurrent)") }
        guard options.cpusPerTask >= 1 else { throw InputError("CPUs per task must be at least 1, got \(options.cpusPerTask)") }
        guard (1...65535).contains(options.signalMargin) else {
            throw InputError("the signal margin must be 1 to 65535 seconds, got \(options.signalMargin)")
        }
        guard options.checkpointEvery >= 1 else { throw InputError("--checkpoint-every must be at least 1 on a cluster, got \(options.checkpointEvery)") }
        // A task signalled before it starts would stop, requeue and stop again for ever.
        if let time = options.time, let limit = try Self.timeLimitSeconds(time), limit <= options.signalMargin {
            throw InputError("the time limit \(time) (\(limit) s) is not longer than the signal margin (\(options.signalMargin) s): "
                             + "its tasks would stop at once and requeue for ever; raise --time or lower --signal-margin")
        }
        self.name = name; self.folder = folder; self.options = options
    }

    /// The seconds of a Slurm time limit (`M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`); nil
    /// for `infinite` / `unlimited`.
    public static func timeLimitSeconds(_ text: String) throws -> Int? {
        if ["infinite", "unlimited"].contains(text.lowercased()) { return nil }
        let bad = InputError("--time must be a Slurm time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS), got '\(text)'")
        let dayParts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard dayParts.count <= 2 else { throw bad }
        let days = dayParts.count == 2 ? Int(dayParts[0]) : 0
        let parts = dayParts.last!.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard let days, days >= 0, (1...3).contains(parts.count), parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { throw bad }
        let p = parts.map { $0! }
        // With days the first field is hours; without, minutes unless there are three fields.
        let units = dayParts.count == 2 ? [3600, 60, 1] : (p.count == 3 ? [3600, 60, 1] : [60, 1])
        return days * 86400 + zip(p, units).reduce(0) { $0 + $1.0 * $1.1 }
    }

    /// The submissions folder of a campaign folder.
    public static func submissionsFolder(of campaignFolder: String) -> String { campaignFolder + "/slurm" }

    /// The manifest: a header, then one tab-separated line per task (task id, run id, agent,
    /// environment, seed, preset, run file, checkpoint, the command as a shell would read it).
    public static func manifest(_ runs: [ClusterRun]) throws -> String {
        var lines = ["task\trun_id\tagent\tenv\tseed\tpreset\toutput\tcheckpoint\tcommand"]
        for (task, r) in runs.enumerated() {
            let fields = ["\(task)", r.runID, r.agent, r.env, "\(r.seed)", r.preset, r.output, runCheckpointPath(r.output),
                          r.arguments.map(shellQuoted).joined(separator: " ")]
            guard !fields.contains(where: { $0.contains("\t") || $0.contains("\n") }) else {
                throw InputError("run \(r.runID): a manifest field holds a tab or a line break")
            }
            lines.append(fields.joined(separator: "\t"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The batch script of an array of `taskCount` tasks over the manifest at `manifestPath`,
    /// logs to `logs`.
    public func batchScript(taskCount: Int, manifestPath: String, logs: String, workingFolder: String) -> String {
        var directives = [
            "--job-name=\(name)",
            "--array=0-\(taskCount - 1)%\(options.maxConcurrent)",
            "--requeue",
            "--signal=B:TERM@\(options.signalMargin)",
            "--cpus-per-task=\(options.cpusPerTask)",
            "--ntasks=1",
            "--output=\(logs)/%A_%a.log",
            "--open-mode=append",
            "--chdir=\(workingFolder)",
        ]
        directives += sharedDirectives
        return #"""
        #!/bin/bash
        # A job array written by \#(name): task i runs line i + 2 of the manifest, one run each.
        \#(directives.map { "#SBATCH " + $0 }.joined(separator: "\n"))
        set -u
        manifest=\#(shellQuoted(manifestPath))
        now() { date -u +%Y-%m-%dT%H:%M:%SZ; }
        IFS=$'\t' read -r task run_id agent env seed preset output checkpoint command \
            < <(awk -v row=$((SLURM_ARRAY_TASK_ID + 2)) 'NR == row' "$manifest")
        if [ "${task:-}" != "$SLURM_ARRAY_TASK_ID" ]; then
            echo "[$(now)] task $SLURM_ARRAY_TASK_ID: no such line in $manifest"; exit 2
        fi
        threads=${SLURM_CPUS_PER_TASK:-1}
        eval "set -- $command"
        if [ -s "$checkpoint" ]; then set -- "$@" --resume; how="resuming from $checkpoint"; else how="from the start"; fi
        set -- "$@" --threads "$threads"
        task_job=${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}
        echo "[$(now)] task $task_job (job $SLURM_JOB_ID, restart ${SLURM_RESTART_COUNT:-0}) on $(hostname): run $run_id ($agent, $env, seed $seed, preset $preset), $how, $threads thread(s)"
        echo "[$(now)] command: $*"
        # Slurm sends SIGTERM to this shell only (B:), some minutes before the time limit or on
        # preemption: passed on, the run writes its checkpoint and exits with 75.
        trap 'echo "[$(now)] SIGTERM: passed on to the run"; kill -TERM "$child" 2>/dev/null' TERM
        "$@" &
        child=$!
        while :; do
            wait "$child"; status=$?
            kill -0 "$child" 2>/dev/null || break
        done
        case $status in
            0) echo "[$(now)] run $run_id complete: $output"; exit 0 ;;
            75) echo "[$(now)] run $run_id stopped with its checkpoint: requeueing task $task_job"
                scontrol requeue "$task_job" || echo "[$(now)] scontrol requeue $task_job failed: resubmit the campaign to resume"
                exit 75 ;;
            *) echo "[$(now)] run $run_id failed with exit $status"; exit "$status" ;;
        esac

        """#
    }

    /// `--partition`, `--account`, `--time`, `--mem`, as given.
    var sharedDirectives: [String] {
        [options.partition.map { "--partition=\($0)" }, options.account.map { "--account=\($0)" },
         options.time.map { "--time=\($0)" }, options.memory.map { "--mem=\($0)" }].compactMap { $0 }
    }

    /// Writes the submission's manifest and script, then submits the array and, when
    /// `reportCommand` is given and `options.reportJob`, the report job after it. With
    /// `dryRun` nothing is written or submitted: the result holds the texts, under the folder
    /// the next submission would take.
    public func submit(_ runs: [ClusterRun], reportCommand: [String]?, dryRun: Bool) throws -> SlurmSubmission {
        guard !runs.isEmpty else { throw InputError("no runs to submit") }
        let manifest = try Self.manifest(runs)
        let base = Self.submissionsFolder(of: folder)
        let submissionFolder = dryRun ? base + "/\(nextSubmissionNumber(in: base))" : try makeSubmissionFolder(in: base)
        let manifestPath = submissionFolder + "/manifest.tsv", logs = submissionFolder + "/logs"
        let script = batchScript(taskCount: runs.count, manifestPath: manifestPath, logs: logs,
                                 workingFolder: FileManager.default.currentDirectoryPath)
        var submission = SlurmSubmission(folder: submissionFolder, manifest: manifest, script: script, taskCount: runs.count)
        if dryRun { return submission }

        try createFolder(logs)
        try writeFileAtomically(Data(manifest.utf8), to: manifestPath)
        let scriptPath = submissionFolder + "/job.sh"
        try writeFileAtomically(Data(script.utf8), to: scriptPath)
        let sbatch = try Self.sbatchPath()
        let array = try Self.sbatch(sbatch, ["--parsable"] + options.extraFlags + [scriptPath])
        submission.arrayJobID = array
        try writeFileAtomically(Data((array + "\n").utf8), to: submissionFolder + "/array_job_id")
        if options.reportJob, let reportCommand {
            var flags = ["--parsable", "--job-name=\(name)-report", "--dependency=afterany:\(array)", "--ntasks=1",
                         "--output=\(logs)/report_%j.log", "--chdir=\(FileManager.default.currentDirectoryPath)"]
            flags += sharedDirectives + options.extraFlags
            let report = try Self.sbatch(sbatch, flags + ["--wrap", reportCommand.map(shellQuoted).joined(separator: " ")])
            submission.reportJobID = report
            try writeFileAtomically(Data((report + "\n").utf8), to: submissionFolder + "/report_job_id")
        }
        return submission
    }

    /// `sbatch` on the PATH, or an `InputError` saying it is missing.
    public static func sbatchPath() throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/sbatch"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw InputError("sbatch is not on the PATH: run this on a Slurm login node (or start scripts/slurm/local-cluster.sh here)")
    }

    /// Runs sbatch with `arguments` and returns the job id it prints (`--parsable`: `id` or `id;cluster`).
    static func sbatch(_ sbatch: String, _ arguments: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: sbatch)
        p.arguments = arguments
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let said = String(decoding: e, as: UTF8.self).split(separator: "\n").map(String.init)
        guard p.terminationStatus == 0 else {
            throw InputError("sbatch refused the job: \(said.last ?? "exit \(p.terminationStatus)")")
        }
        let id = String(decoding: o, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            .split(separator: ";").first.map(String.init) ?? ""
        guard !id.isEmpty, id.allSatisfy(\.isNumber) else { throw InputError("sbatch printed no job id (\(said.last ?? "nothing"))") }
        return id
    }

    /// One more than the highest numbered submission folder in `base` (1 for the first).
    func nextSubmissionNumber(in base: String) -> Int {
        let taken = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap { Int($0) }
        return (taken.max() ?? 0) + 1
    }

    /// Creates the next submission folder; `mkdir` fails on a folder another submission took
    /// meanwhile, so two submissions never share one.
    func makeSubmissionFolder(in base: String) throws -> String {
        try createFolder(base)
        for _ in 0..<100 {
            let path = base + "/\(nextSubmissionNumber(in: base))"
            if mkdir(path, 0o755) == 0 { return path }
            guard errno == EEXIST else { throw InputError("cannot create \(path): \(String(cString: strerror(errno)))") }
        }
        throw InputError("cannot create a submission folder in \(base)")
    }
}

/// The checkpoint beside a run file: `run.h5` -> `run.ckpt.h5` (as `train` and the campaigns write it).
public func runCheckpointPath(_ runFile: String) -> String {
    (runFile.hasSuffix(".h5") ? String(runFile.dropLast(3)) : runFile) + ".ckpt.h5"
}

/// `s` as one word for a POSIX shell: unchanged when it holds only safe characters, else in
/// single quotes.
public func shellQuoted(_ s: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_./:=,+@%-")
    if !s.isEmpty && s.unicodeScalars.allSatisfy(safe.contains) { return s }
    return "'" + s.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
