import Foundation

/// Everything `rliable-stats` reports for one score table, computed with rliable's estimators
/// and stratified-bootstrap percentile intervals. Rows keep the table's algorithm order.
public struct RliableReport: Sendable, Equatable {
    public struct AggregateRow: Sendable, Equatable {
        public let metric: AggregateMetric, algorithm: String, interval: IntervalEstimate
    }
    public struct PairRow: Sendable, Equatable {
        public let x: String, y: String, interval: IntervalEstimate
    }
    public struct ProfileRow: Sendable, Equatable {
        public let kind: ProfileKind, algorithm: String, tau: Double, interval: IntervalEstimate
    }
    public struct CurveRow: Sendable, Equatable {
        public let algorithm: String, step: Double, interval: IntervalEstimate
    }

    public var aggregates: [AggregateRow] = []
    public var pairs: [PairRow] = []
    public var profiles: [ProfileRow] = []
    public var curves: [CurveRow] = []
    /// Replicates and seed behind each table.
    public var aggregateReps = 0, pairReps = 0, profileReps = 0, curveReps = 0
    public var seed = 0
    public init() {}
}

/// What to compute and how.
public struct RliableSettings: Sendable {
    /// rliable's defaults: 50000 replicates for aggregates and curves, 2000 for the
    /// probability of improvement and profiles (the values of rliable's own examples).
    public var aggregateReps = 50_000, pairReps = 2_000, profileReps = 2_000, curveReps = 50_000
    public var confidence = 0.95
    /// Root of the bootstrap's seed tree (0 ... Int.max, so provenance can hold it).
    public var seed = 0
    public var threads = 2
    /// Optimality-gap threshold.
    public var gamma = 1.0
    /// Ordered pairs (x, y) for P(X > Y); nil for all ordered pairs.
    public var pairs: [(String, String)]? = nil
    /// Profile thresholds; nil for 101 points from min(0, lowest score) to the highest score.
    public var taus: [Double]? = nil
    public var computeProfiles = true
    public init() {}
}

extension RliableReport {
    /// Computes every table for `table`. Throws `InputError` for a pair naming an unknown
    /// algorithm; nothing else about the input can fail once it is a `ScoreTable`.
    public static func compute(_ table: ScoreTable, settings s: RliableSettings) throws -> RliableReport {
        let pairs = s.pairs ?? table.algorithms.flatMap { x in table.algorithms.filter { $0 != x }.map { (x, $0) } }
        for (x, y) in pairs {
            for name in [x, y] where table.finals[name] == nil {
                throw InputError("pair \(x)>\(y): unknown algorithm \(name); the scores have \(table.algorithms.joined(separator: ", "))")
            }
        }
        var r = RliableReport()
        r.seed = s.seed
        r.aggregateReps = s.aggregateReps; r.pairReps = s.pairReps; r.profileReps = s.profileReps; r.curveReps = s.curveReps
        func options(_ reps: Int) -> BootstrapOptions { BootstrapOptions(reps: reps, confidence: s.confidence, seed: UInt64(s.seed), threads: s.threads) }

        let matrices = table.algorithms.map { table.finals[$0]! }
        let agg = aggregateIntervals(matrices, labels: table.algorithms, gamma: s.gamma, options: options(s.aggregateReps))
        for metric in AggregateMetric.allCases {
            for (a, name) in table.algorithms.enumerated() {
                r.aggregates.append(.init(metric: metric, algorithm: name, interval: agg[a][metric]!))
            }
        }
        if !pairs.isEmpty {
            let poi = improvementIntervals(pairs.map { (table.finals[$0.0]!, table.finals[$0.1]!) },
                                           labels: pairs.map { "\($0.0)>\($0.1)" }, options: options(s.pairReps))
            r.pairs = zip(pairs, poi).map { .init(x: $0.0.0, y: $0.0.1, interval: $0.1) }
        }
        if s.computeProfiles {
            let taus = s.taus ?? defaultTaus(matrices)
            for kind in ProfileKind.allCases {
                let prof = profileIntervals(matrices, labels: table.algorithms, taus: taus, kind: kind, options: options(s.profileReps))
                for (a, name) in table.algorithms.enumerated() {
                    for (k, tau) in taus.enumerated() { r.profiles.append(.init(kind: kind, algorithm: name, tau: tau, interval: prof[a][k])) }
                }
            }
        }
        if table.hasSteps {
            let curves = iqmCurveIntervals(table.algorithms.map { table.curves[$0]!.matrices }, labels: table.algorithms,
                                           options: options(s.curveReps))
            for (a, name) in table.algorithms.enumerated() {
                for (k, step) in table.curves[name]!.steps.enumerated() { r.curves.append(.init(algorithm: name, step: step, interval: curves[a][k])) }
            }
        }
        return r
    }

    /// 101 thresholds from min(0, lowest score) to the highest score.
    public static func defaultTaus(_ matrices: [ScoreMatrix]) -> [Double] {
        let all = matrices.flatMap(\.values)
        let lo = Swift.min(0, all.min() ?? 0), hi = all.max() ?? 1
        return linspace(lo, hi > lo ? hi : lo + 1, count: 101)
    }

    /// The columns of each table, by file name without `.csv` (Results/README.md documents them).
    public static let tableColumns: [String: [String]] = [
        "rliable_aggregate": ["metric", "algorithm", "estimate", "ci_low", "ci_high", "reps", "seed"],
        "rliable_poi": ["algorithm_x", "algorithm_y", "estimate", "ci_low", "ci_high", "reps", "seed"],
        "rliable_profiles": ["profile", "algorithm", "tau", "estimate", "ci_low", "ci_high", "reps", "seed"],
        "rliable_curves": ["algorithm", "step", "iqm", "ci_low", "ci_high", "reps", "seed"],
    ]

    /// The tables: `rliable_aggregate` and `rliable_poi` always, `rliable_profiles` when
    /// profiles were computed, `rliable_curves` when the scores had steps.
    public var tables: [String: CSVTable] {
        func table(_ name: String, _ rows: [[String]]) -> CSVTable { CSVTable(columns: Self.tableColumns[name]!, rows: rows) }
        let seed = String(self.seed)
        var t = [
            "rliable_aggregate": table("rliable_aggregate", aggregates.map {
                [$0.metric.rawValue, $0.algorithm] + Self.fields($0.interval) + [String(aggregateReps), seed]
            }),
            "rliable_poi": table("rliable_poi", pairs.map { [$0.x, $0.y] + Self.fields($0.interval) + [String(pairReps), seed] }),
        ]
        if !profiles.isEmpty {
            t["rliable_profiles"] = table("rliable_profiles", profiles.map {
                [$0.kind.rawValue, $0.algorithm, csvNumber($0.tau)] + Self.fields($0.interval) + [String(profileReps), seed]
            })
        }
        if !curves.isEmpty {
            t["rliable_curves"] = table("rliable_curves", curves.map {
                [$0.algorithm, csvNumber($0.step)] + Self.fields($0.interval) + [String(curveReps), seed]
            })
        }
        return t
    }

    private static func fields(_ i: IntervalEstimate) -> [String] { [csvNumber(i.estimate), csvNumber(i.low), csvNumber(i.high)] }
}
