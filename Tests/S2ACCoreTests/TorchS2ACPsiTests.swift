import Foundation
import Testing
import S2ACCore

/// S2AC(phi,theta,psi) against scripts/reference/torch_s2ac.py: one full update (the
/// S2AC(phi,theta) part, then psi's Eq. 24-25 step, the Stein direction at f_psi's own detached
/// samples) under both presets: losses, the direction, every gradient and every parameter
/// (psi's included) after the update.
@Suite struct TorchS2ACPsiTests {
    @Test func s2acPhiThetaPsiMatchesPyTorch() throws {
        let f = try S2ACFixture.load()
        let cases = f.cases.filter { $0.agent == "s2ac-phi-theta-psi" }
        #expect(cases.count == 2)
        for c in cases {
            let amortized = try #require(c.amortized)
            var rng = Xoshiro256(seed: 1)
            let agent = try S2ACPhiThetaPsi(observationDimension: f.sizes.obs, actionDimension: f.sizes.act,
                                            config: c.config, amortized: amortized, using: &rng)
            let p = agent.phiTheta
            let actor = p.trunk.parameters + p.meanHead.parameters + p.logStdHead.parameters
            let (batch, next, current, z) = TorchS2ACTests.setUpWithSamplerNoise(
                c, f.sizes, networks: [p.critics.q1.parameters, p.critics.q2.parameters, actor, agent.sampler.parameters],
                critics: p.critics)
            let (t, psi) = agent.update(batch: batch, nextNoise: next, currentNoise: current, samplerNoise: z)
            // Losses, critic and actor gradients, and every parameter (psi's included) after the update.
            TorchS2ACTests.compare(t, c, params: agent.parameterTensors.map(\.tensor))
            let label = "s2ac-phi-theta-psi \(c.config.preset)"
            let lossError = relativeError([psi.loss], [try #require(c.psiLoss)])
            let directionError = relativeError(psi.direction, try #require(c.psiDirection))
            let expected = try #require(c.psiGrads)
            #expect(psi.gradients.count == expected.count)
            let gradientErrors = zip(psi.gradients, expected).map { relativeError($0, $1) }
            print("TorchS2AC \(label) max relative errors: psi_loss=\(String(format: "%.2e", lossError))",
                  "psi_direction=\(String(format: "%.2e", directionError))",
                  "psi_grads=\(String(format: "%.2e", gradientErrors.max() ?? .nan))")
            #expect(lossError < TorchS2ACTests.tolerance, "\(label) psi loss")
            #expect(directionError < TorchS2ACTests.tolerance, "\(label) Eq. 24 direction")
            for (k, e) in gradientErrors.enumerated() { #expect(e < TorchS2ACTests.tolerance, "\(label) psi gradient \(k)") }
        }
    }
}
