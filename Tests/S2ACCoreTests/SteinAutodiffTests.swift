import Foundation
import Testing
@testable import S2ACCore

/// Thm 3.3 and the exact Jacobian against the autodiff engine: the SVGD step of Eq. 1 written
/// as tensor operations (score by a first backward pass with `createGraph`), its per-particle
/// Jacobian by one vector-Jacobian product per output coordinate.
@Suite struct SteinAutodiffTests {
    /// Eq. 1 on tensors; `includeSelf == false` leaves j = i out and divides by m - 1.
    static func steinDirection(_ x: Tensor<Double>, means: Tensor<Double>, std: Double, sigma: Double,
                               includeSelf: Bool) -> Tensor<Double> {
        let m = x.shape[0], d = x.shape[1], k = means.shape[0]
        let diff = x.reshaped([m, 1, d]) - means.reshaped([1, k, d])
        let logp = (diff.square().sum(axis: 2) * (-0.5 / (std * std))).logSumExp(axis: 1)
        let score = grad(of: logp.sum(), wrt: [x], createGraph: true)[0]
        let pair = x.reshaped([m, 1, d]) - x.reshaped([1, m, d])           // a_i - a_j
        var kernel = (pair.square().sum(axis: 2) * (-0.5 / (sigma * sigma))).exp()
        if !includeSelf {
            var offDiagonal = [Double](repeating: 1, count: m * m)
            for i in 0..<m { offDiagonal[i * m + i] = 0 }
            kernel = kernel * Tensor(offDiagonal, shape: [m, m])
        }
        let drive = kernel.matmul(score)
        let repulsion = (kernel.reshaped([m, m, 1]) * pair).sum(axis: 1) / (sigma * sigma)
        return (drive + repulsion) / Double(includeSelf ? m : m - 1)
    }

    /// Rows of d h_i / d a_i for every particle i, row-major d x d each.
    static func jacobians(_ h: Tensor<Double>, _ x: Tensor<Double>) -> [[Double]] {
        let m = x.shape[0], d = x.shape[1]
        var out = [[Double]](repeating: [Double](repeating: 0, count: d * d), count: m)
        for i in 0..<m {
            for p in 0..<d {
                var seed = [Double](repeating: 0, count: m * d)
                seed[i * d + p] = 1
                let row = grad(of: h, wrt: [x], seed: Tensor(seed, shape: [m, d]))[0].scalars
                for q in 0..<d { out[i][p * d + q] = row[i * d + q] }
            }
        }
        return out
    }

    @Test(arguments: [Bandwidth.fixed(1.7), .forth])
    func closedFormEqualsTheTraceOfTheAutodiffJacobian(bandwidth: Bandwidth) throws {
        var trng = SeedTree(seed: 21).stream(.target)
        let target = try GaussianMixture.circle(components: 3, dimension: 3, std: 1.2, using: &trng)
        let m = 7, d = 3, eps = 0.3
        var rng = SeedTree(seed: 4).stream(.particleInit)
        var x0 = [Double](repeating: 0, count: m * d)
        rng.fillGaussian(&x0, mean: 0.3, std: 1.5)
        let logQ0 = [Double](repeating: 0, count: m)
        let sampler = ParticleSampler(target: target, settings: SamplerSettings(kind: .svgd, stepSize: eps, bandwidth: bandwidth),
                                      initial: x0, initialLogDensity: logQ0, using: &rng)
        sampler.step(using: &rng)
        let ll = sampler.logLikelihoods()
        let means = Tensor(target.means, shape: [3, d])
        let x = Tensor(x0, shape: [m, d], requiresGrad: true)
        let full = Self.jacobians(Self.steinDirection(x, means: means, std: 1.2, sigma: sampler.lastSigma, includeSelf: true), x)
        let selfOut = Self.jacobians(Self.steinDirection(x, means: means, std: 1.2, sigma: sampler.lastSigma, includeSelf: false), x)
        for i in 0..<m {
            let trace = (0..<d).reduce(0.0) { $0 + full[i][$1 * d + $1] }
            let traceSelfOut = (0..<d).reduce(0.0) { $0 + selfOut[i][$1 * d + $1] }
            var map = full[i].map { eps * $0 }
            for c in 0..<d { map[c * d + c] += 1 }
            #expect(abs(-ll.closedFormAuthors[i] - eps * traceSelfOut) < 1e-10)
            #expect(abs(-ll.trace[i] - eps * trace) < 1e-10)
            #expect(abs(-ll.logDeterminant[i] - logAbsDeterminant(map, order: d)) < 1e-10)
        }
    }
}
