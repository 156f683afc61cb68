import Foundation

/// `report`'s reader for multigoal run files (`multigoal-modes`) and obstacle files
/// (`obstacle-robustness`). Every row starts with the campaign preset (smoke, quick, paper),
/// the agent, alpha and seed. Missing probes give empty values and the reason.
public struct MultigoalReporter: ResultReporter {
    public init() {}
    public var kinds: Set<String> { [MultigoalKinds.run, MultigoalKinds.obstacle] }

    static let key = ["preset", "agent", "alpha", "seed"]
    public var tables: [String: [String]] {
        [
            "multigoal_goals": Self.key + ["selection", "episodes", "goal", "share"],
            "multigoal_returns": Self.key + ["selection", "episodes", "mean_return", "mean_length", "mean_final_distance"],
            "multigoal_episodes": Self.key + ["selection", "episode", "goal", "final_distance", "length", "return"],
            "multigoal_entropy": Self.key + ["where", "state", "x", "y", "entropy", "reason"],
            "multigoal_smoothness": Self.key + ["selection", "points", "m1", "m2", "reason"],
            "multigoal_q0": Self.key + ["step", "state", "x", "y", "mean_x", "mean_y", "std_x", "std_y", "reason"],
            "multigoal_timing": Self.key + ["steps", "cpu_seconds", "wall_seconds"],
            "multigoal_curves": Self.key + ["selection", "step", "episodes", "mean_return"],
            "obstacle": Self.key + ["selection", "episodes", "hit_share", "goal", "share", "share_after_hit"],
            "obstacle_episodes": Self.key + ["selection", "episode", "goal", "first_hit", "final_distance", "length"],
            "obstacle_summary": ["preset", "agent", "alpha", "selection", "seeds", "episodes", "hit_share", "goal", "share",
                                 "share_after_hit"],
            "multigoal_summary": ["preset", "agent", "alpha", "selection", "seeds", "episodes"] + Self.goalNames
                + ["mean_final_distance", "mean_length", "mean_return"],
        ]
    }

    /// `multigoal_summary`: each (preset, agent, alpha, test rule) over all its seeds' test
    /// episodes pooled (Fig 12 pools 20 seeds x 20 episodes): the share of episodes reaching
    /// each goal or none, and the mean final distance to the nearest goal, length and return.
    /// Sums run in (seed, episode) order, so the numbers do not depend on the files' order.
    /// `obstacle_summary`: the same pooling of the obstacle episodes (Fig 7, 16): the share
    /// that hit the wall, and for each goal (or none) the share reaching it and the share
    /// reaching it after a hit.
    public func derivedTables(from tables: [String: CSVTable]) throws -> [String: CSVTable] {
        var out: [String: CSVTable] = [:]
        if let episodes = tables["multigoal_episodes"] { out["multigoal_summary"] = try summary(of: episodes) }
        if let episodes = tables["obstacle_episodes"] { out["obstacle_summary"] = try obstacleSummary(of: episodes) }
        return out
    }

    /// The rows of a per-episode table grouped into (preset, agent, alpha, test rule) cells, in
    /// the order the cells first appear; `parse` reads one row, nil when it is unreadable.
    func cells<Episode>(of table: CSVTable, named name: String,
                        _ parse: (_ row: [String], _ column: (String) -> String) -> Episode?) throws
        -> [(key: [String], episodes: [Episode])] {
        let col = Dictionary(uniqueKeysWithValues: table.columns.enumerated().map { ($1, $0) })
        var order: [[String]] = [], groups: [[String]: [Episode]] = [:]
        for row in table.rows {
            guard let episode = parse(row, { row[col[$0]!] }) else { throw InputError("\(name): unreadable row \(row)") }
            let key = ["preset", "agent", "alpha", "selection"].map { row[col[$0]!] }
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(episode)
        }
        return order.map { ($0, groups[$0]!) }
    }

