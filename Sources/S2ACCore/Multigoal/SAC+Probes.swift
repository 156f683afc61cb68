import Foundation

extension SAC: CriticProbe, ParticleProbe, EntropyProbe, SampledPolicyProbes {
    public func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float> {
        critics.minQ(observations, actions).reshaped([observations.shape[0], 1])
    }

    func policySample(_ s: Tensor<Float>, noise xi: Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>) {
        actor.sample(s, noise: xi)
    }
}
