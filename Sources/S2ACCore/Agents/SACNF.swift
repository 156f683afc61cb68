import Foundation

// SAC-NF (Mazoure, Doan, Durand, Pineau, Hjelm, "Leveraging exploration in off-policy
// algorithms via normalizing flows", CoRL 2019 / PMLR 2020): SAC whose policy pushes its
// Gaussian sample through a normalizing flow before the tanh squashing. The S2AC paper uses it
// as a baseline on multigoal (Fig 6-7, 12-16) and MuJoCo (Fig 8), without giving its settings.
//
// Which flow. The SAC-NF paper builds on Rezende & Mohamed's flows; its public PyTorch code
// (module `model.py`, read through a derived copy whose header says it was copied from the
// SAC-NF code; the original repository was not available to us) has `--flow_family` planar or
// radial with default `radial`, `--n_flows` default 2, and IAF only through an optional
// external package. Its `NormalizingFlowPolicy` draws u0 = mu(s) + sigma(s) xi, applies
// `n_flows` radial layers whose parameters are plain tensors (not functions of the state), then
// tanh; `log pi = log N(u0) - sum_k log|det J_k| - sum log(1 - a^2)`. It trains the Gaussian
// part and the flow with two Adam optimisers (`lr` and `actor_lr`) on the same loss. The paper's
// text available to us (abstract and introduction) does not fix the flow; its per-environment
// settings were not readable here. The S2AC paper's Fig 8j also names an "IAF" baseline; we
// implement the radial SAC-NF only.
//
// What we implement: K = `flowLayers` (default 2) radial layers (Rezende & Mohamed 2015)
//   z' = z + beta h(alpha, r) (z - z0),  r = |z - z0|,  h = 1 / (alpha + r),  alpha = exp(log_alpha),
//   log|det dz'/dz| = (d - 1) log|1 + beta h| + log|1 + beta alpha h^2|
// (the second factor is the code's 1 + beta h + beta h' r with h' = -h^2), each layer with its
// own z0 [1, d], log_alpha [1], beta [1], shared across states, initialised U(-b, b) with
// b = 0.01 as in the code; beta is not constrained to beta >= -alpha (the code does not either).
// Differences from that code, all deliberate: log sigma comes from the actor trunk as in our SAC
// (the code maps the state linearly to log sigma); the tanh correction is the exact softplus
// form (the code adds 1e-7 inside log(1 - a^2)); the flow log-determinant has no 1e-7 either.

/// SAC-NF's settings: the SAC part (`sac`) and the flow. `paper` = the S2AC paper's SAC
/// settings (it gives none for SAC-NF) with the SAC-NF code's flow; `authorsCode` = the
/// SAC-NF code's own defaults, since the S2AC authors' code has no SAC-NF.
public struct SACNFConfig: Codable, Equatable, Sendable {
    /// Networks, learning rates of the critics and of the Gaussian part of the policy, batch,
    /// discount, temperatures, Polyak rate, replay size and log sigma clamp, as for SAC.
    public var sac: SACConfig
    /// Radial flow layers between the Gaussian sample and the tanh (SAC-NF code `--n_flows`: 2).
    public var flowLayers: Int
    /// Adam learning rate of the flow parameters (SAC-NF code `--actor_lr`: 3e-4).
    public var flowLearningRate: Double
    /// Half-width of the uniform initialisation of z0, log_alpha and beta (SAC-NF code: 0.01).
    public var flowInitBound: Double

    /// The S2AC paper's SAC settings (Tables 3-4, multigoal discount 0.8) and the SAC-NF code's
    /// flow (2 radial layers, learning rate 3e-4); the S2AC paper states no SAC-NF settings.
    public static func paper(envID: String) -> SACNFConfig {
        SACNFConfig(sac: .paper(envID: envID), flowLayers: 2, flowLearningRate: 3e-4, flowInitBound: 0.01)
    }