    func summary(of episodes: CSVTable) throws -> CSVTable {
        struct Episode { let seed: Int, index: Int, goal: String, distance: Double, length: Int, ret: Double }
        let cells = try cells(of: episodes, named: "multigoal_episodes") { _, c -> Episode? in
            guard let seed = Int(c("seed")), let index = Int(c("episode")), let distance = Double(c("final_distance")),
                  let length = Int(c("length")), let ret = Double(c("return")), Self.goalNames.contains(c("goal")) else { return nil }
            return Episode(seed: seed, index: index, goal: c("goal"), distance: distance, length: length, ret: ret)
        }
        var out = CSVTable(columns: self.tables["multigoal_summary"]!)
        for (key, episodes) in cells {
            let e = episodes.sorted { ($0.seed, $0.index) < ($1.seed, $1.index) }
            let n = Double(e.count)
            let shares = Self.goalNames.map { g in csvNumber(Double(e.filter { $0.goal == g }.count) / n) }
            out.append(key + [String(Set(e.map(\.seed)).count), String(e.count)] + shares
                       + [csvNumber(e.reduce(0) { $0 + $1.distance } / n), csvNumber(Double(e.reduce(0) { $0 + $1.length }) / n),
                          csvNumber(e.reduce(0) { $0 + $1.ret } / n)])
        }
        return out
    }

    func obstacleSummary(of episodes: CSVTable) throws -> CSVTable {
        struct Episode { let seed: Int, goal: String, hit: Bool }
        let cells = try cells(of: episodes, named: "obstacle_episodes") { _, c -> Episode? in
            let firstHit = c("first_hit")
            guard let seed = Int(c("seed")), Int(c("episode")) != nil, Self.goalNames.contains(c("goal")),
                  firstHit.isEmpty || (Int(firstHit) ?? 0) >= 1 else { return nil }
            return Episode(seed: seed, goal: c("goal"), hit: !firstHit.isEmpty)
        }
        var out = CSVTable(columns: self.tables["obstacle_summary"]!)
        for (key, e) in cells {  // counts only: the order of the episodes does not matter
            let n = Double(e.count)
            let hitShare = csvNumber(Double(e.filter(\.hit).count) / n)
            for goal in Self.goalNames {
                out.append(key + [String(Set(e.map(\.seed)).count), String(e.count), hitShare, goal,
                                  csvNumber(Double(e.filter { $0.goal == goal }.count) / n),
                                  csvNumber(Double(e.filter { $0.goal == goal && $0.hit }.count) / n)])
            }
        }
        return out
    }

    static let goalNames = ["G1", "G2", "G3", "none"]
    /// A recorded goal index (0, 1, 2; -1 for none) as the tables name it.
    static func goalName(_ goal: Int) -> String { goalNames[goal < 0 ? 3 : goal] }

