import Foundation
import Testing
@testable import S2ACCore

/// rliable's estimators and intervals against fixtures from the pinned Python library
/// (scripts/reference/rliable_fixture.py), plus hand-worked cases and determinism.
@Suite struct RliableStatsTests {
    // MARK: Hand-worked cases

    @Test func estimatorsOnAHandWorkedMatrix() {
        // 2 runs x 3 tasks: task means 1.5, 3, 10 -> median 3, mean 14.5/3.
        let m = ScoreMatrix(rows: [[1, 2, 0], [2, 4, 20]])
        #expect(aggregateMedian(m) == 3)
        #expect(abs(aggregateMean(m) - 14.5 / 3) < 1e-12)
        // 6 values sorted 0 1 2 2 4 20; cut floor(1.5) = 1 from each end -> mean(1 2 2 4) = 2.25.
        #expect(aggregateIQM(m) == 2.25)
        // gamma 1: min(., 1) = 1 1 0 1 1 1 -> mean 5/6.
        #expect(abs(optimalityGap(m) - (1 - 5.0 / 6)) < 1e-12)
        #expect(abs(optimalityGap(m, gamma: 3) - (3 - 11.0 / 6)) < 1e-12)
        let runProfile: [Double] = [4.0 / 6, 2.0 / 6, 1.0 / 6], averageProfile: [Double] = [2.0 / 3, 2.0 / 3]
        #expect(performanceProfile(m, taus: [1, 2, 19.5], kind: .runScore) == runProfile)
        #expect(performanceProfile(m, taus: [1.5, 2], kind: .averageScore) == averageProfile)
    }

    @Test func improvementCountsTiesAsHalf() {
        // Task 0: x {1, 2}, y {2, 3}: pairs x>y: none; ties: (2,2) -> U = 0.5 of 4.
        // Task 1: x {5, 5}, y {1}: both greater -> 1.
        let x = ScoreMatrix(rows: [[1, 5], [2, 5]]), y = ScoreMatrix(rows: [[2, 1], [3, 1]])
        // y has 2 runs on task 1 as well ({1, 1}): 4 of 4 pairs greater.
        #expect(probabilityOfImprovement(x, y) == (0.125 + 1) / 2)
        #expect(probabilityOfImprovement(y, x) == (0.875 + 0) / 2)
        #expect(probabilityOfImprovement(x, x) == 0.5)
    }

    @Test func percentileMatchesNumpyLinear() {
        let v: [Double] = [1, 2, 4, 8]
        v.withUnsafeBufferPointer { b in
            // numpy.percentile([1, 2, 4, 8], [0, 25, 50, 97.5, 100]) = 1, 1.75, 3, 7.7, 8
            #expect(sortedPercentile(b, 0) == 1)
            #expect(sortedPercentile(b, 0.25) == 1.75)
            #expect(sortedPercentile(b, 0.5) == 3)
            #expect(abs(sortedPercentile(b, 0.975) - 7.7) < 1e-12)
            #expect(sortedPercentile(b, 1) == 8)
        }
    }

    // MARK: Against rliable: point estimates to 1e-9

