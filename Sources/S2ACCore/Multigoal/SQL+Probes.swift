import Foundation

// SQL has no entropy estimate: its policy is defined only through samples of f(s, xi), which is
// the paper's point (section 2); the entropy maps list it as unavailable.
extension SQL: CriticProbe, ParticleProbe {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        critics.minQ(observations, actions)
    }

    /// `count` samples of the amortized sampler at the state.
    public func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float] {
        withNoGrad {
            let s = repeatRows(Tensor(observation, shape: [1, observationDimension]), count)
            return sample(s, xi: uniformNoise(rows: count, using: &rng)).scalars
        }
    }
}