    public func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]] {
        let spec: MultigoalRunSpec
        do { spec = try JSONDecoder().decode(MultigoalRunSpec.self, from: Data(provenance.configJSON.utf8)) } catch {
            throw InputError("\(file.path): unreadable multigoal configuration")
        }
        let key = [spec.preset.name, spec.agent, csvNumber(spec.alpha), String(spec.seed)]
        let tests = try file.root.group("test")
        var out: [String: [[String]]] = [:]
        for name in try tests.memberNames().sorted() {
            let e = try MultigoalEpisodes.read(from: tests.group(name))
            let n = Double(max(e.count, 1))
            func share(_ goal: Int, _ include: (Int) -> Bool = { _ in true }) -> Double {
                Double((0..<e.count).filter { e.goals[$0] == goal && include($0) }.count) / n
            }
            if provenance.kind == MultigoalKinds.obstacle {
                let hit = { (i: Int) in e.firstHit[i] >= 0 }
                let hitShare = Double((0..<e.count).filter(hit).count) / n
                for (g, goalName) in Self.goalNames.enumerated() {
                    let goal = g == 3 ? -1 : g
                    out["obstacle", default: []].append(key + [name, String(e.count), csvNumber(hitShare), goalName,
                                                               csvNumber(share(goal)), csvNumber(share(goal, hit))])
                }
                for i in 0..<e.count {
                    out["obstacle_episodes", default: []].append(key + [name, String(i), Self.goalName(e.goals[i]),
                                                                        e.firstHit[i] < 0 ? "" : String(e.firstHit[i]),
                                                                        csvNumber(e.finalDistances[i]), String(e.lengths[i])])
                }
                continue
            }
            for (g, goalName) in Self.goalNames.enumerated() {
                out["multigoal_goals", default: []].append(key + [name, String(e.count), goalName, csvNumber(share(g == 3 ? -1 : g))])
            }
            out["multigoal_returns", default: []].append(key + [name, String(e.count), csvNumber(e.returns.reduce(0, +) / n),
                                                                csvNumber(Double(e.lengths.reduce(0, +)) / n),
                                                                csvNumber(e.finalDistances.reduce(0, +) / n)])
            for i in 0..<e.count {
                out["multigoal_episodes", default: []].append(key + [name, String(i), Self.goalName(e.goals[i]),
                                                                     csvNumber(e.finalDistances[i]), String(e.lengths[i]),
                                                                     csvNumber(e.returns[i])])
            }
            let sm = try tests.group(name).group("smoothness")
            if let reason = try sm.attribute("unavailable")?.stringValue {
                out["multigoal_smoothness", default: []].append(key + [name, "0", "", "", reason])
            } else {
                let points = try sm.read("gradient_l1", as: Double.self).values.count
                let m1 = try sm.read("m1", as: Double.self).values.first, m2 = try sm.read("m2", as: Double.self).values.first
                out["multigoal_smoothness", default: []].append(key + [name, String(points), csvNumber(m1), csvNumber(m2), ""])
            }
        }
        guard provenance.kind == MultigoalKinds.run else { return out }
        out["multigoal_timing"] = [key + [String(spec.train.schedule.totalSteps), csvNumber(try file.root.attribute("cpu_seconds")?.doubleValue),
                                          csvNumber(try file.root.attribute("wall_seconds")?.doubleValue)]]
        if try file.root.memberNames().contains("train") {
            out["multigoal_curves"] = try curveRows(file.root.group("train"), key: key,
                                                    selection: spec.train.schedule.evaluationSelection.rawValue, path: file.path)
        }
        out["multigoal_entropy"] = try entropyRows(file.root.group("entropy"), key: key)
        out["multigoal_q0"] = try q0Rows(file.root.group("q0"), key: key)
        return out
    }

    /// The learning curve: the mean undiscounted return of the test episodes at every
    /// evaluation point of training (the run's evaluation rule).
    func curveRows(_ g: HDF5Group, key: [String], selection: String, path: String) throws -> [[String]] {
        guard try g.memberNames().contains("eval_steps") else { return [] }
        let points = try EvaluationPoints(from: g, path: path)
        return points.steps.enumerated().map { i, step in
            let xs = points.returns(at: i)
            return key + [selection, String(step), String(points.episodes), csvNumber(xs.reduce(0, +) / Double(max(points.episodes, 1)))]
        }
    }

    func entropyRows(_ g: HDF5Group, key: [String]) throws -> [[String]] {
        if let reason = try g.attribute("unavailable")?.stringValue { return [key + ["", "", "", "", "", reason]] }
        var rows: [[String]] = []
        let axis = try g.read("axis", as: Double.self).values, grid = try g.read("grid", as: Double.self).values
        let critical = try g.read("critical", as: Double.self).values
        guard grid.count == axis.count * axis.count, critical.count <= Multigoal.criticalStates.count else {
            throw InputError("\(g.file.path):\(g.path): the entropy grid holds \(grid.count) values for a \(axis.count) x \(axis.count) axis"
                             + " and \(critical.count) critical states")
        }
        for (j, y) in axis.enumerated() { for (i, x) in axis.enumerated() {
            rows.append(key + ["grid", "", csvNumber(x), csvNumber(y), csvNumber(grid[j * axis.count + i]), ""])
        } }
        for (k, h) in critical.enumerated() {
            let s = Multigoal.criticalStates[k]
            rows.append(key + ["critical", String(k), csvNumber(s.x), csvNumber(s.y), csvNumber(h), ""])
        }
        return rows
    }

    func q0Rows(_ g: HDF5Group, key: [String]) throws -> [[String]] {
        if let reason = try g.attribute("unavailable")?.stringValue { return [key + ["", "", "", "", "", "", "", "", reason]] }
        let steps = try g.read("steps", as: Int.self).values
        let mean = try g.read("mean", as: Float.self).values, std = try g.read("std", as: Float.self).values
        let k = Multigoal.criticalStates.count
        guard mean.count == steps.count * k * 2, std.count == mean.count else {
            throw InputError("\(g.file.path):\(g.path): q0 statistics hold \(mean.count) means and \(std.count) deviations for \(steps.count) steps")
        }
        var rows: [[String]] = []
        for (t, step) in steps.enumerated() { for (s, state) in Multigoal.criticalStates.enumerated() {
            let i = (t * k + s) * 2
            rows.append(key + [String(step), String(s), csvNumber(state.x), csvNumber(state.y),
                               csvNumber(Double(mean[i])), csvNumber(Double(mean[i + 1])),
                               csvNumber(Double(std[i])), csvNumber(Double(std[i + 1])), ""])
        } }
        return rows
    }
}
