import Foundation
import Testing
import S2ACCore

/// Central-difference gradient and Hessian of a scalar function of a point.
func centralGradient(_ f: ([Double]) -> Double, at x: [Double], step: Double = 1e-5) -> [Double] {
    (0..<x.count).map { c in
        var p = x, q = x
        p[c] += step; q[c] -= step
        return (f(p) - f(q)) / (2 * step)
    }
}

@Suite struct TargetTests {
    static let table2 = try! Gaussian(mean: [-0.69, 0.80], covariance: [1.13, 0.82, 0.82, 3.39])

    @Test func gaussianDensityMatchesTheTwoByTwoFormula() {
        // Independent 2x2 formula: det, inverse by cofactors.
        let (a, b, c) = (1.13, 0.82, 3.39)
        let det = a * c - b * b
        let x = [0.3, -1.7], dx = [x[0] + 0.69, x[1] - 0.80]
        let quad = (c * dx[0] * dx[0] - 2 * b * dx[0] * dx[1] + a * dx[1] * dx[1]) / det
        let expected = -log(2 * Double.pi) - 0.5 * log(det) - 0.5 * quad
        #expect(abs(Self.table2.logDensity(at: x) - expected) < 1e-13)
        // Closed-form entropy, 1 + log(2 pi) + 1/2 log det in 2-D; Table 2 rounds it to 3.41.
        let h = Self.table2.exactEntropy!
        #expect(abs(h - (1 + log(2 * Double.pi) + 0.5 * log(det))) < 1e-13)
        #expect(abs(h - 3.41) < 0.005)
    }

