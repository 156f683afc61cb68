import Foundation

/// One claim of the paper (`scripts/reference/paper_claims.csv`): what it says in our words,
/// the paper's value where it gives one, where it stands, and the rule that decides whether
/// our results agree. Rules are written before any result is read and never tuned to them.
public struct PaperClaim: Equatable, Sendable {
    public var id: String
    /// The paper artefact: `Abstract`, `Fig 4a`, ..., `Table 1`.
    public var artefact: String
    public var claim: String
    /// The paper's value as printed (may be empty, or text such as "4 of 5").
    public var paper: String
    /// Section, figure, table or appendix.
    public var location: String
    public var rule: ClaimRule

    public static let columns = ["id", "artefact", "claim", "paper", "where", "rule"]

    public init(id: String, artefact: String, claim: String, paper: String, location: String, rule: ClaimRule) {
        self.id = id; self.artefact = artefact; self.claim = claim; self.paper = paper; self.location = location; self.rule = rule
    }

    /// The first number in the paper column (for rules with `ref=paper`).
    public var paperNumber: Double? {
        let scanner = Scanner(string: paper)
        scanner.charactersToBeSkipped = CharacterSet(charactersIn: "~≈ ")
        return scanner.scanDouble()
    }

    /// Reads and checks a claims file: the six columns, unique ids, and rules that parse.
    public static func load(path: String) throws -> [PaperClaim] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw InputError("cannot read the claims file \(path)")
        }
        return try parse(text, source: path)
    }

    public static func parse(_ text: String, source: String) throws -> [PaperClaim] {
        let rows = try CSV.parse(text, source: source)
        guard let header = rows.first, header == columns else {
            throw InputError("\(source): the header must be \(columns.joined(separator: ","))")
        }
        var claims: [PaperClaim] = []
        var seen = Set<String>()
        for (n, row) in rows.dropFirst().enumerated() {
            let line = n + 2
            guard row.count == columns.count else { throw InputError("\(source): line \(line): \(row.count) fields, expected \(columns.count)") }
            guard !row[0].isEmpty, seen.insert(row[0]).inserted else { throw InputError("\(source): line \(line): empty or repeated id '\(row[0])'") }
            let rule: ClaimRule
            do { rule = try ClaimRule(parsing: row[5]) } catch let e as InputError {
                throw InputError("\(source): line \(line) (\(row[0])): \(e.message)")
            }
            claims.append(PaperClaim(id: row[0], artefact: row[1], claim: row[2], paper: row[3], location: row[4], rule: rule))
        }
        return claims
    }
}

/// A rule: a check name, then `;`-separated items, each `name=value` (a parameter) or
/// `column:value` (a filter on a table column); `|` separates alternatives. `;` and `|` inside
/// parentheses belong to the value, so `start:N(0,6I)` and `chain=(4,0)<(1,0)` read as written.
public struct ClaimRule: Equatable, Sendable {
    public var check: String
    public var parameters: [String: String]
    /// Column filters in the order written: a row passes when its column holds one of the values.
    public var filters: [(column: String, values: [String])]
    /// The rule as written in the file.
    public var text: String

    public static func == (a: ClaimRule, b: ClaimRule) -> Bool { a.text == b.text }

    /// The checks `ClaimEvaluator` knows.
    public static let checks: Set<String> = ["near", "far", "argmin", "increasing", "compare", "contains", "best", "beats", "ratio",
                                             "trend", "each_alpha", "at_alpha", "ends", "split", "pair", "versus", "order", "q0", "q0order"]

