import Foundation

/// Fig 8's tables from `train` run files on MuJoCo environments (the campaign's and any other):
/// every test episode's return (`mujoco_curves`), each run's final score (`mujoco_final`) and
/// the curves over seeds (`mujoco_mean_curves`: mean, min and max over seeds of each run's
/// mean test return at every evaluation step, as Fig 8a-e draws them, and each of the three
/// Savitzky-Golay smoothed, window 10 evaluations, order 2: `Fig8Smoothing`).
enum MuJoCoTables {
    static let columns: [String: [String]] = [
        "mujoco_curves": ["file", "campaign", "agent", "env", "seed", "preset", "steps", "step", "selection", "primary", "episode",
                          "return"],
        "mujoco_final": ["file", "campaign", "agent", "env", "seed", "preset", "steps", "selection", "primary", "final_score", "evaluations",
                         "last_step"],
        "mujoco_mean_curves": ["campaign", "agent", "env", "preset", "steps", "selection", "primary", "step", "seeds", "mean",
                               "min", "max",
                               "smooth_mean", "smooth_min", "smooth_max"],
    ]

    /// The evaluation points a final score averages: the last tenth of them, at least one
    /// (paper preset: the last 100 of 1000 points, i.e. the last 100k steps).
    static func finalCount(points: Int) -> Int { max(1, Int((Double(points) / 10).rounded())) }

    /// The campaign folder a run file lies in (`Results/mujoco/<campaign>/runs/<file>`), or "".
    static func campaign(of path: String) -> String {
        let parts = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        guard parts.count >= 4, parts[parts.count - 2] == "runs", parts[parts.count - 4] == "mujoco" else { return "" }
        return parts[parts.count - 3]
    }

    /// The rows of one MuJoCo run; `returns` is [points x episodes] for `selection`, the
    /// configuration's own test rule when `primary` (Fig 8's curves), else one it also played.
    static func rows(file name: String, path: String, config: TrainRunConfig, steps: [Int], returns: [Double],
                     selection: ActionSelection, primary: Bool) -> [String: [[String]]] {
        let episodes = steps.isEmpty ? 0 : returns.count / steps.count
        let campaign = campaign(of: path)
        let head = [name, campaign, config.agent, config.env, String(config.seed), config.preset, String(config.schedule.totalSteps)]
        let rule = [selection.rawValue, primary ? "1" : "0"]
        var curves: [[String]] = []
        var means: [Double] = []
        for (i, step) in steps.enumerated() {
            let xs = returns[(i * episodes)..<((i + 1) * episodes)]
            for (e, r) in xs.enumerated() {
                curves.append(head + [String(step)] + rule + [String(e), csvNumber(r)])
            }
            means.append(xs.reduce(0, +) / Double(max(xs.count, 1)))
        }
        guard !means.isEmpty else { return ["mujoco_curves": curves, "mujoco_final": []] }
        let k = finalCount(points: means.count)
        let final = means.suffix(k).reduce(0, +) / Double(k)
        return ["mujoco_curves": curves,
                "mujoco_final": [head + rule + [csvNumber(final), String(k), String(steps.last ?? 0)]]]
    }

    /// `mujoco_mean_curves` from `mujoco_curves`: per (campaign, agent, env, preset, steps,
    /// selection, primary) and evaluation step, each seed's mean over its episodes, then the mean, min
    /// and max over seeds. Groups in first-seen order, steps ascending.
    static func meanCurves(from curves: CSVTable) throws -> CSVTable {
        let col = Dictionary(uniqueKeysWithValues: curves.columns.enumerated().map { ($1, $0) })
        func field(_ row: [String], _ name: String) -> String { row[col[name]!] }
        struct Cell { var sum = 0.0; var count = 0 }
        var groups: [[String]] = [], perSeed: [[String]: [Int: [String: Cell]]] = [:]
        for row in curves.rows {
            let key = ["campaign", "agent", "env", "preset", "steps", "selection", "primary"].map { field(row, $0) }
            guard let step = Int(field(row, "step")), let value = Double(field(row, "return")) else {
                throw InputError("mujoco_curves: unreadable step or return in \(row)")
            }
            if perSeed[key] == nil { groups.append(key) }
            perSeed[key, default: [:]][step, default: [:]][field(row, "seed"), default: Cell()].sum += value
            perSeed[key]![step]![field(row, "seed")]!.count += 1
        }
        var out = CSVTable(columns: columns["mujoco_mean_curves"]!)
        for key in groups {
            let points = perSeed[key]!.sorted(by: { $0.key < $1.key })
            var mean: [Double] = [], low: [Double] = [], high: [Double] = [], count: [Int] = []
            for (_, seeds) in points {
                // In seed order, so the sums do not depend on a dictionary's order.
                let means = seeds.sorted { $0.key < $1.key }.map { $0.value.sum / Double($0.value.count) }
                mean.append(means.reduce(0, +) / Double(means.count)); low.append(means.min()!); high.append(means.max()!)
                count.append(means.count)
            }
            // Appendix K: Savitzky-Golay over 10 evaluations; a curve of fewer points stays unsmoothed.
            let smooth = points.count >= Fig8Smoothing.window
                ? try [mean, low, high].map { try savitzkyGolay($0, window: Fig8Smoothing.window, order: Fig8Smoothing.order) }
                : nil
            for (i, (step, _)) in points.enumerated() {
                out.append(key + [String(step), String(count[i]), csvNumber(mean[i]), csvNumber(low[i]), csvNumber(high[i])]
                           + (smooth.map { s in s.map { csvNumber($0[i]) } } ?? ["", "", ""]))
            }
        }
        return out
    }
}
