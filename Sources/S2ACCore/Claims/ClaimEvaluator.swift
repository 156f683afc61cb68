import Foundation

/// Evaluates claim rules on result data. Every check splits into cases (a row, a group, an
/// agent, an alpha, ...), each passing or failing: all pass -> agrees, none -> differs, some ->
/// partly; no case with data -> not run. A case whose data is missing is named in `ours`.
public struct ClaimEvaluator {
    public let data: ResultData

    public init(data: ResultData) { self.data = data }

    struct Case {
        var label: String
        /// nil: the data for this case is missing.
        var pass: Bool?
        var text: String
    }

    struct Outcome {
        var cases: [Case] = []
        var sources: Set<Int> = []
        var budget = ""
    }

    public func evaluate(_ claim: PaperClaim) -> ClaimResult {
        var out: Outcome
        do { out = try run(claim) } catch {
            return ClaimResult(claim: claim, verdict: .notRun, ours: "rule error: \(error)", sources: [], budget: "")
        }
        let decided = out.cases.compactMap(\.pass)
        let verdict: Verdict
        if decided.isEmpty { verdict = .notRun } else if decided.allSatisfy({ $0 }) { verdict = .agrees } else if decided.contains(true) { verdict = .partly } else { verdict = .differs }
        var parts = out.cases.filter { $0.pass != nil }.map { ($0.label.isEmpty ? "" : $0.label + ": ") + $0.text + ($0.pass! ? "" : " ✗") }
        let missing = out.cases.filter { $0.pass == nil }.map { ($0.label.isEmpty ? "" : $0.label + ": ") + $0.text }
        if !missing.isEmpty { parts.append("no data for " + missing.joined(separator: ", ")) }
        if out.cases.isEmpty { parts = ["no result rows for this rule"] }
        // A budget is reported only for a claim that read rows of it.
        return ClaimResult(claim: claim, verdict: verdict, ours: parts.joined(separator: "; "), sources: out.sources,
                           budget: out.sources.isEmpty ? "" : out.budget)
    }

    // MARK: - dispatch

    func run(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        switch r.check {
        case "near", "far": return try nearFar(c, near: r.check == "near")
        case "argmin": return try argmin(c)
        case "increasing": return try increasing(c)
        case "compare": return try compare(c)
        case "contains": return try contains(c)
        case "best": return try best(c)
        case "beats": return try beats(c)
        case "ratio": return try ratio(c)
        case "q0", "q0order": return try q0(c)
        default: return try multigoal(c)
        }
    }

    func param(_ r: ClaimRule, _ name: String) throws -> String {
        guard let v = r.parameters[name], !v.isEmpty else { throw InputError("rule '\(r.text)' needs \(name)=") }
        return v
    }

    func number(_ r: ClaimRule, _ name: String) throws -> Double {
        let v = try param(r, name)
        guard let x = Double(v) else { throw InputError("rule '\(r.text)': \(name)=\(v) is not a number") }
        return x
    }

    /// A reference: a column of the row, the claim's paper value, or a number.
    func reference(_ c: PaperClaim, _ spec: String, row: ResultData.Row?) throws -> Double? {
        if spec == "paper" {
            guard let p = c.paperNumber else { throw InputError("claim \(c.id) refers to the paper value but gives none") }
            return p
        }
        if let x = Double(spec) { return x }
        return row?.number(spec)
    }

    /// The rows of the rule's table that pass its filters, at the table's largest budget.
    func filtered(_ r: ClaimRule, table: String? = nil) throws -> (rows: [ResultData.Row], budget: String) {
        let name = try table ?? param(r, "table")
        let (rows, budget) = data.rows(name)
        let kept = rows.filter { row in r.filters.allSatisfy { f in row[f.column].map { f.values.contains($0) } ?? false } }
        return (kept, budget)
    }

    static func fmt(_ x: Double?) -> String {
        guard let x, x.isFinite else { return x.map { "\($0)" } ?? "–" }
        if x == x.rounded() && abs(x) < 1e6 { return String(Int(x)) }
        return String(format: abs(x) >= 100 ? "%.1f" : "%.3f", x)
    }