    public init(parsing text: String) throws {
        self.text = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let space = trimmed.firstIndex(of: " ") else { throw InputError("rule '\(text)' has no items after its check") }
        check = String(trimmed[..<space])
        guard Self.checks.contains(check) else { throw InputError("unknown check '\(check)' in rule '\(text)'") }
        parameters = [:]; filters = []
        for item in splitTopLevel(String(trimmed[trimmed.index(after: space)...]), on: ";") {
            let item = item.trimmingCharacters(in: .whitespaces)
            guard !item.isEmpty else { continue }
            let eq = item.firstIndex(of: "="), colon = item.firstIndex(of: ":")
            if let eq, colon == nil || eq < colon! {
                parameters[String(item[..<eq])] = String(item[item.index(after: eq)...])
            } else if let colon {
                filters.append((String(item[..<colon]), splitTopLevel(String(item[item.index(after: colon)...]), on: "|")))
            } else {
                throw InputError("item '\(item)' of rule '\(text)' is neither name=value nor column:value")
            }
        }
    }

    /// The `make` target whose results this rule reads.
    public var target: String {
        let table = parameters["table"] ?? ""
        if table.hasPrefix("fig") { return "fig4" }
        if table == "train_runs" { return "mujoco SEEDS=5" }
        if table.hasPrefix("rliable") { return "rliable (after make mujoco)" }
        if table == "table1" { return "table1" }
        let metric = parameters["metric"] ?? ""
        if ["after_hit_reach", "obstacle_reach", "hit_then_fail", "hit_then_reach"].contains(metric) { return "obstacle" }
        return "multigoal"
    }

    /// A parameter's alternatives (`a|b`), empty when absent or empty.
    public func list(_ name: String) -> [String] {
        guard let v = parameters[name], !v.isEmpty else { return [] }
        return splitTopLevel(v, on: "|")
    }
}

/// Splits on `separator` outside parentheses.
func splitTopLevel(_ s: String, on separator: Character) -> [String] {
    var parts: [String] = [], current = "", depth = 0
    for c in s {
        if c == "(" { depth += 1 } else if c == ")" { depth -= 1 }
        if c == separator && depth == 0 { parts.append(current); current = "" } else { current.append(c) }
    }
    parts.append(current)
    return parts
}

/// The result files under a folder, read through `report`'s reporters: every table row
/// remembers the file it came from. Files that cannot be read are listed in `problems`.
public struct ResultData {
    public struct Source: Equatable {
        /// Path relative to the results folder.
        public var file: String
        public var provenance: Provenance
        /// The budget its rows carry (`full`, `quick`, `smoke`, `paper`, ...), or "".
        public var budget: String
        /// Environment steps of a training run, from its configuration; nil when not a training run.
        public var steps: Int?
        /// Seeds of its rows (a file of several seeds has no provenance seed).
        public var seeds: Set<Int> = []

        public init(file: String, provenance: Provenance, budget: String, steps: Int?, seeds: Set<Int>) {
            self.file = file; self.provenance = provenance; self.budget = budget; self.steps = steps; self.seeds = seeds
        }
    }
    public struct Row {
        public var values: [String: String]
        public var source: Int
        public init(values: [String: String], source: Int) { self.values = values; self.source = source }
        public subscript(_ column: String) -> String? { values[column] }
        public func number(_ column: String) -> Double? { values[column].flatMap { Double($0) } }
    }

    public var sources: [Source] = []
    public var tables: [String: [Row]] = [:]
    public var problems: [String] = []

    public init() {}

    /// The column of a table that names its budget.
    public static func budgetColumn(_ table: String) -> String? {
        if table.hasPrefix("fig") { return "budget" }
        if table == "train_runs" || table == "train_curves" { return "budget" }
        if table.hasPrefix("multigoal") || table == "obstacle" || table == "table1" { return "preset" }
        return nil
    }

    /// Larger is closer to the paper's budget.
    public static func budgetRank(_ budget: String) -> Int {
        switch budget {
        case "paper", "full", "authors-code": return 3
        case "quick": return 2
        case "smoke", "reduced": return 1
        default: return 0
        }
    }

