import Foundation

/// Range checks of configuration fields, collected with the field's path (`s2ac.particles`),
/// so that whoever set the field (a preset, `--particles`, `--set`) can be named in the message.
public struct ConfigCheck {
    public private(set) var problems: [(path: String, message: String)] = []

    public init() {}

    public mutating func require(_ ok: Bool, _ path: String, _ message: @autoclosure () -> String) {
        if !ok { problems.append((path, message())) }
    }

    public mutating func range<T: Comparable>(_ value: T, _ r: ClosedRange<T>, _ path: String) {
        require(r.contains(value), path, "must be in \(r.lowerBound)...\(r.upperBound), got \(value)")
    }

    /// A finite value > 0.
    public mutating func positive(_ value: Double, _ path: String) {
        require(value.isFinite && value > 0, path, "must be positive and finite, got \(value)")
    }

    /// Hidden layer widths: at least one layer, each in 1...65536.
    public mutating func widths(_ h: [Int], _ path: String) {
        require(!h.isEmpty && h.allSatisfy { (1...65_536).contains($0) }, path, "must list layer widths in 1...65536, got \(h)")
    }

    /// A kernel bandwidth rule in `Bandwidth(parsing:)` syntax.
    public mutating func bandwidth(_ rule: String, _ path: String) {
        do { _ = try Bandwidth(parsing: rule) } catch { problems.append((path, "\(error)")) }
    }

    /// A learning rate: positive, at most 1.
    public mutating func learningRate(_ value: Double, _ path: String) {
        require(value.isFinite && value > 0 && value <= 1, path, "must be in (0, 1], got \(value)")
    }

    /// A discount or Polyak rate in [0, 1].
    public mutating func unitInterval(_ value: Double, _ path: String) {
        require(value >= 0 && value <= 1, path, "must be in 0...1, got \(value)")
    }

    /// The fields every actor-critic configuration has: network widths, Adam learning rates,
    /// discount and Polyak rate, under `p` (`p.criticHidden`, ...).
    public mutating func actorCritic(criticHidden: [Int], actorHidden: [Int], criticLearningRate: Double,
                                     actorLearningRate: Double, gamma: Double, tau: Double, at p: String) {
        widths(criticHidden, p + ".criticHidden")
        widths(actorHidden, p + ".actorHidden")
        learningRate(criticLearningRate, p + ".criticLearningRate")
        learningRate(actorLearningRate, p + ".actorLearningRate")
        unitInterval(gamma, p + ".gamma")
        unitInterval(tau, p + ".tau")
    }

    /// A temperature in `TrainRunConfig.alphaRange`.
    public mutating func temperature(_ value: Double, _ path: String) {
        range(value, TrainRunConfig.alphaRange, path)
    }
}

/// One `train --set FIELD=VALUE` (or one agent option, which names a field through the
/// agent's catalog entry).
public struct ConfigOverride: Equatable, Sendable {
    /// The field's path in the run configuration, as `--show-config` lists it (`s2ac.particles`).
    public var path: String
    /// The value as typed: JSON (`256`, `3e-4`, `[64,64]`, `true`, `null`) or a bare word for
    /// text fields (`forth`).
    public var value: String
    /// Who asked for it, for messages and `--show-config` (`--set`, `--particles`).
    public var source: String

    public init(path: String, value: String, source: String = "--set") {
        self.path = path; self.value = value; self.source = source
    }

    /// Parses `FIELD=VALUE`.
    public init(parsing text: String) throws {
        guard let eq = text.firstIndex(of: "="), eq != text.startIndex else {
            throw InputError("--set takes FIELD=VALUE (e.g. --set schedule.startSteps=1000), got '\(text)'")
        }
        self.init(path: String(text[..<eq]).trimmingCharacters(in: .whitespaces),
                  value: String(text[text.index(after: eq)...]).trimmingCharacters(in: .whitespaces))
    }
}

extension TrainRunConfig {
    /// Fields `--set` leaves alone, with what sets them instead.
    static let fieldsWithOwnOption: [String: String] = [
        "agent": "--agent", "env": "--env", "seed": "--seed", "preset": "--preset", "evaluationEnv": "--eval-env",
        "checkpointEvery": "--checkpoint-every", "schedule.name": "--preset",
    ]