    /// The SAC-NF code's `main.py` defaults as found in the derived copy named in the file
    /// comment (the S2AC authors' code has no SAC-NF): one hidden layer of 256 for the policy,
    /// 2 x 256 critics, learning rates 3e-4, batch 256, alpha 0.05, gamma 0.99, tau 0.005,
    /// 2 radial layers.
    public static var authorsCode: SACNFConfig {
        SACNFConfig(sac: SACConfig(criticHidden: [256, 256], actorHidden: [256], activation: .relu,
                                   criticLearningRate: 3e-4, actorLearningRate: 3e-4, batchSize: 256, gamma: 0.99,
                                   alphaCritic: 0.05, alphaActor: 0.05, tau: 0.005, replaySize: 1_000_000,
                                   logStdMin: -20, logStdMax: 2),
                    flowLayers: 2, flowLearningRate: 3e-4, flowInitBound: 0.01)
    }

    /// Small networks for smoke tests (not a result of the paper).
    public static func smoke(envID: String) -> SACNFConfig {
        var c = paper(envID: envID)
        c.sac = .smoke(envID: envID)
        return c
    }
}

/// One radial flow layer with parameters shared across states (see the file comment).
public final class RadialFlow<T: TensorScalar>: Module {
    /// Centre [1, d], log alpha [1], beta [1].
    public let z0: Tensor<T>, logAlpha: Tensor<T>, beta: Tensor<T>

    /// Every parameter drawn U(-bound, bound) from `rng`, in the order z0, log_alpha, beta.
    public init(dimension d: Int, initBound bound: Double, using rng: inout Xoshiro256) {
        func draw(_ n: Int) -> [T] { (0..<n).map { _ in T(rng.nextUniform(-bound, bound)) } }
        z0 = Tensor(draw(d), shape: [1, d], requiresGrad: true)
        logAlpha = Tensor(draw(1), shape: [1], requiresGrad: true)
        beta = Tensor(draw(1), shape: [1], requiresGrad: true)
    }

    public var namedParameters: [(name: String, tensor: Tensor<T>)] {
        [("z0", z0), ("log_alpha", logAlpha), ("beta", beta)]
    }

    /// z' for z [batch, d], and log|det dz'/dz| per row [batch]. One fused operation each
    /// (forward in one pass over the rows, the backward written out below) instead of some
    /// twenty small tensor operations: the flow works on [batch, d] tensors with d <= 17, where
    /// per-operation overhead is the whole cost. First derivatives only.
    public func callAsFunction(_ z: Tensor<T>) -> (z: Tensor<T>, logDet: Tensor<T>) {
        precondition(z.rank == 2 && z.shape[1] == z0.shape[1], "RadialFlow: input \(z.shape) for dimension \(z0.shape[1])")
        let b = z.shape[0], d = z.shape[1]
        let alpha = T.exp(logAlpha.item), beta = self.beta.item
        let out = Storage<T>(uninitialized: b * d), logDet = Storage<T>(uninitialized: b)
        let radius = Storage<T>(uninitialized: b)
        z.withUnsafeBufferPointer { zp in
            z0.withUnsafeBufferPointer { c in
                for i in 0..<b {
                    var rr: T = 0
                    for j in 0..<d { let t = zp[i * d + j] - c[j]; rr += t * t }
                    let r = rr.squareRoot(), h = 1 / (alpha + r), s = beta * h
                    radius.pointer[i] = r
                    for j in 0..<d { out.pointer[i * d + j] = zp[i * d + j] + s * (zp[i * d + j] - c[j]) }
                    var l = T.log(Swift.abs(1 + beta * alpha * h * h))
                    if d > 1 { l += T(d - 1) * T.log(Swift.abs(1 + s)) }
                    logDet.pointer[i] = l
                }
            }
        }
        let inputs = [z, z0, logAlpha, self.beta]
        let zOut = Tensor.result([b, d], out, "radial_flow", inputs) { g, _, needs in
            self.backward(z, radius, alpha, beta, gradOut: g, gradLogDet: nil, needs)
        }
        let logDetOut = Tensor.result([b], logDet, "radial_flow_logdet", inputs) { g, _, needs in
            self.backward(z, radius, alpha, beta, gradOut: nil, gradLogDet: g, needs)
        }
        return (zOut, logDetOut)
    }