    public static func load(resultsFolder: String, reporters: [ResultReporter] = ReportRegistry.reporters) throws -> ResultData {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: resultsFolder, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("no results folder at \(resultsFolder)")
        }
        let root = URL(fileURLWithPath: resultsFolder).standardizedFileURL
        let paths = resultFilePaths(under: root.path).files
        var data = ResultData()
        for path in paths.sorted() {
            let relative = String(path.dropFirst(root.path.count + 1))
            do {
                let file = try HDF5File.open(at: path)
                defer { file.close() }
                let provenance = try Provenance.read(from: file)
                guard let reporter = reporters.first(where: { $0.kinds.contains(provenance.kind) }) else {
                    data.problems.append("\(relative): no reporter knows the kind '\(provenance.kind)'")
                    continue
                }
                let produced = try reporter.rows(from: file, provenance: provenance)
                let index = data.sources.count
                var budget = ""
                var seeds = Set<Int>()
                for name in produced.keys.sorted() {
                    let columns = reporter.tables[name]!
                    for row in produced[name]! {
                        let values = Dictionary(uniqueKeysWithValues: zip(columns, row))
                        if budget.isEmpty, let b = budgetColumn(name).flatMap({ values[$0] }) { budget = b }
                        if let seed = values["seed"].flatMap({ Int($0) }) { seeds.insert(seed) }
                        data.tables[name, default: []].append(Row(values: values, source: index))
                    }
                }
                // Files whose tables name no budget (rliable statistics) take their campaign's.
                if budget.isEmpty { budget = campaignBudget(relativePath: relative) }
                data.sources.append(Source(file: relative, provenance: provenance, budget: budget, steps: trainingSteps(provenance.configJSON),
                                           seeds: seeds.union(provenance.seed.map { [$0] } ?? [])))
            } catch {
                data.problems.append("\(relative): \(error)")
            }
        }
        return data
    }

    /// `preset.steps` (multigoal runs) or `schedule.totalSteps` (train runs) of a configuration.
    static func trainingSteps(_ json: String) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any] else { return nil }
        if let preset = object["preset"] as? [String: Any], let steps = preset["steps"] as? Int { return steps }
        if let schedule = object["schedule"] as? [String: Any], let steps = schedule["totalSteps"] as? Int { return steps }
        return nil
    }

    /// The MuJoCo campaign a file lies in (`mujoco/<campaign>/...` under the results folder), or "".
    public static func campaignBudget(relativePath: String) -> String {
        let parts = relativePath.split(separator: "/")
        return parts.count >= 3 && parts[0] == "mujoco" ? String(parts[1]) : ""
    }

    /// A row's budget: its table's budget column, else its file's.
    public func budget(of row: Row, in table: String) -> String {
        if let column = Self.budgetColumn(table) { return row[column] ?? "" }
        return sources.indices.contains(row.source) ? sources[row.source].budget : ""
    }

    /// The rows of a table at the largest budget it holds, and that budget.
    public func rows(_ table: String) -> (rows: [Row], budget: String) {
        guard let all = tables[table], !all.isEmpty else { return ([], "") }
        let best = all.map { Self.budgetRank(budget(of: $0, in: table)) }.max()!
        let kept = all.filter { Self.budgetRank(budget(of: $0, in: table)) == best }
        return (kept, kept.first.map { budget(of: $0, in: table) } ?? "")
    }
}

/// What a claim's check found.
public enum Verdict: String, CaseIterable, Sendable {
    case agrees, differs, partly
    case notRun = "not run"

    /// The verdict after a count of claims: "1 agrees", "4 agree".
    public func counted(_ n: Int) -> String {
        guard n != 1 else { return rawValue }
        switch self {
        case .agrees: return "agree"
        case .differs: return "differ"
        default: return rawValue
        }
    }
}

/// A claim with its verdict, our numbers as text, and the files they came from.
public struct ClaimResult {
    public var claim: PaperClaim
    public var verdict: Verdict
    /// Our numbers, or why there are none.
    public var ours: String
    /// Indices into `ResultData.sources`.
    public var sources: Set<Int>
    /// The budget of the rows used ("" when none).
    public var budget: String
}
