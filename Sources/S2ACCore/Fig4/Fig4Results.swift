import Foundation

/// The result files of Fig 4, 9, 10 (`entropy-eval`, `kind` fig4a / fig4c; `kernel-sweep`,
/// `kind` fig4b) and their tables. Layout of a file (Results/README.md, "Fig 4, 9, 10"):
///   /runs            one entry per run: string columns `figure sampler config start bandwidth target budget`,
///                    numbers `step_size std noise_std momentum_std ground_truth ground_truth_se sigma_final`
///                    (NaN where they do not apply), integers `particles steps dimension components seed
///                    ground_truth_samples` (-1 where they do not apply), `estimates` (runs x 4:
///                    logdet, trace, closed form with 1/(m-1), closed form with 1/m; NaN where they do not apply)
///   /runs/<00000>    per run: `entropy_by_step` ((L+1) x 4, same columns, row 0 = q0),
///                    `sigma_by_step` (L), `initial_particles` and `final_particles` (m x d), and the
///                    target: `target_mean`, `target_covariance` (Gaussian) or `target_means` (M x d, mixture)
public enum Fig4Tables {
    /// The columns of fig4a.csv, fig4b.csv, fig4c.csv and fig10.csv.
    public static let columns = ["figure", "sampler", "config", "start", "bandwidth", "eps", "m", "L", "dim",
                                 "components", "std", "seed", "target", "estimate_logdet", "estimate_trace",
                                 "estimate_closed_form", "estimate_closed_form_paper", "ground_truth", "ground_truth_se",
                                 "ground_truth_samples", "sigma_final", "paper_ground_truth", "budget"]
    /// Table name for a figure label.
    public static func table(for figure: String) -> String { "fig" + figure }
    /// The paper's stated truth for the Fig 4a/4b target (Sec. 4.1: "ground truth entropy H(p) = 3.41").
    public static let paperGroundTruth4a = 3.41

    /// Writes the records of one experiment as a result file.
    public static func write<C: Encodable>(_ records: [Fig4Record], kind: String, config: C, seed: Int?,
                                           to path: String, force: Bool) throws {
        let writer = try ResultWriter(path: path, kind: kind, config: config, seed: seed, force: force)
        let runs = try writer.root.createGroup("runs")
        func nan(_ x: Double?) -> Double { x ?? .nan }
        try runs.writeStrings("figure", records.map(\.info.figure))
        try runs.writeStrings("sampler", records.map(\.info.sampler.rawValue))
        try runs.writeStrings("config", records.map(\.info.config.rawValue))
        try runs.writeStrings("start", records.map(\.info.start))
        try runs.writeStrings("bandwidth", records.map(\.info.bandwidth))
        try runs.writeStrings("target", records.map(\.info.target))
        try runs.writeStrings("budget", records.map(\.info.budget))
        try runs.write("step_size", records.map(\.info.stepSize))
        try runs.write("std", records.map { nan($0.info.std) })
        try runs.write("noise_std", records.map { nan($0.info.noiseStd) })
        try runs.write("momentum_std", records.map { nan($0.info.momentumStd) })
        try runs.write("ground_truth", records.map(\.groundTruth.value))
        try runs.write("ground_truth_se", records.map(\.groundTruth.standardError))
        try runs.write("ground_truth_samples", records.map(\.groundTruth.samples))
        try runs.write("sigma_final", records.map { $0.result.sigmaByStep.last ?? .nan })
        try runs.write("particles", records.map(\.info.particles))
        try runs.write("steps", records.map(\.info.steps))
        try runs.write("dimension", records.map(\.info.dimension))
        try runs.write("components", records.map { $0.info.components ?? -1 })
        try runs.write("seed", records.map(\.info.seed))
        try runs.write("estimates", records.flatMap { flat($0.result.final) }, shape: [records.count, 4])
        for (i, r) in records.enumerated() {
            let g = try runs.createGroup(String(format: "%05d", i))
            try g.write("entropy_by_step", r.result.entropyByStep.flatMap(flat), shape: [r.result.entropyByStep.count, 4])
            try g.write("sigma_by_step", r.result.sigmaByStep)
            try g.write("initial_particles", r.result.initialParticles, shape: [r.info.particles, r.info.dimension])
            try g.write("final_particles", r.result.finalParticles, shape: [r.info.particles, r.info.dimension])
            if let gauss = r.target as? Gaussian {
                try g.write("target_mean", gauss.mean)
                try g.write("target_covariance", gauss.covariance, shape: [gauss.dimension, gauss.dimension])
            } else if let mix = r.target as? GaussianMixture {
                try g.write("target_means", mix.means, shape: [mix.components, mix.dimension])
            }
        }
        try writer.commit()
    }

    static func flat(_ e: EntropyEstimates) -> [Double] {
        [e.logDeterminant, e.trace, e.closedFormAuthors, e.closedFormPaper]
    }

