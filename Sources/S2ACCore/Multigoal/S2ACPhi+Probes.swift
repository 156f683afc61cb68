import Foundation

extension S2ACPhi: CriticProbe, ParticleProbe, EntropyProbe {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        critics.minQ(observations, actions)
    }

    /// The m final particles of one sampler run at the state (`count` is the agent's own m).
    public func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float] {
        let s = Tensor(observation, shape: [1, observationDimension])
        return sample(observations: s, xi: noise(rows: config.particles, using: &rng)).actions.scalars
    }

    public func probeEntropy(observations: Tensor<Float>, samples: Int, using rng: inout Xoshiro256) -> [Double] {
        steinEntropy(observations: observations, samples: samples, particles: config.particles) { s in
            sample(observations: s, xi: noise(rows: s.shape[0] * config.particles, using: &rng)).logProb.scalars
        }
    }
}

/// `-mean log q^L` per state over `samples` sampler runs of m particles each: `logProb(s)` runs
/// the sampler at the states `s` ([k, obs]) and returns the m log-likelihoods per row.
func steinEntropy(observations: Tensor<Float>, samples: Int, particles m: Int,
                  logProb: (Tensor<Float>) -> [Float]) -> [Double] {
    let n = observations.shape[0]
    let lp = logProb(repeatRows(observations, samples))          // [n * samples * m]
    let per = samples * m
    return (0..<n).map { i in -lp[(i * per)..<((i + 1) * per)].reduce(0) { $0 + Double($1) } / Double(per) }
}
