import Foundation

// The critics, the SVGD sampler and q0 are S2AC(phi,theta)'s; f_psi only selects test actions
// (its samples appear in the amortized test episodes, not here).
extension S2ACPhiThetaPsi: CriticProbe, ParticleProbe, EntropyProbe, InitialDistributionProbe {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        phiTheta.probeQ(observations: observations, actions: actions)
    }

    public func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float] {
        phiTheta.probeParticles(at: observation, count: count, using: &rng)
    }

    public func probeEntropy(observations: Tensor<Float>, samples: Int, using rng: inout Xoshiro256) -> [Double] {
        phiTheta.probeEntropy(observations: observations, samples: samples, using: &rng)
    }

    public func probeInitialDistribution(observations: Tensor<Float>) -> (mean: [Float], std: [Float]) {
        phiTheta.probeInitialDistribution(observations: observations)
    }
}