    /// The table rows of a result file, by table name.
    public static func rows(from file: HDF5File) throws -> [String: [[String]]] {
        let runs = try file.root.group("runs")
        let strings = try Dictionary(uniqueKeysWithValues: ["figure", "sampler", "config", "start", "bandwidth", "target", "budget"].map {
            ($0, try runs.readStrings($0))
        })
        let doubles = try Dictionary(uniqueKeysWithValues: ["step_size", "std", "ground_truth", "ground_truth_se", "sigma_final"].map {
            ($0, try runs.read($0, as: Double.self).values)
        })
        let ints = try Dictionary(uniqueKeysWithValues: ["particles", "steps", "dimension", "components", "seed", "ground_truth_samples"].map {
            ($0, try runs.read($0, as: Int.self).values)
        })
        let estimates = try runs.read("estimates", as: Double.self).values
        let n = strings["figure"]!.count
        guard estimates.count == 4 * n, doubles.values.allSatisfy({ $0.count == n }), ints.values.allSatisfy({ $0.count == n }) else {
            throw HDF5Error("\(file.path): /runs columns have different lengths")
        }
        func num(_ x: Double) -> String { x.isNaN ? "" : csvNumber(x) }
        var out: [String: [[String]]] = [:]
        for i in 0..<n {
            let figure = strings["figure"]![i]
            let components = ints["components"]![i]
            let isGaussian4a = figure == "4a" || figure == "4b"
            let row: [String] = [
                figure, strings["sampler"]![i], strings["config"]![i], strings["start"]![i], strings["bandwidth"]![i],
                num(doubles["step_size"]![i]), String(ints["particles"]![i]), String(ints["steps"]![i]),
                String(ints["dimension"]![i]), components < 0 ? "" : String(components), num(doubles["std"]![i]),
                String(ints["seed"]![i]), strings["target"]![i],
                num(estimates[4 * i]), num(estimates[4 * i + 1]), num(estimates[4 * i + 2]), num(estimates[4 * i + 3]),
                num(doubles["ground_truth"]![i]), num(doubles["ground_truth_se"]![i]), String(ints["ground_truth_samples"]![i]),
                num(doubles["sigma_final"]![i]), isGaussian4a ? csvNumber(paperGroundTruth4a) : "", strings["budget"]![i],
            ]
            out[table(for: figure), default: []].append(row)
        }
        return out
    }
}

/// `report`'s reader for the Fig 4, 9, 10 result files.
public struct Fig4Reporter: ResultReporter {
    public init() {}
    public var kinds: Set<String> { ["fig4a", "fig4b", "fig4c"] }
    public var tables: [String: [String]] {
        Dictionary(uniqueKeysWithValues: ["fig4a", "fig4b", "fig4c", "fig10"].map { ($0, Fig4Tables.columns) })
    }
    public func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]] {
        try Fig4Tables.rows(from: file)
    }
}

extension Fig4Tables {
    /// A plain-text table of the records, seeds pooled: each estimate as mean (and, with more
    /// than one seed, the standard deviation over seeds), beside the ground truth.
    public static func summary(_ records: [Fig4Record]) -> String {
        struct Key: Hashable { var figure, sampler, config, start, bandwidth: String; var m, l, dim: Int; var comp: Int?; var std: Double? }
        var groups: [Key: [Fig4Record]] = [:]
        var order: [Key] = []
        for r in records {
            let i = r.info
            let k = Key(figure: i.figure, sampler: i.sampler.rawValue, config: i.config.rawValue, start: i.start,
                        bandwidth: i.bandwidth, m: i.particles, l: i.steps, dim: i.dimension, comp: i.components, std: i.std)
            if groups[k] == nil { order.append(k) }
            groups[k, default: []].append(r)
        }
        func fmt(_ xs: [Double]) -> String {
            let finite = xs.filter { !$0.isNaN }
            guard !finite.isEmpty else { return "-" }
            let mean = finite.reduce(0, +) / Double(finite.count)
            if finite.count == 1 { return String(format: "%.3f", mean) }
            let sd = (finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(finite.count - 1)).squareRoot()
            return String(format: "%.3f±%.3f", mean, sd)
        }
        func pad(_ s: String, _ w: Int) -> String { s.count >= w ? s : String(repeating: " ", count: w - s.count) + s }
        let header = ["fig", "sampler", "config", "start", "bandwidth", "m", "L", "dim", "M", "std", "seeds",
                      "logdet", "trace", "closed(m-1)", "closed(m)", "truth"]
        var rows = [header]
        for k in order {
            let rs = groups[k]!
            let truth = rs.map(\.groundTruth)
            var t = fmt(truth.map(\.value))
            if let se = truth.map(\.standardError).max(), se > 0 { t += String(format: " (se %.4f)", se) }
            rows.append([k.figure, k.sampler, k.config, k.start, k.bandwidth, String(k.m), String(k.l), String(k.dim),
                         k.comp.map(String.init) ?? "", k.std.map { String(format: "%g", $0) } ?? "", String(rs.count),
                         fmt(rs.map(\.result.final.logDeterminant)), fmt(rs.map(\.result.final.trace)),
                         fmt(rs.map(\.result.final.closedFormAuthors)), fmt(rs.map(\.result.final.closedFormPaper)), t])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max()! }
        return rows.map { r in zip(r, widths).map { pad($0, $1) }.joined(separator: "  ") }.joined(separator: "\n")
    }
}
