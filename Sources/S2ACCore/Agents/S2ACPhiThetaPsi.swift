import Foundation

/// The law of the input noise z of the amortized sampler f_psi(s, z).
public enum AmortizedNoise: String, Codable, Sendable, CaseIterable {
    /// z ~ U[0, 1)^d (actor_svgd.py `act`: `torch.rand`).
    case uniform
    /// z ~ N(0, I_d) (the paper is silent; the SQL sampler of Haarnoja et al. 2017, which the
    /// paper follows for the amortized version, draws standard-normal noise).
    case normal
}

/// Settings of the amortized sampler f_psi(s, z) of S2AC(phi,theta,psi) (paper Sec. 5 "Run-time",
/// Appendix K, Alg. 2, Eq. 24-25; code `actor_svgd.py` `amortized_net`). The paper gives no
/// network, learning rate or noise law for f_psi: `paper` takes the actor's values of Table 3.
/// Shared by both presets: ELU hidden layers (the code builds f_psi with the actor's
/// activation), input [s, z], output u with a = actionLimit * tanh(u) (actor_svgd.py), m
/// samples per state in every update (the code repeats each state m times), one psi step per
/// S2AC update (Alg. 2 line 15).
public struct AmortizedSamplerConfig: Codable, Sendable, Equatable {
    /// Preset name written to result files (`paper`, `authors-code`, or a custom label).
    public var preset: String
    /// Hidden sizes of f_psi (paper: the actor's 2 x 256 of Table 3; main.py: actor 3 x 256).
    public var hidden: [Int]
    /// Adam learning rate of psi (paper: Table 3's 3e-4; main.py: psi is in the actor's optimiser, 1e-3).
    public var learningRate: Double
    /// Law of z (paper silent: standard normal as in SQL; actor_svgd.py: U[0, 1)).
    public var noise: AmortizedNoise

    /// The paper's reading (sizes and learning rate of Table 3's actor).
    public static let paper = AmortizedSamplerConfig(preset: "paper", hidden: [256, 256], learningRate: 3e-4, noise: .normal)
    /// The authors' code (main.py, actor_svgd.py `with_amor_infer`).
    public static let authorsCode = AmortizedSamplerConfig(preset: "authors-code", hidden: [256, 256, 256],
                                                           learningRate: 1e-3, noise: .uniform)
}

/// Values of one psi update, exposed for the PyTorch conformance test.
public struct AmortizedUpdateTrace {
    /// The surrogate loss -1/(B m) sum_j Delta_j . f_psi(s, z_j) (Delta held constant).
    public var loss: Float
    /// Delta of Eq. 24 at every amortized sample, [batch * m * d].
    public var direction: [Float]
    /// Gradients of the loss, in `sampler.parameters` order.
    public var gradients: [[Float]]
}