    static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

    func label(_ row: ResultData.Row, _ columns: [String]) -> String {
        columns.compactMap { col in row[col].flatMap { $0.isEmpty ? nil : "\(col) \($0)" } }.joined(separator: ", ")
    }

    /// Columns that tell rows apart in a case label (the filtered columns are constant).
    func distinguishing(_ rows: [ResultData.Row], among columns: [String]) -> [String] {
        columns.filter { col in Set(rows.map { $0[col] ?? "" }).count > 1 }
    }

    static func satisfies(_ x: Double, _ op: String, _ y: Double) throws -> Bool {
        switch op {
        case ">": return x > y
        case ">=": return x >= y
        case "<": return x < y
        case "<=": return x <= y
        default: throw InputError("unknown comparison '\(op)'")
        }
    }

    /// `<3`, `>=0.5`: an operator and a number.
    static func condition(_ s: String) throws -> (op: String, value: Double) {
        for op in [">=", "<=", ">", "<"] where s.hasPrefix(op) {
            if let v = Double(s.dropFirst(op.count)) { return (op, v) }
        }
        throw InputError("condition '\(s)' is not an operator followed by a number")
    }

    // MARK: - generic table checks

    static let labelColumns = ["sampler", "config", "start", "bandwidth", "m", "L", "dim", "components", "std", "seed",
                               "agent", "env", "algorithm", "algorithm_x", "algorithm_y", "metric"]

    func nearFar(_ c: PaperClaim, near: Bool) throws -> Outcome {
        let tol = try number(c.rule, "tol"), ref = try param(c.rule, "ref")
        return try rowAgainstReference(c) { x, y in
            let d = abs(x - y)
            return (near ? d <= tol : d > tol,
                    "\(Self.fmt(x)) (\(ref == "paper" ? "paper" : ref) \(Self.fmt(y)), off by \(Self.fmt(d)))")
        }
    }

