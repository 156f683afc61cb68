import Foundation

extension S2ACPhiTheta: CriticProbe, ParticleProbe, EntropyProbe, InitialDistributionProbe {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        critics.minQ(observations, actions)
    }

    /// The m final particles of one sampler run at the state (`count` is the agent's own m).
    public func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float] {
        let s = Tensor(observation, shape: [1, observationDimension])
        let xi = truncatedNoise(rows: config.particles, using: &rng)
        return sample(observations: s, xi: xi, differentiable: false).actions.scalars
    }

    public func probeEntropy(observations: Tensor<Float>, samples: Int, using rng: inout Xoshiro256) -> [Double] {
        steinEntropy(observations: observations, samples: samples, particles: config.particles) { s in
            let xi = truncatedNoise(rows: s.shape[0] * config.particles, using: &rng)
            return sample(observations: s, xi: xi, differentiable: false).logProb.scalars
        }
    }

    public func probeInitialDistribution(observations: Tensor<Float>) -> (mean: [Float], std: [Float]) {
        withNoGrad {
            let (mu, sigma) = initialDistribution(observations)
            return (mu.scalars, sigma.scalars)
        }
    }
}