    /// Gradients with respect to (z, z0, log_alpha, beta) of <gradOut, z'> + <gradLogDet, logDet>,
    /// at the forward's z, radii and (alpha, beta). With s = beta h, q = 1 + beta alpha h^2,
    /// m = <gradOut_i, z_i - z0> and l = gradLogDet_i, per row:
    ///   d/dr     = -m beta h^2 - l (d-1) beta h^2 / (1 + s) - 2 l beta alpha h^3 / q
    ///   d/dbeta  =  m h + l (d-1) h / (1 + s) + l alpha h^2 / q
    ///   d/dalpha = -m beta h^2 - l (d-1) beta h^2 / (1 + s) + l beta h^2 (1 - 2 alpha h) / q
    ///   d/d(z - z0) = s gradOut + d/dr (z - z0) / r,   d/dz = gradOut + d/d(z - z0).
    private func backward(_ z: Tensor<T>, _ radius: Storage<T>, _ alpha: T, _ beta: T,
                          gradOut: Tensor<T>?, gradLogDet: Tensor<T>?, _ needs: [Bool]) -> [Tensor<T>?] {
        precondition(!GradMode.isEnabled, "RadialFlow: second derivatives are not implemented")
        let b = z.shape[0], d = z.shape[1]
        var gz = [T](repeating: 0, count: needs[0] ? b * d : 0), gz0 = [T](repeating: 0, count: d)
        var gAlpha: T = 0, gBeta: T = 0
        let go = gradOut?.scalars, gl = gradLogDet?.scalars
        let zs = z.scalars, c = z0.scalars
        var diff = [T](repeating: 0, count: d)
        for i in 0..<b {
            let r = radius.pointer[i], h = 1 / (alpha + r), s = beta * h, q = 1 + beta * alpha * h * h
            var m: T = 0
            for j in 0..<d {
                diff[j] = zs[i * d + j] - c[j]
                if let go { m += go[i * d + j] * diff[j] }
            }
            let l = gl?[i] ?? 0
            let bh2 = beta * h * h
            var dr = -m * bh2 - 2 * l * bh2 * alpha * h / q
            var dBeta = m * h + l * alpha * h * h / q
            var dAlpha = -m * bh2 + l * bh2 * (1 - 2 * alpha * h) / q
            if d > 1 {
                let k = l * T(d - 1) / (1 + s)
                dr -= k * bh2; dBeta += k * h; dAlpha -= k * bh2
            }
            gAlpha += dAlpha; gBeta += dBeta
            let drOverR = r > 0 ? dr / r : 0
            for j in 0..<d {
                let g = go?[i * d + j] ?? 0
                let gDiff = s * g + drOverR * diff[j]
                if needs[0] { gz[i * d + j] = g + gDiff }
                gz0[j] -= gDiff
            }
        }
        return [needs[0] ? Tensor(gz, shape: [b, d]) : nil, needs[1] ? Tensor(gz0, shape: [1, d]) : nil,
                needs[2] ? Tensor([gAlpha * alpha], shape: [1]) : nil, needs[3] ? Tensor([gBeta], shape: [1]) : nil]
    }
}

/// SAC's squashed Gaussian with K radial layers between the Gaussian sample and the tanh.
public final class RadialFlowPolicy: Module {
    public let gaussian: SquashedGaussianActor
    public let flows: [RadialFlow<Float>]

    init(gaussian: SquashedGaussianActor, flows: [RadialFlow<Float>]) {
        self.gaussian = gaussian
        self.flows = flows
    }

