import Foundation

/// One run of a campaign as the campaign engine sees it: the file it writes, the configuration
/// a complete file of it holds, and its cost relative to the other runs. A figure's grid (the
/// multigoal alphas, the MuJoCo environments) is a list of these; the engine decides which are
/// complete and a launcher runs the rest.
public protocol CampaignRunSpec: Sendable {
    /// Unique within the campaign; a launcher names the run to its worker by it.
    var runID: String { get }
    /// The run file's name inside the campaign's runs folder.
    var fileName: String { get }
    /// The result kind (`/run/kind`) of a complete run file.
    var resultKind: String { get }
    /// The `/run/config_json` a complete run file of this spec holds.
    func configJSON() throws -> String
    /// Cost relative to the other runs of the campaign (CPU seconds, or any unit): the
    /// longest runs start first, and the time left is estimated from it.
    var relativeCost: Double { get }
    /// Whether a file with this spec's configuration holds every part of the result.
    func hasAllParts(_ file: HDF5File) -> Bool
}

extension CampaignRunSpec {
    /// The checkpoint beside the run file (`runCheckpointPath`), as `train` and
    /// `multigoal-modes --run-one` write it with `--checkpoint-every`.
    public var checkpointName: String { runCheckpointPath(fileName) }

    /// What the run's checkpoint (if any) lets a launch do: nil = no checkpoint; true = it
    /// holds this configuration (resume it); false = another configuration's.
    public func checkpointMatches(in runsFolder: String) -> Bool? {
        let path = runsFolder + "/" + checkpointName
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard isRegularFile(path), let file = try? HDF5File.open(at: path) else { return false }
        defer { file.close() }
        guard let saved = try? file.root.attribute("config_json")?.stringValue, let mine = try? configJSON() else { return false }
        return saved == mine
    }
}

/// What a campaign finds at a run's file.
public enum CampaignRunState: Equatable, Sendable {
    case missing
    case complete
    /// A complete result of the same kind made with another configuration: never replaced
    /// without `force`. `differences` lists the configuration entries that differ.
    case otherConfiguration(differences: [String])
    /// A file that is no complete result of this kind (corrupt, foreign, or parts missing).
    case unusable(reason: String)
}

/// A grid of runs, each with its own file in `runsFolder`.
public struct Campaign<Spec: CampaignRunSpec> {
    public let specs: [Spec]
    public let runsFolder: String

    /// Refuses a grid in which two runs would write one file (the same value given twice, as
    /// `--alphas 1,1.0`) or share an id.
    public init(specs: [Spec], runsFolder: String) throws {
        var files: [String: String] = [:], ids = Set<String>()
        for s in specs {
            if let other = files[s.fileName] {
                throw InputError("runs \(other) and \(s.runID) would both write \(s.fileName): give each value once")
            }
            guard ids.insert(s.runID).inserted else { throw InputError("the run \(s.runID) is listed twice") }
            files[s.fileName] = s.runID
        }
        self.specs = specs
        self.runsFolder = runsFolder
    }

    public func path(of spec: Spec) -> String { runsFolder + "/" + spec.fileName }

    /// The state of one run's file. Only regular files are opened.
    public func state(of spec: Spec) -> CampaignRunState {
        let path = path(of: spec)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        guard !isDirectory.boolValue, isRegularFile(path) else { return .unusable(reason: "not a regular file") }
        guard let file = try? HDF5File.open(at: path) else { return .unusable(reason: "not a readable HDF5 file") }
        defer { file.close() }
        guard let p = try? Provenance.read(from: file) else { return .unusable(reason: "not a result file of this suite") }
        guard p.kind == spec.resultKind else { return .unusable(reason: "a '\(p.kind)' result, not '\(spec.resultKind)'") }
        guard let expected = try? spec.configJSON() else { return .unusable(reason: "the run's configuration cannot be encoded") }
        guard p.configJSON == expected else {
            return .otherConfiguration(differences: configurationDifferences(p.configJSON, expected))
        }
        return spec.hasAllParts(file) ? .complete : .unusable(reason: "parts of the result are missing")
    }

    /// The provenance of a run's file, nil when there is no readable result file.
    public func provenance(of spec: Spec) -> Provenance? {
        let path = path(of: spec)
        guard isRegularFile(path), let file = try? HDF5File.open(at: path) else { return nil }
        defer { file.close() }
        return try? Provenance.read(from: file)
    }

    /// What a launch would do.
    public struct Plan {
        /// Runs whose files are complete, kept.
        public var complete: [Spec] = []
        /// Runs to do, longest first (by `relativeCost`; ties in grid order).
        public var pending: [Spec] = []
        /// Runs whose file holds another configuration (replaced only with `force`).
        public var otherConfiguration: [(spec: Spec, differences: [String])] = []
        /// Runs whose file exists but is unusable; they are redone and their file replaced.
        public var unusable: [(spec: Spec, reason: String)] = []
    }