    /// One case per filtered row: its `value` column against the rule's `ref` for that row,
    /// decided by `decide` (pass, text); a row without both numbers is an undecided case.
    func rowAgainstReference(_ c: PaperClaim, _ decide: (Double, Double) throws -> (Bool, String)) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let value = try param(r, "value"), ref = try param(r, "ref")
        var out = Outcome(budget: budget)
        let labels = distinguishing(rows, among: Self.labelColumns)
        for row in rows {
            out.sources.insert(row.source)
            guard let x = row.number(value), let y = try reference(c, ref, row: row) else {
                out.cases.append(Case(label: label(row, labels), pass: nil, text: value)); continue
            }
            let (pass, text) = try decide(x, y)
            out.cases.append(Case(label: label(row, labels), pass: pass, text: text))
        }
        return out
    }

    func groups(_ rows: [ResultData.Row], by columns: [String]) -> [(key: String, rows: [ResultData.Row])] {
        var order: [String] = [], map: [String: [ResultData.Row]] = [:]
        for row in rows {
            let k = columns.map { "\($0) \(row[$0] ?? "")" }.joined(separator: ", ")
            if map[k] == nil { order.append(k) }
            map[k, default: []].append(row)
        }
        return order.map { ($0, map[$0]!) }
    }

    func argmin(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let value = try param(r, "value"), ref = try param(r, "ref"), key = try param(r, "key"), allowed = r.list("in")
        var out = Outcome(budget: budget)
        for (k, g) in groups(rows, by: r.list("group")) {
            var best: (row: ResultData.Row, d: Double)?
            for row in g {
                out.sources.insert(row.source)
                guard let x = row.number(value), let y = try reference(c, ref, row: row), x.isFinite else { continue }
                if best == nil || abs(x - y) < best!.d { best = (row, abs(x - y)) }
            }
            guard let best else { out.cases.append(Case(label: k, pass: nil, text: value)); continue }
            let winner = best.row[key] ?? ""
            out.cases.append(Case(label: k, pass: allowed.contains(winner), text: "closest \(winner) (off by \(Self.fmt(best.d)))"))
        }
        return out
    }

    func increasing(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let x = try param(r, "x"), value = try param(r, "value")
        var out = Outcome(budget: budget)
        for (k, g) in groups(rows, by: r.list("group")) {
            var byX: [Double: [Double]] = [:]
            for row in g {
                out.sources.insert(row.source)
                if let xv = row.number(x), let v = row.number(value), v.isFinite { byX[xv, default: []].append(v) }
            }
            let xs = byX.keys.sorted()
            guard xs.count >= 2 else { out.cases.append(Case(label: k, pass: nil, text: "fewer than two \(x) values")); continue }
            let means = xs.map { Self.mean(byX[$0]!)! }
            let up = zip(means, means.dropFirst()).allSatisfy { $0 < $1 }
            let text = "\(x) " + xs.map(Self.fmt).joined(separator: ", ") + ": " + means.map(Self.fmt).joined(separator: ", ")
            out.cases.append(Case(label: k, pass: up, text: text))
        }
        return out
    }

    func compare(_ c: PaperClaim) throws -> Outcome {
        let op = try param(c.rule, "op")
        return try rowAgainstReference(c) { x, y in (try Self.satisfies(x, op, y), Self.fmt(x)) }
    }

    func contains(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let lo = try param(r, "low"), hi = try param(r, "high"), ref = try param(r, "ref")
        var out = Outcome(budget: budget)
        for row in rows {
            out.sources.insert(row.source)
            guard let a = row.number(lo), let b = row.number(hi), let y = try reference(c, ref, row: row) else {
                out.cases.append(Case(label: "", pass: nil, text: "interval")); continue
            }
            let estimate = row.number("estimate").map { Self.fmt($0) + " " } ?? ""
            out.cases.append(Case(label: "", pass: a <= y && y <= b, text: "\(estimate)[\(Self.fmt(a)), \(Self.fmt(b))]"))
        }
        return out
    }

    func best(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let x = try param(r, "x"), dir = try param(r, "dir")
        var out = Outcome(budget: budget)
        rows.forEach { out.sources.insert($0.source) }
        guard !rows.isEmpty else { return out }
        let column = r.parameters["value"] ?? "estimate"
        let scores = rows.compactMap { row in row["algorithm"].flatMap { a in row.number(column).map { (a, $0) } } }
        guard let mine = scores.first(where: { $0.0 == x })?.1 else {
            out.cases.append(Case(label: "", pass: nil, text: x)); return out
        }
        let others = scores.filter { $0.0 != x }
        let pass = others.allSatisfy { dir == "max" ? mine > $0.1 : mine < $0.1 }
        let rival = dir == "max" ? others.max(by: { $0.1 < $1.1 }) : others.min(by: { $0.1 < $1.1 })
        out.cases.append(Case(label: "", pass: pass, text: "\(Self.fmt(mine))" + (rival.map { " (best other: \($0.0) \(Self.fmt($0.1)))" } ?? "")))
        return out
    }

    /// Mean of `value` over seeds, by (agent, env).
    func meansByAgentEnv(_ rows: [ResultData.Row], value: String) -> [String: [String: Double]] {
        var acc: [String: [String: [Double]]] = [:]
        for row in rows {
            guard let a = row["agent"], let e = row["env"], let v = row.number(value) else { continue }
            acc[a, default: [:]][e, default: []].append(v)
        }
        return acc.mapValues { $0.mapValues { Self.mean($0)! } }
    }

    func beats(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let x = try param(r, "x"), value = try param(r, "value"), envs = r.list("envs"), need = Int(try number(r, "need"))
        let means = meansByAgentEnv(rows, value: value)
        var out = Outcome(budget: budget)
        for y in r.list("y") {
            let missing = envs.filter { means[x]?[$0] == nil || means[y]?[$0] == nil }
            rows.filter { $0["agent"] == x || $0["agent"] == y }.forEach { out.sources.insert($0.source) }
            guard missing.isEmpty else { out.cases.append(Case(label: "vs \(y)", pass: nil, text: missing.joined(separator: ", "))); continue }
            let wins = envs.filter { means[x]![$0]! > means[y]![$0]! }
            out.cases.append(Case(label: "vs \(y)", pass: wins.count >= need, text: "better on \(wins.count) of \(envs.count)"))
        }
        return out
    }

    func ratio(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (rows, budget) = try filtered(r)
        let x = try param(r, "x"), y = try param(r, "y"), value = try param(r, "value")
        let means = meansByAgentEnv(rows, value: value)
        var out = Outcome(budget: budget)
        rows.filter { $0["agent"] == x || $0["agent"] == y }.forEach { out.sources.insert($0.source) }
        let envs = Set(means[x]?.keys.map { $0 } ?? []).union(means[y]?.keys.map { $0 } ?? []).sorted()
        for env in envs {
            guard let a = means[x]?[env], let b = means[y]?[env], b > 0 else { out.cases.append(Case(label: env, pass: nil, text: "\(x) or \(y)")); continue }
            let q = a / b
            var pass = true
            if let mx = r.parameters["max"].flatMap(Double.init) { pass = pass && q <= mx }
            if let mn = r.parameters["min"].flatMap(Double.init) { pass = pass && q > mn }
            out.cases.append(Case(label: env, pass: pass, text: "\(Self.fmt(q))x"))
        }
        return out
    }

    // MARK: - multigoal

    /// Per (agent, alpha): the metrics of Fig 6-17, each the mean over seeds of the per-run value.
    struct MultigoalCell {
        var goalShare: [String: [Double]] = [:]
        var obstacleShare: [String: [Double]] = [:]
        var afterHit: [String: [Double]] = [:]
        var hitShare: [Double] = []
        var meanLength: [Double] = [], meanReturn: [Double] = [], m1: [Double] = [], m2: [Double] = []
        var contrast: [Double] = []
        var critical: [String: [Double]] = [:]
        var sources: Set<Int> = []
    }

    static func stateKey(_ x: Double, _ y: Double) -> String { "(\(fmt(x)),\(fmt(y)))" }

    /// Parses `(x,y)` into the same key `stateKey` gives.
    static func parseState(_ s: String) throws -> String {
        let inner = s.trimmingCharacters(in: CharacterSet(charactersIn: "() "))
        let parts = inner.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, let x = parts[0], let y = parts[1] else { throw InputError("'\(s)' is not a state (x,y)") }
        return stateKey(x, y)
    }

    func multigoalCells() -> (cells: [String: [Double: MultigoalCell]], budget: String) {
        var cells: [String: [Double: MultigoalCell]] = [:]
        // One budget for every multigoal table: the largest among the run tables.
        let budget = ["multigoal_goals", "obstacle", "multigoal_returns"].map { data.rows($0).budget }
            .max { ResultData.budgetRank($0) < ResultData.budgetRank($1) } ?? ""
        func rows(_ t: String) -> [ResultData.Row] { (data.tables[t] ?? []).filter { $0["preset"] == budget } }
        func update(_ row: ResultData.Row, _ f: (inout MultigoalCell) -> Void) {
            guard let a = row["agent"], let alpha = row.number("alpha") else { return }
            var cell = cells[a]?[alpha] ?? MultigoalCell()
            f(&cell)
            cell.sources.insert(row.source)
            cells[a, default: [:]][alpha] = cell
        }
        for row in rows("multigoal_goals") {
            if let g = row["goal"], let s = row.number("share") { update(row) { $0.goalShare[g, default: []].append(s) } }
        }
        for row in rows("obstacle") {
            guard let g = row["goal"], let s = row.number("share"), let h = row.number("share_after_hit") else { continue }
            update(row) {
                $0.obstacleShare[g, default: []].append(s); $0.afterHit[g, default: []].append(h)
                if g == "G1", let hit = row.number("hit_share") { $0.hitShare.append(hit) }
            }
        }
        for row in rows("multigoal_returns") {
            update(row) { c in
                if let l = row.number("mean_length") { c.meanLength.append(l) }
                if let r = row.number("mean_return") { c.meanReturn.append(r) }
            }
        }
        for row in rows("multigoal_smoothness") {
            update(row) { c in
                if let v = row.number("m1") { c.m1.append(v) }
                if let v = row.number("m2") { c.m2.append(v) }
            }
        }
        var grids: [String: (left: [Double], right: [Double], row: ResultData.Row)] = [:]
        for row in rows("multigoal_entropy") {
            guard let x = row.number("x"), let y = row.number("y"), let h = row.number("entropy"), h.isFinite else { continue }
            if row["where"] == "critical" {
                update(row) { $0.critical[Self.stateKey(x, y), default: []].append(h) }
            } else if row["where"] == "grid", x != 0 {
                let run = [row["agent"] ?? "", row["alpha"] ?? "", row["seed"] ?? ""].joined(separator: "/")
                var g = grids[run] ?? ([], [], row)
                if x < 0 { g.left.append(h) } else { g.right.append(h) }
                grids[run] = g
            }
        }
        for (_, g) in grids.sorted(by: { $0.key < $1.key }) {
            if let l = Self.mean(g.left), let r = Self.mean(g.right) { update(g.row) { $0.contrast.append(l - r) } }
        }
        return (cells, budget)
    }

    /// A named metric of one (agent, alpha) cell; nil when its data is missing.
    static func metric(_ name: String, _ c: MultigoalCell) throws -> Double? {
        func share(_ d: [String: [Double]], _ g: String) -> Double? { d[g].flatMap(mean) }
        let goals = ["G1", "G2", "G3"]
        switch name {
        case "left_share":
            guard let a = share(c.goalShare, "G2"), let b = share(c.goalShare, "G3") else { return nil }
            return a + b
        case "reach_share":
            let s = goals.compactMap { share(c.goalShare, $0) }
            return s.count == 3 ? s.reduce(0, +) : nil
        case "goals_reached":
            let s = goals.compactMap { share(c.goalShare, $0) }
            return s.count == 3 ? Double(s.filter { $0 > 0 }.count) : nil
        case "goal_imbalance":
            let s = goals.compactMap { share(c.goalShare, $0) }
            let total = s.reduce(0, +)
            guard s.count == 3, total > 0 else { return nil }
            return s.map { abs($0 / total - 1.0 / 3) }.max()
        case "after_hit_reach":
            let s = goals.compactMap { share(c.afterHit, $0) }
            return s.count == 3 ? s.reduce(0, +) : nil
        case "obstacle_reach":
            let s = goals.compactMap { share(c.obstacleShare, $0) }
            return s.count == 3 ? s.reduce(0, +) : nil
        case "hit_then_fail", "hit_then_reach":
            guard let reach = try metric("after_hit_reach", c), let hit = mean(c.hitShare), hit > 0 else { return nil }
            return name == "hit_then_reach" ? reach / hit : (hit - reach) / hit
        case "mean_length": return mean(c.meanLength)
        case "mean_return": return mean(c.meanReturn)
        case "m1": return mean(c.m1)
        case "m2": return mean(c.m2)
        case "entropy_contrast": return mean(c.contrast)
        default: throw InputError("unknown multigoal metric '\(name)'")
        }
    }

    func multigoal(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (cells, budget) = multigoalCells()
        var out = Outcome(budget: budget)
        let metricName = r.parameters["metric"] ?? ""
        func value(_ agent: String, _ alpha: Double) throws -> Double? {
            guard let cell = cells[agent]?[alpha], let v = try Self.metric(metricName, cell) else { return nil }
            out.sources.formUnion(cell.sources)
            return v
        }
        func alphas(_ agent: String) -> [Double] { (cells[agent]?.keys.map { $0 } ?? []).sorted() }
        let fa = Self.fmt
        switch r.check {
        case "trend":
            let dir = try param(r, "dir"), span = try param(r, "span")
            for agent in r.list("agents") {
                let points = try alphas(agent).compactMap { a in try value(agent, a).map { (a, $0) } }
                guard points.count >= 2 else { out.cases.append(Case(label: agent, pass: nil, text: "two alphas")); continue }
                let pairs = span == "ends" ? [(points.first!, points.last!)] : Array(zip(points, points.dropFirst()))
                let pass = pairs.allSatisfy { p, q in dir == "up" ? q.1 > p.1 : dir == "down" ? q.1 < p.1 : q.1 <= p.1 }
                let shown = span == "ends" ? [points.first!, points.last!] : points
                out.cases.append(Case(label: agent, pass: pass, text: shown.map { "α \(fa($0.0)): \(fa($0.1))" }.joined(separator: " → ")))
            }
        case "each_alpha", "at_alpha":
            let op = try param(r, "op"), threshold = try number(r, "value")
            for agent in r.list("agents") {
                var list = alphas(agent)
                if r.check == "at_alpha" {
                    let which = try param(r, "alpha")
                    list = which == "min" ? Array(list.prefix(1)) : which == "max" ? Array(list.suffix(1)) : list.filter { $0 == Double(which) }
                }
                if list.isEmpty { out.cases.append(Case(label: agent, pass: nil, text: "runs")) }
                for a in list {
                    guard let v = try value(agent, a) else { out.cases.append(Case(label: "\(agent) α \(fa(a))", pass: nil, text: metricName)); continue }
                    out.cases.append(Case(label: "\(agent) α \(fa(a))", pass: try Self.satisfies(v, op, threshold), text: fa(v)))
                }
            }
        case "ends":
            let low = try Self.condition(param(r, "low")), high = try Self.condition(param(r, "high"))
            for agent in r.list("agents") {
                let list = alphas(agent)
                guard list.count >= 2, let lo = try value(agent, list.first!), let hi = try value(agent, list.last!) else {
                    out.cases.append(Case(label: agent, pass: nil, text: "two alphas")); continue
                }
                out.cases.append(Case(label: "\(agent) α \(fa(list.first!))", pass: try Self.satisfies(lo, low.op, low.value), text: fa(lo)))
                out.cases.append(Case(label: "\(agent) α \(fa(list.last!))", pass: try Self.satisfies(hi, high.op, high.value), text: fa(hi)))
            }
        case "split":
            let at = try number(r, "at"), below = try Self.condition(param(r, "below")), from = try Self.condition(param(r, "from"))
            for agent in r.list("agents") {
                let list = alphas(agent)
                if !list.contains(where: { $0 >= at }) { out.cases.append(Case(label: agent, pass: nil, text: "alpha >= \(fa(at))")) }
                if !list.contains(where: { $0 < at }) { out.cases.append(Case(label: agent, pass: nil, text: "alpha < \(fa(at))")) }
                for a in list {
                    guard let v = try value(agent, a) else { out.cases.append(Case(label: "\(agent) α \(fa(a))", pass: nil, text: metricName)); continue }
                    let cond = a < at ? below : from
                    out.cases.append(Case(label: "\(agent) α \(fa(a))", pass: try Self.satisfies(v, cond.op, cond.value), text: fa(v)))
                }
            }
        case "pair":
            let a = try number(r, "a"), b = try number(r, "b"), op = try param(r, "op")
            for agent in r.list("agents") {
                guard let va = try value(agent, a), let vb = try value(agent, b) else {
                    out.cases.append(Case(label: agent, pass: nil, text: "alpha \(fa(a)) and \(fa(b))")); continue
                }
                out.cases.append(Case(label: agent, pass: try Self.satisfies(va, op, vb), text: "α \(fa(a)): \(fa(va)), α \(fa(b)): \(fa(vb))"))
            }
        case "versus":
            let x = try param(r, "x"), at = try param(r, "at"), op = try param(r, "op")
            for y in r.list("y") {
                var common = alphas(x).filter { alphas(y).contains($0) }
                if at == "max" { common = Array(common.suffix(1)) } else if at == "min" { common = Array(common.prefix(1)) }
                if common.isEmpty { out.cases.append(Case(label: "vs \(y)", pass: nil, text: "runs of \(x) and \(y) at a common alpha")) }
                for a in common {
                    guard let vx = try value(x, a), let vy = try value(y, a) else {
                        out.cases.append(Case(label: "vs \(y) α \(fa(a))", pass: nil, text: metricName)); continue
                    }
                    let pass = op == "close" ? abs(vx - vy) <= (try number(r, "tol")) : try Self.satisfies(vx, op, vy)
                    out.cases.append(Case(label: "vs \(y) α \(fa(a))", pass: pass, text: "\(fa(vx)) vs \(fa(vy))"))
                }
            }
        case "order":
            let chains = try r.list("chain").map { try splitTopLevel($0, on: "<").map(Self.parseState) }
            for agent in r.list("agents") {
                if alphas(agent).isEmpty { out.cases.append(Case(label: agent, pass: nil, text: "runs")) }
                for a in alphas(agent) {
                    let cell = cells[agent]![a]!
                    for chain in chains {
                        let hs = chain.map { cell.critical[$0].flatMap(Self.mean) }
                        guard hs.allSatisfy({ $0 != nil }) else {
                            out.cases.append(Case(label: "\(agent) α \(fa(a))", pass: nil, text: "entropy at \(chain.joined(separator: ", "))")); continue
                        }
                        let v = hs.map { $0! }
                        out.sources.formUnion(cell.sources)
                        out.cases.append(Case(label: "\(agent) α \(fa(a))", pass: zip(v, v.dropFirst()).allSatisfy { $0 < $1 },
                                              text: zip(chain, v).map { "H\($0) \(fa($1))" }.joined(separator: " < ")))
                    }
                }
            }
        default:
            throw InputError("unknown check \(r.check)")
        }
        return out
    }

    /// Fig 11: mu_theta / sigma_theta at critical states, per run (agent, alpha, seed).
    func q0(_ c: PaperClaim) throws -> Outcome {
        let r = c.rule
        let (all, budget) = data.rows("multigoal_q0")
        let agents = r.list("agents")
        let rows = all.filter { agents.contains($0["agent"] ?? "") && $0.number("step") != nil }
        var out = Outcome(budget: budget)
        let field = try param(r, "field")
        func read(_ row: ResultData.Row) -> Double? {
            if field == "std" { return row.number("std_x").flatMap { x in row.number("std_y").map { (x + $0) / 2 } } }
            return row.number(field)
        }
        for (k, run) in groups(rows, by: ["agent", "alpha", "seed"]) {
            run.forEach { out.sources.insert($0.source) }
            let steps = run.compactMap { $0.number("step") }
            guard let first = steps.min(), let last = steps.max(), last > first else {
                out.cases.append(Case(label: k, pass: nil, text: "two q0 records")); continue
            }
            func at(_ step: Double, _ state: String) -> Double? {
                run.first { row in
                    guard row.number("step") == step, let x = row.number("x"), let y = row.number("y") else { return false }
                    return Self.stateKey(x, y) == state
                }.flatMap(read)
            }
            if r.check == "q0" {
                let state = try Self.parseState(param(r, "state")), dir = try param(r, "dir")
                guard let a = at(first, state), let b = at(last, state) else { out.cases.append(Case(label: k, pass: nil, text: state)); continue }
                out.cases.append(Case(label: k, pass: dir == "up" ? b > a : b < a,
                                      text: "step \(Self.fmt(first)): \(Self.fmt(a)) → step \(Self.fmt(last)): \(Self.fmt(b))"))
            } else {
                for chain in try r.list("chain").map({ try splitTopLevel($0, on: "<").map(Self.parseState) }) {
                    let vs = chain.map { at(last, $0) }
                    guard vs.allSatisfy({ $0 != nil }) else { out.cases.append(Case(label: k, pass: nil, text: chain.joined(separator: ", "))); continue }
                    let v = vs.map { $0! }
                    out.cases.append(Case(label: k, pass: zip(v, v.dropFirst()).allSatisfy { $0 < $1 },
                                          text: zip(chain, v).map { "σ\($0) \(Self.fmt($1))" }.joined(separator: " < ")))
                }
            }
        }
        return out
    }
}