/// S2AC(phi,theta,psi) (Alg. 2): S2AC(phi,theta), trained exactly as that agent, plus a network
/// f_psi(s, z) that learns to mimic its SVGD sampler and replaces it for `.amortized` action
/// selection (one forward pass). Every other selection rule runs S2AC(phi,theta) unchanged.
///
/// psi follows Eq. 24-25 read as amortized SVGD (Wang & Liu 2016; Feng, Wang & Liu 2017; the
/// sampler of SQL, Haarnoja et al. 2017), the reading Appendix K states: "psi is iteratively
/// adjusted so that the network output a = f_psi(s,z) changes along the Stein variational
/// gradient direction" (fitting f_psi to converged SVGD outputs is the alternative the appendix
/// rejects). For state s, the particles of Eq. 24 are f_psi's own m samples, detached:
/// a_i = f_psi(s, z_i), z_i from psi's noise stream, and the direction is evaluated at the same
/// samples:
///   Delta_j = 1/m sum_i [ k(a_i, a_j) grad_a Q(s, a_i) + w grad_{a_i} k(a_i, a_j) ],
///   grad_{a_i} k(a_i, a_j) = 2 gamma k(a_i, a_j) (a_j - a_i),
/// Q = min(Q1, Q2) of the online critics after this update's critic step, k the RBF kernel
/// exp(-gamma |a_i - a_j|^2), gamma = `rbfGamma(sigma)`, sigma from the actor sampler's
/// bandwidth rule over the m x m squared distances of these samples, w = `repulsionWeight`.
/// psi takes an Adam step on the surrogate -1/(B m) sum_{b, j} Delta_j . f_psi(s_b, z_j) with
/// Delta held constant, whose gradient is Eq. 25's -E_z[Delta df/dpsi] averaged over the batch.
/// This is the SVGD step the samples themselves would take towards exp(Q / w), pulled back
/// into psi. The actor's SVGD particles are not used as a_i: the repulsion term would then push
/// f_psi's samples away from the modes the actor found and, once they are far, the kernel
/// weights of the attraction vanish and f_psi drifts to tanh saturation (an earlier version
/// did this and collapsed to corner actions in the quick campaign). That earlier reading is the
/// code's (core.py `compute_loss_pi`: kernel between the actor's particles and f_psi's samples,
/// repulsion weight 1, sum instead of mean over samples), but its branch tests
/// `actor == 'svgd'`, a name main.py never passes: there psi is never trained, and the branch
/// would replace theta's loss. Here theta keeps its own loss and psi has its own optimiser.
///
/// The z of psi's updates come from the agent's own generator (seeded at construction,
/// checkpointed), so the critics and theta train bit for bit as S2AC(phi,theta) with the same
/// seeds and the same training-time selection.
public final class S2ACPhiThetaPsi: OffPolicyAgent {
    public let name = "s2ac-phi-theta-psi"
    /// The S2AC(phi,theta) agent: critics, q0's network and the SVGD sampler.
    public let phiTheta: S2ACPhiTheta
    public let amortized: AmortizedSamplerConfig
    /// f_psi: [s, z] -> u (ELU hidden layers, linear output); a = actionLimit * tanh(u).
    public let sampler: MLP<Float>
    public let samplerOptimizer: Adam<Float>
    /// w of Eq. 24: the temperature of the SVGD target exp(Q / w) the actor's sampler uses, i.e.
    /// `svgdTemperature` (alpha in the paper presets, Eq. 24's alpha; 1 in the code's preset,
    /// whose sampler never uses alpha).
    public let repulsionWeight: Float
    private var updateNoise: Xoshiro256

    public var observationDimension: Int { phiTheta.observationDimension }
    public var actionDimension: Int { phiTheta.actionDimension }
    public var config: S2ACConfig { phiTheta.config }

    public init(observationDimension: Int, actionDimension: Int, config: S2ACConfig = .paper,
                amortized: AmortizedSamplerConfig = .paper, using rng: inout Xoshiro256) throws {
        phiTheta = try S2ACPhiTheta(observationDimension: observationDimension, actionDimension: actionDimension,
                                    config: config, using: &rng)
        self.amortized = amortized
        sampler = MLP(inputs: observationDimension + actionDimension, hidden: amortized.hidden, outputs: actionDimension,
                      activation: .elu, using: &rng)
        samplerOptimizer = Adam(parameters: sampler.parameters, learningRate: amortized.learningRate)
        repulsionWeight = Float(config.svgdTemperature ?? 1)
        updateNoise = Xoshiro256(seed: rng.next())
    }

    /// z for `rows` samples, [rows * d], drawn from `rng` with the configured law.
    public func drawNoise(rows: Int, using rng: inout Xoshiro256) -> [Float] {
        var z = [Float](repeating: 0, count: rows * actionDimension)
        z.withUnsafeMutableBufferPointer { buffer in
            switch amortized.noise {
            case .uniform: rng.fillUniform(buffer)
            case .normal: rng.fillGaussian(buffer)
            }
        }
        return z
    }