    /// Sorts every run into complete / to do. Without `force`, a complete run file of another
    /// configuration stops the campaign with an `InputError` that names the runs and the first
    /// differences; with `force` every run is redone.
    public func plan(force: Bool) throws -> Plan {
        var plan = Plan()
        var todo: [Spec] = []
        for spec in specs {
            switch state(of: spec) {
            case .complete: if force { todo.append(spec) } else { plan.complete.append(spec) }
            case .missing: todo.append(spec)
            case .otherConfiguration(let d): plan.otherConfiguration.append((spec, d)); todo.append(spec)
            case .unusable(let reason): plan.unusable.append((spec, reason)); todo.append(spec)
            }
        }
        if !force, let first = plan.otherConfiguration.first {
            let count = plan.otherConfiguration.count
            throw InputError("\(count) complete run file\(count == 1 ? "" : "s") in \(runsFolder) hold\(count == 1 ? "s" : "") "
                             + "another configuration (\(first.spec.fileName): \(first.differences.prefix(3).joined(separator: "; "))"
                             + "\(count > 1 ? "; and \(count - 1) more" : "")); pass --force to replace them, or choose another output folder")
        }
        plan.pending = Self.longestFirst(todo)
        return plan
    }

    /// The checkpoints beside the `pending` runs, each opened once, and what the launch does
    /// with them: without `force`, the runs whose checkpoint holds their configuration continue
    /// from it (their ids are returned), and a checkpoint of another configuration stops the
    /// launch with an `InputError` (the run would refuse to resume it); with `force`, every
    /// pending run's checkpoint is removed (unless `dryRun`) and `removed` is told of each, so
    /// the runs start again.
    public func resumableRuns(_ pending: [Spec], force: Bool, dryRun: Bool = false,
                              removed: (Spec) -> Void = { _ in }) throws -> Set<String> {
        let found = pending.compactMap { spec in spec.checkpointMatches(in: runsFolder).map { (spec, $0) } }
        if force {
            for (spec, _) in found where !dryRun {
                unlink(runsFolder + "/" + spec.checkpointName)
                removed(spec)
            }
            return []
        }
        let foreign = found.filter { !$0.1 }
        if let first = foreign.first {
            throw InputError("\(runsFolder)/\(first.0.checkpointName) is a checkpoint of another configuration"
                             + (foreign.count > 1 ? " (and \(foreign.count - 1) more)" : "")
                             + "; pass --force to start those runs again, or choose another output folder")
        }
        return Set(found.map { $0.0.runID })
    }

    /// `specs` longest first by `relativeCost`; ties keep their order. Results never depend on it.
    public static func longestFirst(_ specs: [Spec]) -> [Spec] {
        specs.enumerated().sorted { x, y in
            let cx = x.element.relativeCost, cy = y.element.relativeCost
            return cx != cy ? cx > cy : x.offset < y.offset
        }.map(\.element)
    }
}

/// Whether `path` is a regular file (not a FIFO, socket or device, which would block a reader).
public func isRegularFile(_ path: String) -> Bool {
    guard let type = try? FileManager.default.attributesOfItem(atPath: path)[.type] as? FileAttributeType else { return false }
    return type == .typeRegular
}

/// The entries of two JSON texts that differ, as "path: stored -> expected", by flattening
/// both into dotted paths; unparseable text is reported as a whole.
public func configurationDifferences(_ stored: String, _ expected: String) -> [String] {
    guard let a = flattenedConfiguration(stored), let b = flattenedConfiguration(expected) else {
        return ["the configuration text differs"]
    }
    return Set(a.keys).union(b.keys).sorted().compactMap { k in
        a[k] == b[k] ? nil : "\(k): \(a[k] ?? "absent") -> \(b[k] ?? "absent")"
    }
}

/// A configuration's JSON as dotted paths to values (`schedule.totalSteps` -> "2000"); arrays of
/// scalars are one value, arrays of objects are entered element by element (`a[0].b`). Nil
/// when the text is not JSON.
public func flattenedConfiguration(_ text: String) -> [String: String]? {
    guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) else { return nil }
    var out: [String: String] = [:]
    func walk(_ value: Any, _ path: String) {
        if let d = value as? [String: Any] {
            for (k, v) in d { walk(v, path.isEmpty ? k : path + "." + k) }
        } else if let a = value as? [Any] {
            if a.allSatisfy({ !($0 is [String: Any]) && !($0 is [Any]) }) {
                out[path] = "[" + a.map { "\($0)" }.joined(separator: ",") + "]"
            } else {
                for (i, v) in a.enumerated() { walk(v, "\(path)[\(i)]") }
            }
        } else {
            out[path] = "\(value)"
        }
    }
    walk(object, "")
    return out
}
