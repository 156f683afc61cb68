import Foundation
import Testing
import S2ACCore

/// The S2AC presets' readings of Tables 3-4 that are not checked elsewhere.
@Suite struct S2ACPresetTests {
    /// S2AC(phi)'s fixed q0: the tables' N(0, 0.3 I) (multigoal) and N(0, 0.5 I) (MuJoCo) are
    /// covariances in `paper`, as the paper's N(mu, c I) is elsewhere (Fig 4a's N(0, 6 I)); the
    /// authors' code samples with std 0.5. The particles S2AC(phi) starts from have that spread.
    @Test func paperReadsQ0AsACovariance() throws {
        for (env, variance) in [("Multigoal", 0.3), ("Hopper-v4", 0.5)] {
            let paper = TrainRunConfig.s2acConfig(preset: "paper", env: env, alpha: nil, actionLimit: 1)
            #expect(Swift.abs(paper.sigmaP0 * paper.sigmaP0 - variance) < 1e-15, "\(env)")
            // One SVGD step of size 0 leaves a0 = sigma_p0 xi: its sample variance.
            var config = paper
            config.criticHidden = [8, 8]; config.particles = 4; config.stepsPhi = 1; config.stepSize = 0
            var rng = Xoshiro256(seed: 4)
            let agent = try S2ACPhi(observationDimension: 2, actionDimension: 2, config: config, using: &rng)
            let n = 4000
            var xi = [Float](repeating: 0, count: n * 4 * 2)
            rng.fillGaussian(&xi)
            let out = agent.sample(observations: Tensor<Float>.zeros([n, 2]), xi: xi)
            let u = out.preSquash.scalars.map(Double.init)
            let spread = u.map { $0 * $0 }.reduce(0, +) / Double(u.count)
            #expect(Swift.abs(spread - variance) < 0.02, "\(env): variance of q0's particles \(spread)")
        }
        let code = TrainRunConfig.s2acConfig(preset: "authors-code", env: "Multigoal", alpha: nil, actionLimit: 1)
        #expect(code.sigmaP0 == 0.5)
    }
}