    @Test func gaussianScoreAndHessianMatchDifferences() throws {
        let g = try Gaussian(mean: [1, -2, 0.5], covariance: [2, 0.3, -0.2, 0.3, 1, 0.1, -0.2, 0.1, 0.5])
        let x = [0.2, -1.1, 0.9]
        let fd = centralGradient({ g.logDensity(at: $0) }, at: x)
        for (u, v) in zip(g.score(at: x), fd) { #expect(abs(u - v) < 1e-7) }
        let h = g.hessian(at: x)
        for r in 0..<3 {
            let row = centralGradient({ g.score(at: $0)[r] }, at: x)
            for c in 0..<3 { #expect(abs(h[r * 3 + c] - row[c]) < 1e-7) }
        }
    }

    @Test func gaussianGroundTruthEqualsItsClosedFormByMonteCarlo() throws {
        for t in [Self.table2, try Gaussian(mean: [0, 4, 0.3, -0.6, 0.2], std: 2)] {
            var rng = SeedTree(seed: 11).stream(.evaluation)
            let mc = t.monteCarloEntropy(samples: 1_000_000, using: &rng)
            #expect(abs(mc.value - t.exactEntropy!) < 4 * mc.standardError)
            #expect(mc.standardError > 0 && mc.standardError < 0.01)
        }
        let iso = try Gaussian(mean: [0, 0, 0], std: 0.5)
        #expect(abs(iso.exactEntropy! - 1.5 * log(2 * Double.pi * exp(1.0) * 0.25)) < 1e-13)
    }

    @Test func oneComponentMixtureEqualsItsGaussian() throws {
        var rng = SeedTree(seed: 5).stream(.target)
        let mix = try GaussianMixture.circle(components: 1, dimension: 4, std: 1.5, using: &rng)
        let gauss = try Gaussian(mean: mix.means, std: 1.5)
        #expect(Array(mix.means[0..<2]) == [0, 4])
        let x = [0.4, 2.2, -0.3, 1.1]
        #expect(abs(mix.logDensity(at: x) - gauss.logDensity(at: x)) < 1e-12)
        for (u, v) in zip(mix.score(at: x), gauss.score(at: x)) { #expect(abs(u - v) < 1e-12) }
        for (u, v) in zip(mix.hessian(at: x), gauss.hessian(at: x)) { #expect(abs(u - v) < 1e-12) }
        #expect(abs(mix.exactEntropy! - gauss.exactEntropy!) < 1e-12)
        var r1 = SeedTree(seed: 2).stream(.evaluation)
        let mc = mix.monteCarloEntropy(samples: 200_000, using: &r1)
        #expect(abs(mc.value - gauss.exactEntropy!) < 4 * mc.standardError)
    }

    @Test func mixtureScoreAndHessianMatchDifferences() throws {
        var rng = SeedTree(seed: 8).stream(.target)
        let mix = try GaussianMixture.circle(components: 4, dimension: 3, std: 1.3, using: &rng)
        for x in [[0.5, 1.0, -0.2], [2.5, -0.4, 0.7], [-3.0, 0.1, 0.0]] {
            let fd = centralGradient({ mix.logDensity(at: $0) }, at: x)
            for (u, v) in zip(mix.score(at: x), fd) { #expect(abs(u - v) < 1e-7) }
            let h = mix.hessian(at: x)
            for r in 0..<3 {
                let row = centralGradient({ mix.score(at: $0)[r] }, at: x)
                for c in 0..<3 { #expect(abs(h[r * 3 + c] - row[c]) < 1e-7) }
            }
        }
    }

    @Test func wellSeparatedMixtureEntropyIsLogMPlusComponentEntropy() throws {
        // Components 8/0.4 = 20 std apart overlap by less than 1e-80: H = log M + H(component).
        var rng = SeedTree(seed: 3).stream(.target)
        let mix = try GaussianMixture.circle(components: 2, dimension: 2, std: 0.4, using: &rng)
        #expect(mix.exactEntropy == nil)
        var r = SeedTree(seed: 4).stream(.evaluation)
        let mc = mix.monteCarloEntropy(samples: 1_000_000, using: &r)
        let expected = log(2.0) + (1 + log(2 * Double.pi * 0.16))
        #expect(abs(mc.value - expected) < 4 * mc.standardError)
    }

    @Test func projectedMonteCarloAgreesWithDirectSampling() throws {
        for (components, dim) in [(4, 10), (6, 20), (1, 12)] {
            var trng = SeedTree(seed: 30).stream(.target, index: UInt64(dim))
            let mix = try GaussianMixture.circle(components: components, dimension: dim, std: 1, using: &trng)
            var r1 = SeedTree(seed: 31).stream(.evaluation), r2 = SeedTree(seed: 32).stream(.evaluation)
            let direct = mix.monteCarloEntropy(samples: 300_000, using: &r1)
            let projected = mix.projectedMonteCarloEntropy(samples: 300_000, using: &r2)
            let se = (direct.standardError * direct.standardError + projected.standardError * projected.standardError).squareRoot()
            #expect(abs(direct.value - projected.value) < 4 * se)
            if let exact = mix.exactEntropy { #expect(abs(projected.value - exact) < 4 * projected.standardError) }
        }
        // Gamma(a): mean a, variance a.
        var g = SeedTree(seed: 33).stream(.evaluation)
        let draws = (0..<200_000).map { _ in g.nextGamma(shape: 4.5) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(draws.count - 1)
        #expect(abs(mean - 4.5) < 4 * (4.5 / Double(draws.count)).squareRoot())
        #expect(abs(variance - 4.5) < 0.1)
    }

    @Test func badTargetsAreInputErrors() {
        #expect(throws: InputError.self) { _ = try Gaussian(mean: [0, 0], covariance: [1, 2, 2, 1]) }
        #expect(throws: InputError.self) { _ = try Gaussian(mean: [0, 0], covariance: [1, 0.5, 0.4, 1]) }
        #expect(throws: InputError.self) { _ = try Gaussian(mean: [0], std: 0) }
        var rng = SeedTree(seed: 1).stream(.target)
        #expect(throws: InputError.self) { _ = try GaussianMixture.circle(components: 2, dimension: 1, std: 1, using: &rng) }
    }
}
