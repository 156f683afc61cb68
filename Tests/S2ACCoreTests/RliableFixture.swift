import Foundation
import S2ACCore

/// One fixture written by scripts/reference/rliable_fixture.py (pinned rliable 1.2.0).
struct RliableFixture: Decodable {
    struct Algorithm: Decodable { let name: String; let rows: [[Double]] }
    /// rliable's interval endpoints across bootstrap seeds (mean, sd) and the Monte Carlo band
    /// each endpoint falls in (`[lowest..., highest...]`, one entry per statistic).
    struct Spread: Decodable {
        let low_mean: [Double]; let low_sd: [Double]; let high_mean: [Double]; let high_sd: [Double]
        let low_band: [[Double]]; let high_band: [[Double]]
    }
    struct Aggregate: Decodable { let reps: Int; let seeds: Int; let metrics: [String]; let by_algorithm: [String: Spread] }
    struct Pair: Decodable {
        let x: String, y: String, estimate: Double
        let low_mean: Double, low_sd: Double, high_mean: Double, high_sd: Double
        let low_band: [Double], high_band: [Double]
    }
    struct Poi: Decodable { let reps: Int; let seeds: Int; let pairs: [Pair] }
    struct Profile: Decodable {
        let estimate: [Double]; let low_mean: [Double]; let low_sd: [Double]; let high_mean: [Double]; let high_sd: [Double]
        let low_band: [[Double]]; let high_band: [[Double]]
    }
    struct Profiles: Decodable { let taus: [Double]; let reps: Int; let seeds: Int; let by_algorithm: [String: [String: Profile]] }
    struct Curve: Decodable {
        let scores: [[[Double]]]; let iqm: [Double]
        let low_band: [[Double]]; let high_band: [[Double]]
    }
    struct Curves: Decodable { let steps: [Double]; let reps: Int; let seeds: Int; let by_algorithm: [String: Curve] }

    let name: String
    let confidence: Double
    let algorithms: [Algorithm]
    let points: [String: [String: Double]]
    let aggregate_intervals: Aggregate
    let poi: Poi
    let profiles: Profiles
    let curves: Curves?

    static let names = ["ties_3runs", "skew_5runs", "normal_10runs", "curve_5runs"]

    static func load(_ name: String) throws -> RliableFixture {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/rliable") else {
            throw InputError("missing fixture \(name).json")
        }
        return try JSONDecoder().decode(RliableFixture.self, from: Data(contentsOf: url))
    }

    func matrix(_ name: String) -> ScoreMatrix { ScoreMatrix(rows: algorithms.first { $0.name == name }!.rows) }
}

/// Whether `value` lies in rliable's Monte Carlo band `[band[0][k], band[1][k]]`: the pooled
/// quantiles, over all the script's bootstrap seeds, at alpha -+ 4 sqrt(alpha (1 - alpha) / reps),
/// where a percentile endpoint from `reps` replicates falls unless the bootstraps differ.
func inBand(_ value: Double, _ band: [[Double]], _ k: Int) -> Bool {
    band[0][k] - 1e-12 <= value && value <= band[1][k] + 1e-12
}

func inBand(_ value: Double, _ band: [Double]) -> Bool { inBand(value, [[band[0]], [band[1]]], 0) }
