import Foundation

/// A campaign seen from its files alone (no scheduler is asked): which runs are complete,
/// which have a checkpoint (running, or stopped), which are missing; and, for the report step,
/// whether the complete runs fit together and where the missing ones were last submitted.
public struct CampaignStatus<Spec: CampaignRunSpec> {
    public let campaign: Campaign<Spec>
    /// Where the campaign's Slurm submissions are (`SlurmLauncher.submissionsFolder`).
    public let submissionsFolder: String

    public init(campaign: Campaign<Spec>, submissionsFolder: String) {
        self.campaign = campaign; self.submissionsFolder = submissionsFolder
    }

    /// One run's state as `--status` shows it.
    public enum RunState: Equatable {
        case complete
        /// No complete file, but a checkpoint at this environment step: running, or stopped and
        /// waiting to be resumed.
        case checkpoint(step: Int)
        case missing
        /// A file that is no complete result of this run (another configuration, corrupt, parts missing).
        case unusable(String)

        public var label: String {
            switch self {
            case .complete: return "complete"
            case .checkpoint(let step): return "running (checkpoint at step \(step))"
            case .missing: return "missing"
            case .unusable(let why): return "unusable: \(why)"
            }
        }
    }

    public func state(of spec: Spec) -> RunState {
        switch campaign.state(of: spec) {
        case .complete: return .complete
        case .otherConfiguration(let d): return .unusable("another configuration (\(d.prefix(3).joined(separator: "; ")))")
        case .unusable(let why): return .unusable(why)
        case .missing:
            let checkpoint = runCheckpointPath(campaign.path(of: spec))
            guard isRegularFile(checkpoint) else { return .missing }
            return checkpointStep(checkpoint).map { .checkpoint(step: $0) } ?? .unusable("unreadable checkpoint \(checkpoint)")
        }
    }

    /// One line per run (`run id: state`, files and ids as given), then the counts.
    public func statusLines() -> [String] {
        var counts: [String: Int] = [:]
        var lines: [String] = []
        for spec in campaign.specs {
            let s = state(of: spec)
            let key: String
            switch s {
            case .complete: key = "complete"
            case .checkpoint: key = "running"
            case .missing: key = "missing"
            case .unusable: key = "unusable"
            }
            counts[key, default: 0] += 1
            lines.append("\(spec.runID): \(s.label)  [\(spec.fileName)]")
        }
        let summary = ["complete", "running", "missing", "unusable"].compactMap { k in counts[k].map { "\($0) \(k)" } }
        return lines + ["\(campaign.specs.count) runs: " + summary.joined(separator: ", ")]
    }

    /// Where a run was last submitted: the submission folder, its task id, the array's job id
    /// (once sbatch gave one) and the task's log file.
    public struct Submitted: Equatable {
        public var submission: String
        public var task: Int
        public var arrayJobID: String?
        public var log: String? { arrayJobID.map { "\(submission)/logs/\($0)_\(task).log" } }
    }

    /// The last submission of every run id found in the manifests under `submissionsFolder`.
    public func lastSubmissions() -> [String: Submitted] {
        let numbers = ((try? FileManager.default.contentsOfDirectory(atPath: submissionsFolder)) ?? []).compactMap { Int($0) }.sorted()
        var out: [String: Submitted] = [:]
        for n in numbers {
            let folder = "\(submissionsFolder)/\(n)"
            guard let text = try? String(contentsOfFile: folder + "/manifest.tsv", encoding: .utf8) else { continue }
            let arrayID = (try? String(contentsOfFile: folder + "/array_job_id", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
            for line in text.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
                guard fields.count >= 2, let task = Int(fields[0]) else { continue }
                out[String(fields[1])] = Submitted(submission: folder, task: task, arrayJobID: arrayID)
            }
        }
        return out
    }

    /// The report step: every run that is not complete, with its last task id, log file and
    /// the log's last line; the commits the complete runs were made at (a run file holds the
    /// configuration it was made with, and `state` already refuses one of another
    /// configuration). `fits` is true when every run is complete and all come from one commit.
    public func report() -> (lines: [String], fits: Bool) {
        var lines: [String] = []
        var commits: [String: Int] = [:]
        var notComplete = 0
        let submitted = lastSubmissions()
        for spec in campaign.specs {
            let s = state(of: spec)
            if s == .complete {
                if let p = campaign.provenance(of: spec) { commits[p.gitCommit + (p.gitDirty ? " (with uncommitted changes)" : ""), default: 0] += 1 }
                continue
            }
            notComplete += 1
            var line = "\(spec.runID): \(s.label)"
            if let sub = submitted[spec.runID] {
                line += "; task \(sub.task) of " + (sub.arrayJobID.map { "array \($0)" } ?? "an unsubmitted array")
                    + " (\(sub.submission)/manifest.tsv)"
                if let log = sub.log {
                    line += FileManager.default.fileExists(atPath: log)
                        ? ", log \(log): \(lastLine(of: log).map { "\"\($0)\"" } ?? "empty")"
                        : ", no log yet (\(log))"
                }
            } else {
                line += "; never submitted"
            }
            lines.append(line)
        }
        let complete = campaign.specs.count - notComplete
        let commitText = commits.sorted { $0.value > $1.value }.map { "\($0.key) (\($0.value) run\($0.value == 1 ? "" : "s"))" }
        var head = "\(complete) of \(campaign.specs.count) runs complete in \(campaign.runsFolder), all of the campaign's configuration"
        if !commitText.isEmpty { head += "; made at \(commits.count == 1 ? "one commit" : "\(commits.count) commits"): " + commitText.joined(separator: ", ") }
        if commits.count > 1 { lines.append("the complete runs come from \(commits.count) commits: rerun the odd ones, or report them separately") }
        return ([head] + lines, notComplete == 0 && commits.count <= 1)
    }
}

/// The environment step a training checkpoint was written at, nil when it is unreadable.
public func checkpointStep(_ path: String) -> Int? {
    guard let file = try? HDF5File.open(at: path) else { return nil }
    defer { file.close() }
    return (try? file.root.attribute("step"))??.intValue
}

/// The last non-empty line of a text file (a task's log), nil when there is none.
func lastLine(of path: String) -> String? {
    guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
    let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
    return text.split(whereSeparator: \.isNewline).last.map { String($0).trimmingCharacters(in: .whitespaces) }
}
