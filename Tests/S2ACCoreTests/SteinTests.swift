import Foundation
import Testing
@testable import S2ACCore

/// The per-particle Jacobian of a direction field `h_i(a)` with respect to a_i (others fixed),
/// by central differences; row-major d x d.
func centralJacobian(particle i: Int, dimension d: Int, particles: [Double], step: Double = 1e-5,
                     _ direction: ([Double]) -> [Double]) -> [Double] {
    var jac = [Double](repeating: 0, count: d * d)
    for q in 0..<d {
        var p = particles, n = particles
        p[i * d + q] += step; n[i * d + q] -= step
        let hp = direction(p), hn = direction(n)
        for r in 0..<d { jac[r * d + q] = (hp[i * d + r] - hn[i * d + r]) / (2 * step) }
    }
    return jac
}

func initialCloud(_ m: Int, _ d: Int, seed: UInt64, std: Double = 1.5) -> [Double] {
    var rng = SeedTree(seed: seed).stream(.particleInit)
    var x = [Double](repeating: 0, count: m * d)
    rng.fillGaussian(&x, mean: 0.3, std: std)
    return x
}

@Suite struct SteinTests {
    @Test func logDeterminantOfKnownMatrices() {
        // Triangular: the product of the diagonal; a permutation changes only the sign.
        #expect(abs(logAbsDeterminant([2, 0, 0, 5, -3, 0, 1, 7, 0.5], order: 3) - log(3.0)) < 1e-14)
        #expect(abs(logAbsDeterminant([0, 1, 0, 0, 0, 2, 3, 0, 0], order: 3) - log(6.0)) < 1e-14)
        #expect(abs(logAbsDeterminant([4, 3, 6, 3], order: 2) - log(6.0)) < 1e-14)
        #expect(logAbsDeterminant([1, 2, 2, 4], order: 2) == -.infinity)
        // Orders on both sides of the switch to LAPACK: A = P L U with unit-lower L and known
        // diag(U), so log|det A| = sum log|U_kk|.
        for n in [5, 40, 100] {
            var rng = SeedTree(seed: UInt64(n)).stream(.evaluation)
            var l = [Double](repeating: 0, count: n * n), u = l
            var expected = 0.0
            for r in 0..<n {
                l[r * n + r] = 1
                for c in 0..<r { l[r * n + c] = rng.nextUniform(-1, 1) / Double(n) }  // well conditioned
                u[r * n + r] = rng.nextUniform(0.5, 2) * (r % 3 == 0 ? -1 : 1)
                expected += log(abs(u[r * n + r]))
                for c in (r + 1)..<max(r + 1, n) { u[r * n + c] = rng.nextUniform(-1, 1) }
            }
            var a = [Double](repeating: 0, count: n * n)
            for r in 0..<n { for c in 0..<n { for k in 0..<n { a[((r * 7) % n) * n + c] += l[r * n + k] * u[k * n + c] } } }
            if n % 7 != 0 { #expect(abs(logAbsDeterminant(a, order: n) - expected) < 1e-9 * Double(n)) }
        }
    }

    @Test func bandwidthRulesFollowTheAuthorsStatistics() throws {
        // Three points on a line at 0, 1, 3: squared distances {0,0,0,1,1,4,4,9,9}.
        let pts: [Double] = [0, 1, 3]
        var r2 = [Double](repeating: 0, count: 9)
        pts.withUnsafeBufferPointer { p in r2.withUnsafeMutableBufferPointer { squaredDistances(p.baseAddress!, count: 3, dimension: 1, into: $0.baseAddress!) } }
        #expect(r2.sorted() == [0, 0, 0, 1, 1, 4, 4, 9, 9])
        let logTerm = 2 * log(4.0)
        let rule = { (b: Bandwidth) in r2.withUnsafeBufferPointer { rbfBandwidth(b, squaredDistances: $0, particleCount: 3) } }
        #expect(abs(rule(.median) - (1 / logTerm).squareRoot()) < 1e-15)
        #expect(abs(rule(.quantile25) - 0) < 1e-15)   // sorted[floor(0.25 * 8)] = sorted[2] = 0
        #expect(abs(rule(.mean) - (28.0 / 9 / logTerm).squareRoot()) < 1e-15)
        #expect(abs(rule(.forth) - (14.0 / 9 / logTerm).squareRoot()) < 1e-15)
        #expect(abs(rule(.paperTable3) - 28 / (4 * (2 * log(3.0) + 1))) < 1e-14)
        #expect(rule(.fixed(5)) == 5)
        #expect(try Bandwidth(parsing: "forth") == .forth)
        #expect(try Bandwidth(parsing: "7") == .fixed(7))
        #expect(throws: InputError.self) { _ = try Bandwidth(parsing: "-1") }
    }

    /// A Gaussian start moved by a linear map stays Gaussian: after L steps of DLD on a
    /// Gaussian target, `a^L = B^L a^0 + c_L` with `B = I - eps P`. The exact log-det path must
    /// give the pushed-forward Gaussian's density at every particle.
    @Test func exactLogDeterminantPathReproducesALinearMapsDensity() throws {
        let target = try Gaussian(mean: [-0.69, 0.80], covariance: [1.13, 0.82, 0.82, 3.39])
        let eps = 0.5, steps = 7, m = 6, v0 = 6.0
        let spec = EntropyRunSpec(target: target, initialMean: 0, initialVariance: v0,
                                  sampler: SamplerSettings(kind: .dld, stepSize: eps), particles: m, steps: steps)
        var rng = SeedTree(seed: 1).stream(.particleInit)
        let run = try runEntropyExperiment(spec, using: &rng)
        // B and the pushforward N(mu_L, Sigma_L) computed independently, in 2x2 arithmetic.
        let p = target.precision
        let b = [1 - eps * p[0], -eps * p[1], -eps * p[2], 1 - eps * p[3]]
        func mul(_ x: [Double], _ y: [Double]) -> [Double] {
            [x[0] * y[0] + x[1] * y[2], x[0] * y[1] + x[1] * y[3], x[2] * y[0] + x[3] * y[2], x[2] * y[1] + x[3] * y[3]]
        }
        var mu = [0.0, 0.0], cov = [v0, 0, 0, v0]
        let c = [eps * (p[0] * -0.69 + p[1] * 0.80), eps * (p[2] * -0.69 + p[3] * 0.80)]
        for _ in 0..<steps {
            mu = [b[0] * mu[0] + b[1] * mu[1] + c[0], b[2] * mu[0] + b[3] * mu[1] + c[1]]
            cov = mul(mul(b, cov), [b[0], b[2], b[1], b[3]])
        }
        cov[1] = 0.5 * (cov[1] + cov[2]); cov[2] = cov[1]
        let pushed = try Gaussian(mean: mu, covariance: cov)
        var expectedLogQ = 0.0
        for i in 0..<m { expectedLogQ += pushed.logDensity(at: Array(run.finalParticles[(2 * i)..<(2 * i + 2)])) }
        #expect(abs(run.final.logDeterminant - (-expectedLogQ / Double(m))) < 1e-10)
        // The trace of Eq. 10 is only first order in eps and must differ here (eps |P| is not small).
        #expect(abs(run.final.trace - run.final.logDeterminant) > 0.1)
    }

    /// For SVGD the sampler's exact log|det(I + eps grad h_i)| (assembled from the closed-form
    /// Jacobian) must equal the log-det of the central-difference Jacobian of Eq. 1; the Eq. 10
    /// trace must equal its trace; Thm 3.3 with 1/(m-1) must equal the trace of the Jacobian of
    /// the self-excluded direction (the authors' `phi_log_prob`); Thm 3.3 with 1/m must equal
    /// the trace less the self term `Tr(Hess log p(a_i)) / m`.
    @Test(arguments: [Bandwidth.fixed(1.7), .forth, .median])
    func svgdEstimatorsMatchCentralDifferenceJacobians(bandwidth: Bandwidth) throws {
        var trng = SeedTree(seed: 21).stream(.target)
        let target = try GaussianMixture.circle(components: 3, dimension: 3, std: 1.2, using: &trng)
        let m = 7, d = 3, eps = 0.3
        let x0 = initialCloud(m, d, seed: 4)
        var logQ0 = [Double](repeating: 0, count: m)
        for i in 0..<m { logQ0[i] = Double(i) * 0.1 }
        var rng = SeedTree(seed: 1).stream(.particleInit)
        let sampler = ParticleSampler(target: target, settings: SamplerSettings(kind: .svgd, stepSize: eps, bandwidth: bandwidth),
                                      initial: x0, initialLogDensity: logQ0, using: &rng)
        sampler.step(using: &rng)
        let sigma = sampler.lastSigma
        let ll = sampler.logLikelihoods()
        // The step itself: a^1 = a^0 + eps h(a^0).
        let h = steinDirection(target: target, particles: x0, sigma: sigma)
        for k in 0..<(m * d) { #expect(abs(sampler.particles[k] - (x0[k] + eps * h[k])) < 1e-13) }
        for i in 0..<m {
            let jac = centralJacobian(particle: i, dimension: d, particles: x0) { steinDirection(target: target, particles: $0, sigma: sigma) }
            let jacSelfOut = centralJacobian(particle: i, dimension: d, particles: x0) {
                steinDirection(target: target, particles: $0, sigma: sigma, includeSelf: false)
            }
            var map = jac.map { eps * $0 }
            for c in 0..<d { map[c * d + c] += 1 }
            let trace = (0..<d).reduce(0.0) { $0 + jac[$1 * d + $1] }
            let traceSelfOut = (0..<d).reduce(0.0) { $0 + jacSelfOut[$1 * d + $1] }
            let hess = target.hessian(at: Array(x0[(i * d)..<(i * d + d)]))
            let trHess = (0..<d).reduce(0.0) { $0 + hess[$1 * d + $1] }
            #expect(abs((logQ0[i] - ll.logDeterminant[i]) - logAbsDeterminant(map, order: d)) < 1e-8)
            #expect(abs((logQ0[i] - ll.trace[i]) - eps * trace) < 1e-8)
            #expect(abs((logQ0[i] - ll.closedFormAuthors[i]) - eps * traceSelfOut) < 1e-8)
            #expect(abs((logQ0[i] - ll.closedFormPaper[i]) - eps * (trace - trHess / Double(m))) < 1e-8)
        }
    }

    @Test func langevinAndHMCJacobiansUseTheHessian() throws {
        var trng = SeedTree(seed: 2).stream(.target)
        let target = try GaussianMixture.circle(components: 2, dimension: 2, std: 1, using: &trng)
        let m = 4, d = 2, eps = 0.4
        let x0 = initialCloud(m, d, seed: 9)
        for kind in [SamplerKind.dld, .sgld, .hmc] {
            var rng = SeedTree(seed: 3).stream(.particleInit)
            let sampler = ParticleSampler(target: target, settings: SamplerSettings(kind: kind, stepSize: eps, noiseStd: 0.3),
                                          initial: x0, initialLogDensity: [Double](repeating: 0, count: m), using: &rng)
            sampler.step(using: &rng)
            let ll = sampler.logLikelihoods()
            let scale = kind == .hmc ? eps * eps / 2 : eps
            for i in 0..<m {
                let hess = target.hessian(at: Array(x0[(i * d)..<(i * d + d)]))
                var map = hess.map { scale * $0 }
                map[0] += 1; map[3] += 1
                #expect(abs(-ll.logDeterminant[i] - logAbsDeterminant(map, order: d)) < 1e-12)
                #expect(abs(-ll.trace[i] - scale * (hess[0] + hess[3])) < 1e-12)
                #expect(ll.closedFormPaper[i] == 0)
            }
            #expect(sampler.entropyEstimates().closedFormAuthors.isNaN)
        }
    }

    @Test func runsAreBitReproducible() throws {
        let target = try Gaussian(mean: [-0.69, 0.80], covariance: [1.13, 0.82, 0.82, 3.39])
        for kind in SamplerKind.allCases {
            let spec = EntropyRunSpec(target: target, initialMean: 0, initialVariance: 6,
                                      sampler: SamplerSettings(kind: kind, stepSize: 0.5, noiseStd: 0.3), particles: 10, steps: 5)
            var r1 = SeedTree(seed: 7).stream(.particleInit, index: 3), r2 = r1
            let a = try runEntropyExperiment(spec, using: &r1), b = try runEntropyExperiment(spec, using: &r2)
            #expect(a.finalParticles.map(\.bitPattern) == b.finalParticles.map(\.bitPattern))
            #expect(a.final.trace.bitPattern == b.final.trace.bitPattern)
        }
    }
}