    public var namedParameters: [(name: String, tensor: Tensor<Float>)] {
        gaussian.namedParameters + flows.enumerated().flatMap { k, f in
            f.namedParameters.map { ("flow.\(k).\($0.name)", $0.tensor) }
        }
    }

    /// The flow parameters only (they have their own optimiser).
    public var flowParameters: [Tensor<Float>] { flows.flatMap(\.parameters) }

    /// `a = actLimit tanh(f_K o ... o f_1(u0))`, `u0 = mu + sigma xi`, and
    /// `log pi(a|s) = log N(u0) - sum_k log|det J_k| - tanh correction`.
    public func sample(_ observations: Tensor<Float>, noise: Tensor<Float>) -> (action: Tensor<Float>, logProb: Tensor<Float>) {
        var (u, logProb) = gaussian.gaussian(observations, noise: noise)
        for f in flows {
            let (next, logDet) = f(u)
            u = next
            logProb = logProb - logDet
        }
        return squashed(u, logProb: logProb, actionLimit: gaussian.actionLimit)
    }

    /// The deterministic action: the flow applied to the Gaussian mean mu(s), then tanh (what
    /// the SAC-NF code's evaluation does).
    public func meanAction(_ observations: Tensor<Float>) -> Tensor<Float> {
        var u = gaussian.mean(observations)
        for f in flows { u = f(u).z }
        return u.tanh() * gaussian.actionLimit
    }
}

/// SAC-NF at a fixed temperature (as the S2AC paper compares it): SAC's critics and losses
/// (`CriticEnsemble`, `softActorLoss`) with the radial-flow policy; the Gaussian part and the flow
/// take Adam steps with their own learning rates on the same actor loss.
public final class SACNF: OffPolicyAgent {
    public let name = "sac-nf"
    public let config: SACNFConfig
    public let observationDimension: Int
    public let actionDimension: Int
    public let actor: RadialFlowPolicy
    public let critics: CriticEnsemble
    /// Adam over the Gaussian part (trunk, mu, log sigma) and Adam over the flow parameters.
    public let actorOptimizer: Adam<Float>, flowOptimizer: Adam<Float>

    /// Networks drawn from `rng` in the order: actor trunk, mu, log sigma, flow layers
    /// (z0, log_alpha, beta each), q1, q2, q1_target, q2_target.
    public init(observationDimension: Int, actionDimension: Int, actionLimit: Float, config: SACNFConfig,
                using rng: inout Xoshiro256) {
        precondition(config.flowLayers >= 0, "flowLayers must be >= 0")
        self.config = config
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        let c = config.sac
        let base = SquashedGaussianActor(observations: observationDimension, actions: actionDimension, hidden: c.actorHidden,
                                         activation: c.activation, actionLimit: actionLimit,
                                         logStdRange: (Float(c.logStdMin), Float(c.logStdMax)), using: &rng)
        let flows = (0..<config.flowLayers).map { _ in
            RadialFlow<Float>(dimension: actionDimension, initBound: config.flowInitBound, using: &rng)
        }
        actor = RadialFlowPolicy(gaussian: base, flows: flows)
        critics = CriticEnsemble(sac: c, observations: observationDimension, actions: actionDimension, using: &rng)
        actorOptimizer = Adam(parameters: base.parameters, learningRate: c.actorLearningRate)
        flowOptimizer = Adam(parameters: actor.flowParameters, learningRate: config.flowLearningRate)
    }

    private func noise(rows: Int, using rng: inout Xoshiro256) -> Tensor<Float> {
        Tensor(gaussianNoise(rows: rows, dimension: actionDimension, using: &rng), shape: [rows, actionDimension])
    }

    // MARK: acting