    /// Schedule fields an agent with its own schedule (`AgentEntry.schedule`) derives.
    static let derivedScheduleFields: Set<String> = [
        "schedule.startSteps", "schedule.updateAfter", "schedule.updateEvery", "schedule.trainingSelection",
        "schedule.evaluationSelection",
    ]

    /// This configuration with `overrides` applied in order, then checked. Unknown fields,
    /// values of the wrong type and values out of range are `InputError`s naming the field and
    /// who set it.
    public func setting(_ overrides: [ConfigOverride]) throws -> TrainRunConfig {
        guard !overrides.isEmpty else { return self }
        var tree = try jsonTree()
        for o in overrides {
            if let owner = Self.fieldsWithOwnOption[o.path] ?? entry.fieldsSetElsewhere[o.path].map({ "--set " + $0 }) {
                throw InputError("\(o.source) \(o.path): set by \(owner), not by --set")
            }
            let known = fieldPaths()
            guard let current = known.first(where: { $0.path == o.path }) else {
                let near = known.map(\.path).filter { $0.hasSuffix("." + o.path) || $0.lowercased() == o.path.lowercased() }
                let hint = near.isEmpty ? "; `train --agent \(agent) --env \(env) --show-config` lists them" : "; did you mean \(near.joined(separator: " or "))?"
                throw InputError("\(o.source) \(o.path): no such field for --agent \(agent)\(hint)")
            }
            let path = o.path.split(separator: ".").map(String.init)
            let parsed = o.value.data(using: .utf8).flatMap { try? JSONSerialization.jsonObject(with: $0, options: [.fragmentsAllowed]) }
            // A text field takes the text as typed (`--set s2ac.bandwidth=2.5` is the rule "2.5").
            let value: Any = Self.value(in: tree, at: path) is String ? (parsed as? String ?? o.value) : (parsed ?? o.value)
            Self.set(&tree, path: path, to: value)
            var c: TrainRunConfig
            do {
                let data = try JSONSerialization.data(withJSONObject: tree)
                c = try JSONDecoder().decode(TrainRunConfig.self, from: data)
            } catch {
                throw InputError("\(o.source) \(o.path)=\(o.value): not a value of this field (its value now: \(current.value))")
            }
            tree = try c.jsonTree()
        }
        let data = try JSONSerialization.data(withJSONObject: tree)
        var result = try JSONDecoder().decode(TrainRunConfig.self, from: data)
        if let own = entry.schedule {
            // The agent's schedule follows from its own settings: set those, and it follows again.
            if let o = overrides.first(where: { Self.derivedScheduleFields.contains($0.path) }) {
                throw InputError("\(o.source) \(o.path): --agent \(agent) derives it from its own settings; set those (--show-config lists them)")
            }
            result.schedule = own(result.agentConfig, result.schedule)
        }
        try result.validate(sources: Dictionary(overrides.map { ($0.path, $0.source) }, uniquingKeysWith: { $1 }))
        return result
    }

    /// Throws the first field out of range, naming who set it when `sources` knows.
    public func validate(sources: [String: String] = [:]) throws {
        var check = ConfigCheck()
        check.range(batchSize, 1...1_000_000, "batchSize")
        check.range(replaySize, 1...100_000_000, "replaySize")
        schedule.check(&check, at: "schedule")
        agentConfig.check(&check)
        guard let (path, message) = check.problems.first else { return }
        if let source = sources[path] {
            throw InputError(source == "--set" ? "--set \(path): \(message)" : "\(source) (\(path)) \(message)")
        }
        throw InputError("\(path) \(message)")
    }

