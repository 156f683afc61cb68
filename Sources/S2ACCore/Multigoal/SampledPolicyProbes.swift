import Foundation

/// Probes of a policy known through reparameterised samples a = g(s, xi), xi ~ N(0, I), with
/// an exact log-density (SAC's squashed Gaussian, SAC-NF's flow).
protocol SampledPolicyProbes: Agent {
    /// Actions and their log-density for states `s` [n, obs] and noise `xi` [n, d].
    func policySample(_ s: Tensor<Float>, noise xi: Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>)
}

extension SampledPolicyProbes {
    /// `count` actions drawn from the policy at the state.
    public func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float] {
        withNoGrad {
            let s = repeatRows(Tensor(observation, shape: [1, observationDimension]), count)
            return policySample(s, noise: gaussian(rows: count, using: &rng)).action.scalars
        }
    }

    /// `-mean log pi(a|s)` over `samples` actions per state (tanh correction included).
    public func probeEntropy(observations: Tensor<Float>, samples: Int, using rng: inout Xoshiro256) -> [Double] {
        withNoGrad {
            let n = observations.shape[0]
            let lp = policySample(repeatRows(observations, samples), noise: gaussian(rows: n * samples, using: &rng)).logProb.scalars
            return (0..<n).map { i in -lp[(i * samples)..<((i + 1) * samples)].reduce(0) { $0 + Double($1) } / Double(samples) }
        }
    }

    private func gaussian(rows: Int, using rng: inout Xoshiro256) -> Tensor<Float> {
        Tensor(gaussianNoise(rows: rows, dimension: actionDimension, using: &rng), shape: [rows, actionDimension])
    }
}
