import Foundation

// The entropy is exact for the flow policy: the Gaussian density, minus the flows'
// log-determinants, minus the tanh correction.
extension SACNF: CriticProbe, ParticleProbe, EntropyProbe, SampledPolicyProbes {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        critics.minQ(observations, actions).reshaped([observations.shape[0], 1])
    }

    func policySample(_ s: Tensor<Float>, noise xi: Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>) {
        actor.sample(s, noise: xi)
    }
}