    /// Every field with its value as JSON text, in declaration order (nested fields by
    /// dotted path; an unset optional shows `null`).
    public func fieldPaths() -> [(path: String, value: String)] {
        guard let tree = try? jsonTree() else { return [] }
        var out: [(String, String)] = []
        func text(_ v: Any?) -> String {
            guard let v, !(v is NSNull) else { return "null" }
            if let s = v as? String { return s }
            if let data = try? JSONSerialization.data(withJSONObject: v, options: [.fragmentsAllowed, .sortedKeys]) {
                return String(decoding: data, as: UTF8.self)
            }
            return "\(v)"
        }
        func walk(_ value: Any, _ prefix: [String], _ json: Any?) {
            let m = Mirror(reflecting: value)
            let leaf: Bool
            switch m.displayStyle {
            case .struct?: leaf = false
            case .optional?:
                if let some = m.children.first?.value { walk(some, prefix, json); return }
                leaf = true
            default: leaf = true
            }
            if leaf { out.append((prefix.joined(separator: "."), text(json))); return }
            for child in m.children {
                guard let label = child.label else { continue }
                walk(child.value, prefix + [label], (json as? [String: Any])?[label])
            }
        }
        let top = tree
        for child in Mirror(reflecting: self).children {
            guard let label = child.label else { continue }
            if label == "agentConfig" {
                for (key, value) in agentConfig.namedParts { walk(value, [key], top[key]) }
            } else {
                walk(child.value, [label], top[label])
            }
        }
        return out
    }

    /// The configuration as nested JSON objects.
    func jsonTree() throws -> [String: Any] {
        let data = try JSONEncoder().encode(self)
        guard let tree = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw InputError("the run configuration does not encode to a JSON object")
        }
        return tree
    }

    private static func value(in tree: [String: Any], at path: [String]) -> Any? {
        var node: Any? = tree
        for key in path { node = (node as? [String: Any])?[key] }
        return node
    }

    private static func set(_ tree: inout [String: Any], path: [String], to value: Any) {
        guard let first = path.first else { return }
        if path.count == 1 {
            if value is NSNull { tree.removeValue(forKey: first) } else { tree[first] = value }
            return
        }
        var sub = tree[first] as? [String: Any] ?? [:]
        set(&sub, path: Array(path.dropFirst()), to: value)
        tree[first] = sub
    }

    /// `--show-config`: every field, its value and where the value came from: the preset,
    /// an option of `train` or `--set`. `preset` is the run resolved with no options at all,
    /// `options` with the options but without `--set`.
    public func showConfig(preset: TrainRunConfig, options: TrainRunConfig, sources: [ConfigOverride]) -> String {
        let base = Dictionary(preset.fieldPaths().map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
        let optioned = Dictionary(options.fieldPaths().map { ($0.path, $0.value) }, uniquingKeysWith: { $1 })
        let setBy = Dictionary(sources.map { ($0.path, $0.source) }, uniquingKeysWith: { $1 })
        let fields = fieldPaths()
        let width = fields.map(\.path.count).max() ?? 0
        var lines = ["# \(agent) on \(env), preset \(preset.preset): field, value, source"]
        for (path, value) in fields {
            let source: String
            if let s = setBy[path] { source = s }
            else if optioned[path] != base[path] { source = "option" }
            else if ["agent", "env", "seed", "preset"].contains(path) { source = "--\(path)" }
            else { source = "preset \(self.preset)" }
            lines.append(path.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "  (" + source + ")")
        }
        return lines.joined(separator: "\n")
    }
}

extension TrainingSchedule {
    func check(_ c: inout ConfigCheck, at p: String) {
        c.range(totalSteps, 1...100_000_000, p + ".totalSteps")
        c.range(startSteps, 0...100_000_000, p + ".startSteps")
        c.range(updateAfter, 0...100_000_000, p + ".updateAfter")
        c.range(updateEvery, 1...100_000, p + ".updateEvery")
        c.range(evaluationEvery, 0...100_000_000, p + ".evaluationEvery")
        c.range(evaluationEpisodes, 1...1000, p + ".evaluationEpisodes")
        if let more = additionalEvaluationSelections {
            c.require(!more.contains(evaluationSelection) && Set(more).count == more.count, p + ".additionalEvaluationSelections",
                      "must not repeat a rule or name the main one (\(evaluationSelection.rawValue))")
        }
    }
}