    /// `mean` (and `max`): the flow applied to mu(s), then tanh; `sample`, `random`, `softmax`:
    /// a draw from the policy.
    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        withNoGrad {
            switch selection {
            case .mean, .max:
                return actor.meanAction(observations)
            case .sample, .random, .softmax:
                return actor.sample(observations, noise: noise(rows: observations.shape[0], using: &rng)).action
            case .amortized:
                preconditionFailure("SAC-NF has no amortized sampler")
            }
        }
    }

    // MARK: learning

    /// One update with the critics' next-state noise and the actor's noise drawn from `rng`
    /// (in that order, [batch, actions] each).
    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics {
        let nextNoise = noise(rows: batch.batchSize, using: &rng)
        let actorNoise = noise(rows: batch.batchSize, using: &rng)
        return update(batch: batch, nextNoise: nextNoise, noise: actorNoise).metrics
    }

    /// Critic Adam step, actor loss on the updated critics, Adam steps of the Gaussian part and
    /// of the flow, Polyak averaging. `actorGradients` lists the Gaussian part then the flow.
    @discardableResult
    public func update(batch: ReplayBatch, nextNoise: Tensor<Float>, noise: Tensor<Float>) -> SACLosses {
        var l = criticLosses(batch: batch, nextNoise: nextNoise)
        critics.step(l.criticGradients)
        l.setActor(actorLoss(batch: batch, noise: noise))
        let parameters = actorOptimizer.parameters + flowOptimizer.parameters
        for (p, g) in zip(parameters, l.actorGradients) { p.grad = g }
        actorOptimizer.step()
        flowOptimizer.step()
        critics.updateTargets(tau: config.sac.tau)
        return l
    }

    /// Both losses and their gradients on the current parameters, without any step.
    public func losses(batch: ReplayBatch, nextNoise: Tensor<Float>, noise: Tensor<Float>) -> SACLosses {
        var l = criticLosses(batch: batch, nextNoise: nextNoise)
        l.setActor(actorLoss(batch: batch, noise: noise))
        return l
    }

    func criticLosses(batch: ReplayBatch, nextNoise: Tensor<Float>) -> SACLosses {
        critics.criticLosses(batch: batch, alphaCritic: config.sac.alphaCritic, gamma: config.sac.gamma) {
            actor.sample($0, noise: nextNoise)
        }
    }

    func actorLoss(batch: ReplayBatch, noise: Tensor<Float>) -> (loss: Float, gradients: [Tensor<Float>], meanLogProb: Float) {
        critics.actorLoss(batch: batch, alphaActor: config.sac.alphaActor,
                          parameters: actorOptimizer.parameters + flowOptimizer.parameters) { actor.sample($0, noise: noise) }
    }

    // MARK: state

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        actor.namedParameters.map { ("actor.\($0.name)", $0.tensor) } + critics.namedParameters
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try group.setAttribute("config_json", canonicalJSON(config))
        try actor.saveParameters(to: group.createGroup("actor"))
        try critics.save(to: group)
        try actorOptimizer.save(to: group.createGroup("actor_adam"))
        try flowOptimizer.save(to: group.createGroup("flow_adam"))
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        for sub in ["actor", "actor_adam", "flow_adam"] where group.kind(of: sub) != .group {
            throw InputError("\(group.file.path):\(group.path): no '\(sub)' in the saved agent")
        }
        try critics.load(from: group)
        try actor.loadParameters(from: group.group("actor"))
        try actorOptimizer.load(from: group.group("actor_adam"))
        try flowOptimizer.load(from: group.group("flow_adam"))
    }
}

extension SACNFConfig {
    /// The range of every field (`train --set` and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        sac.check(&c, at: p + ".sac")
        c.range(flowLayers, 0...64, p + ".flowLayers")
        c.learningRate(flowLearningRate, p + ".flowLearningRate")
        c.require(flowInitBound >= 0 && flowInitBound <= 10, p + ".flowInitBound", "must be in 0...10, got \(flowInitBound)")
    }
}