    @Test(arguments: RliableFixture.names)
    func pointEstimatesMatchRliable(_ name: String) throws {
        let fx = try RliableFixture.load(name)
        for alg in fx.algorithms {
            let m = ScoreMatrix(rows: alg.rows)
            let p = try #require(fx.points[alg.name])
            #expect(abs(aggregateMedian(m) - p["median"]!) <= 1e-9, "\(name) \(alg.name) median")
            #expect(abs(aggregateIQM(m) - p["iqm"]!) <= 1e-9, "\(name) \(alg.name) iqm")
            #expect(abs(aggregateMean(m) - p["mean"]!) <= 1e-9, "\(name) \(alg.name) mean")
            #expect(abs(optimalityGap(m) - p["optimality_gap"]!) <= 1e-9, "\(name) \(alg.name) gap")
            #expect(abs(optimalityGap(m, gamma: 0.5) - p["optimality_gap_half"]!) <= 1e-9, "\(name) \(alg.name) gap 0.5")
            for (kind, profile) in try #require(fx.profiles.by_algorithm[alg.name]) {
                let profileKind = try #require(ProfileKind(rawValue: kind))
                let ours = performanceProfile(m, taus: fx.profiles.taus, kind: profileKind)
                for (a, b) in zip(ours, profile.estimate) { #expect(abs(a - b) <= 1e-9, "\(name) \(alg.name) \(kind)") }
            }
        }
        for pair in fx.poi.pairs {
            #expect(abs(probabilityOfImprovement(fx.matrix(pair.x), fx.matrix(pair.y)) - pair.estimate) <= 1e-9,
                    "\(name) P(\(pair.x) > \(pair.y))")
        }
        if let curves = fx.curves {
            for (alg, curve) in curves.by_algorithm {
                for (k, rows) in curve.scores.enumerated() {
                    #expect(abs(aggregateIQM(ScoreMatrix(rows: rows)) - curve.iqm[k]) <= 1e-9, "\(name) \(alg) step \(k)")
                }
            }
        }
    }

    // MARK: Against rliable: interval endpoints within the Monte Carlo band the script measured

    @Test(arguments: RliableFixture.names)
    func aggregateIntervalsMatchRliable(_ name: String) throws {
        let fx = try RliableFixture.load(name)
        let spec = fx.aggregate_intervals
        let names = fx.algorithms.map(\.name)
        let options = BootstrapOptions(reps: spec.reps, confidence: fx.confidence, seed: 11)
        let ours = aggregateIntervals(names.map(fx.matrix), labels: names, options: options)
        for (a, alg) in names.enumerated() {
            let s = try #require(spec.by_algorithm[alg])
            for (k, metricName) in spec.metrics.enumerated() {
                let metric = try #require(AggregateMetric(rawValue: metricName))
                let est = try #require(ours[a][metric])
                #expect(inBand(est.low, s.low_band, k), "\(name) \(alg) \(metricName) low \(est.low) vs \(s.low_band)")
                #expect(inBand(est.high, s.high_band, k), "\(name) \(alg) \(metricName) high \(est.high) vs \(s.high_band)")
            }
        }
    }

    @Test(arguments: RliableFixture.names)
    func improvementIntervalsMatchRliable(_ name: String) throws {
        let fx = try RliableFixture.load(name)
        let pairs = fx.poi.pairs
        let ours = improvementIntervals(pairs.map { (fx.matrix($0.x), fx.matrix($0.y)) }, labels: pairs.map { "\($0.x)>\($0.y)" },
                                        options: BootstrapOptions(reps: fx.poi.reps, confidence: fx.confidence, seed: 12))
        for (p, est) in zip(pairs, ours) {
            #expect(inBand(est.low, p.low_band), "\(name) P(\(p.x) > \(p.y)) low \(est.low) vs \(p.low_band)")
            #expect(inBand(est.high, p.high_band), "\(name) P(\(p.x) > \(p.y)) high \(est.high) vs \(p.high_band)")
        }
    }

    @Test(arguments: RliableFixture.names)
    func profileIntervalsMatchRliable(_ name: String) throws {
        let fx = try RliableFixture.load(name)
        let names = fx.algorithms.map(\.name)
        for kind in ProfileKind.allCases {
            let ours = profileIntervals(names.map(fx.matrix), labels: names, taus: fx.profiles.taus, kind: kind,
                                        options: BootstrapOptions(reps: fx.profiles.reps, confidence: fx.confidence, seed: 13))
            for (a, alg) in names.enumerated() {
                let s = try #require(fx.profiles.by_algorithm[alg]?[kind.rawValue])
                for k in fx.profiles.taus.indices {
                    #expect(inBand(ours[a][k].low, s.low_band, k), "\(name) \(alg) \(kind) tau#\(k) low \(ours[a][k].low)")
                    #expect(inBand(ours[a][k].high, s.high_band, k), "\(name) \(alg) \(kind) tau#\(k) high \(ours[a][k].high)")
                }
            }
        }
    }

    @Test func iqmCurveIntervalsMatchRliable() throws {
        let fx = try RliableFixture.load("curve_5runs")
        let curves = try #require(fx.curves)
        let names = curves.by_algorithm.keys.sorted()
        let ours = iqmCurveIntervals(names.map { curves.by_algorithm[$0]!.scores.map(ScoreMatrix.init(rows:)) }, labels: names,
                                     options: BootstrapOptions(reps: curves.reps, confidence: fx.confidence, seed: 14))
        for (a, alg) in names.enumerated() {
            let s = curves.by_algorithm[alg]!
            for k in curves.steps.indices {
                #expect(abs(ours[a][k].estimate - s.iqm[k]) <= 1e-9)
                #expect(inBand(ours[a][k].low, s.low_band, k), "\(alg) step \(k) low")
                #expect(inBand(ours[a][k].high, s.high_band, k), "\(alg) step \(k) high")
            }
        }
    }

    // MARK: Seeds and threads

    @Test func intervalsAreBitIdenticalAcrossThreadCountsAndSeededIndependently() throws {
        let fx = try RliableFixture.load("skew_5runs")
        let names = fx.algorithms.map(\.name)
        func run(_ seed: UInt64, threads: Int, names: [String]) -> [[AggregateMetric: IntervalEstimate]] {
            aggregateIntervals(names.map(fx.matrix), labels: names, options: BootstrapOptions(reps: 3000, seed: seed, threads: threads))
        }
        let serial = run(5, threads: 1, names: names)
        #expect(run(5, threads: 2, names: names) == serial)
        #expect(run(5, threads: 7, names: names) == serial)
        #expect(run(6, threads: 2, names: names) != serial)
        // An algorithm's intervals do not depend on the other algorithms in the file.
        #expect(run(5, threads: 2, names: [names[1]])[0] == serial[1])
    }

    @Test func stratifiedResamplingIsWhatTheIntervalsMeasure() {
        // One run per task: every stratified resample is the data itself, so each interval
        // collapses to the point estimate (a bootstrap that mixed tasks would not).
        let m = ScoreMatrix(rows: [[0.1, 0.9, 0.4, 2.0]])
        let r = aggregateIntervals([m], labels: ["one"], options: BootstrapOptions(reps: 1000, seed: 1))[0]
        for metric in AggregateMetric.allCases {
            #expect(r[metric]!.low == r[metric]!.estimate && r[metric]!.high == r[metric]!.estimate, "\(metric)")
        }
    }
}
