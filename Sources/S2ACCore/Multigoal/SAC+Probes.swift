import Foundation

extension SAC: CriticProbe, ParticleProbe, EntropyProbe {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        critics.minQ(observations, actions).reshaped([observations.shape[0], 1])
    }

    /// `count` actions drawn from the squashed Gaussian at the state.
    public func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float] {
        withNoGrad {
            let s = repeatRows(Tensor(observation, shape: [1, observationDimension]), count)
            let xi = Tensor(gaussianNoise(rows: count, dimension: actionDimension, using: &rng), shape: [count, actionDimension])
            return actor.sample(s, noise: xi).action.scalars
        }
    }

    /// `-mean log pi(a|s)` over `samples` actions per state (tanh correction included).
    public func probeEntropy(observations: Tensor<Float>, samples: Int, using rng: inout Xoshiro256) -> [Double] {
        withNoGrad {
            let n = observations.shape[0]
            let s = repeatRows(observations, samples)
            let xi = Tensor(gaussianNoise(rows: n * samples, dimension: actionDimension, using: &rng),
                            shape: [n * samples, actionDimension])
            let lp = actor.sample(s, noise: xi).logProb.scalars
            return (0..<n).map { i in -lp[(i * samples)..<((i + 1) * samples)].reduce(0) { $0 + Double($1) } / Double(samples) }
        }
    }
}