    /// a = actionLimit * tanh(f_psi(s, z)) for `observations` [rows, obs] and z [rows * d].
    public func amortizedActions(observations s: Tensor<Float>, noise z: [Float]) -> Tensor<Float> {
        sampler(s, Tensor(z, shape: [s.shape[0], actionDimension])).tanh() * Float(config.actionLimit)
    }

    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        guard selection == .amortized else { return phiTheta.act(observations: observations, selection: selection, using: &rng) }
        let z = drawNoise(rows: observations.shape[0], using: &rng)
        return withNoGrad { amortizedActions(observations: observations.detached(), noise: z) }
    }

    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics {
        let rows = batch.batchSize * config.particles
        // The same draws, in the same order, as S2ACPhiTheta.update(batch:using:).
        let next = phiTheta.truncatedNoise(rows: rows, using: &rng)
        let current = phiTheta.truncatedNoise(rows: rows, using: &rng)
        let z = drawNoise(rows: rows, using: &updateNoise)
        let (t, psi) = update(batch: batch, nextNoise: next, currentNoise: current, samplerNoise: z)
        let entropy = -Double(t.logProbActor.reduce(0, +)) / Double(t.logProbActor.count)
        return UpdateMetrics(criticLoss: Double(t.criticLoss), actorLoss: t.actorLoss.map(Double.init),
                             extra: ["entropy": entropy, "amortized_loss": Double(psi.loss)])
    }

    /// One update with all noise given: S2AC(phi,theta)'s (critics, theta, targets), then psi's
    /// step with z `samplerNoise` ([batch * m * d]).
    public func update(batch: ReplayBatch, nextNoise: [Float], currentNoise: [Float],
                       samplerNoise: [Float]) -> (S2ACUpdateTrace, AmortizedUpdateTrace) {
        let t = phiTheta.update(batch: batch, nextNoise: nextNoise, currentNoise: currentNoise)
        let s = Tensor(batch.observations, shape: [batch.batchSize, observationDimension])
        return (t, updateSampler(observations: s, noise: samplerNoise))
    }

    /// psi's Adam step (Eq. 24-25) at `observations` [batch, obs] with m samples per state from
    /// z `noise` ([batch * m * d]); the direction is the one of the type's comment.
    public func updateSampler(observations: Tensor<Float>, noise: [Float]) -> AmortizedUpdateTrace {
        let m = config.particles, d = actionDimension, n = observations.shape[0] * m
        let states = repeatRows(observations.detached(), m)
        let f = amortizedActions(observations: states, noise: noise)
        let a = f.detached().trackingGrad()
        let score = grad(of: phiTheta.critics.minQ(states, a).sum(), wrt: [a])[0].scalars
        let direction = steinDirection(samples: a.scalars, scores: score)
        let loss = (f * Tensor(direction, shape: [n, d])).sum() * Float(-1.0 / Double(n))
        let params = samplerOptimizer.parameters
        let grads = grad(of: loss, wrt: params)
        for (p, g) in zip(params, grads) { p.grad = g }
        samplerOptimizer.step()
        samplerOptimizer.zeroGrad()
        return AmortizedUpdateTrace(loss: loss.item, direction: direction, gradients: grads.map(\.scalars))
    }

    /// Delta_j of Eq. 24 for every state's block of m samples a ([batch * m * d]) with scores
    /// g = grad_a Q(s, a) ([batch * m * d]): the samples are both the particles a_i and the
    /// points a_j where the direction is evaluated.
    func steinDirection(samples a: [Float], scores g: [Float]) -> [Float] {
        let m = config.particles, d = actionDimension, states = a.count / (m * d)
        let rule = phiTheta.policy.bandwidth
        var out = [Float](repeating: 0, count: a.count)
        var r2 = [Double](repeating: 0, count: m * m)
        var k = [Float](repeating: 0, count: m * m)
        a.withUnsafeBufferPointer { a in
            g.withUnsafeBufferPointer { g in
                out.withUnsafeMutableBufferPointer { out in
                    for b in 0..<states {
                        let block = a.baseAddress! + b * m * d
                        S2ACCore.steinDirection(sources: block, scores: g.baseAddress! + b * m * d, targets: block,
                                                count: m, dimension: d, bandwidth: rule, repulsionWeight: repulsionWeight,
                                                squaredDistances: &r2, kernel: &k, into: out.baseAddress! + b * m * d)
                    }
                }
            }
        }
        return out
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try phiTheta.save(to: try group.createGroup("phi_theta"))
        try sampler.saveParameters(to: try group.createGroup("psi"))
        try samplerOptimizer.save(to: try group.createGroup("psi_optimizer"))
        try group.write("psi_noise_rng", updateNoise.state)
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        let noise = try Xoshiro256(state: group.read("psi_noise_rng", as: UInt64.self).values)
        try phiTheta.load(from: try group.group("phi_theta"))
        try sampler.loadParameters(from: try group.group("psi"))
        try samplerOptimizer.load(from: try group.group("psi_optimizer"))
        updateNoise = noise
    }

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        phiTheta.parameterTensors + sampler.namedParameters.map { ("psi.\($0.name)", $0.tensor) }
    }
}

extension AmortizedSamplerConfig {
    /// The range of every field (`train --set` and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        c.widths(hidden, p + ".hidden")
        c.learningRate(learningRate, p + ".learningRate")
    }
}
