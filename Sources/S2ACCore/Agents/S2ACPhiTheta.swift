import Foundation

/// S2AC(phi,theta) (Alg. 1, Eq. 12-13): q0 = N(mu_theta(s), sigma_theta(s)^2) from an ELU
/// network, particles kept within mu +- t sigma by rejecting the standard-normal noise, then
/// L SVGD steps on min(Q1, Q2). The actor loss `mean_s(alpha_a log q^L(s) - mean_j minQ(s, a_j))`
/// is differentiated through the unrolled steps (second derivatives of Q) into theta only.
public final class S2ACPhiTheta: OffPolicyAgent, SteinActingAgent {
    public let name = "s2ac-phi-theta"
    public let observationDimension: Int
    public let actionDimension: Int
    public let config: S2ACConfig
    public let policy: SteinPolicy
    public let critics: CriticEnsemble
    /// Hidden layers of q0's network (all ELU), then the two heads.
    public let trunk: MLP<Float>
    public let meanHead: Linear<Float>
    public let logStdHead: Linear<Float>
    public let actorOptimizer: Adam<Float>

    public init(observationDimension: Int, actionDimension: Int, config: S2ACConfig = .paper,
                using rng: inout Xoshiro256) throws {
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        self.config = config
        policy = try config.policy(steps: config.stepsPhiTheta)
        critics = CriticEnsemble(s2ac: config, observations: observationDimension, actions: actionDimension, using: &rng)
        let h = config.actorHidden
        trunk = MLP(inputs: observationDimension, hidden: Array(h.dropLast()), outputs: h.last!, activation: .elu,
                    outputActivation: .elu, using: &rng)
        meanHead = Linear(h.last!, actionDimension, using: &rng)
        logStdHead = Linear(h.last!, actionDimension, using: &rng)
        actorOptimizer = Adam(parameters: trunk.parameters + meanHead.parameters + logStdHead.parameters,
                              learningRate: config.actorLearningRate)
    }

    public var actorNamedParameters: [(name: String, tensor: Tensor<Float>)] {
        trunk.namedParameters.map { ("p0.net.\($0.name)", $0.tensor) }
            + meanHead.namedParameters.map { ("p0.mu.\($0.name)", $0.tensor) }
            + logStdHead.namedParameters.map { ("p0.log_std.\($0.name)", $0.tensor) }
    }

    /// mu_theta(s) and sigma_theta(s) = clamp(exp(clamp(log sigma, -20, 2)), 0.1, 1), [batch, d] each.
    public func initialDistribution(_ s: Tensor<Float>) -> (mu: Tensor<Float>, sigma: Tensor<Float>) {
        let h = trunk(s)
        let logStd = logStdHead(h).clamped(min: Float(config.logStdRange[0]), max: Float(config.logStdRange[1]))
        let sigma = logStd.exp().clamped(min: Float(config.sigmaRange[0]), max: Float(config.sigmaRange[1]))
        return (meanHead(h), sigma)
    }

    /// Standard-normal xi with every particle inside |xi_k| <= t: a particle with any component
    /// outside is redrawn whole (the network is never re-evaluated; same law as the code's
    /// candidates kept within mu +- t sigma).
    public func truncatedNoise(rows: Int, using rng: inout Xoshiro256) -> [Float] {
        let d = actionDimension, t = Float(config.truncation)
        var out = [Float](repeating: 0, count: rows * d)
        var row = [Float](repeating: 0, count: d)
        for r in 0..<rows {
            repeat { row.withUnsafeMutableBufferPointer { rng.fillGaussian($0) } } while row.contains { Swift.abs($0) > t }
            out.replaceSubrange((r * d)..<((r + 1) * d), with: row)
        }
        return out
    }

    /// The sampler at `observations` [batch, obs] from noise `xi` [batch * m * d] (|xi| <= t).
    public func sample(observations s: Tensor<Float>, xi: [Float], differentiable: Bool) -> SteinPolicy.Sample<Float> {
        let m = config.particles, n = s.shape[0] * m
        let (muS, sigmaS) = initialDistribution(s)
        let mu = repeatRows(muS, m), sigma = repeatRows(sigmaS, m)
        let a0 = mu + sigma * Tensor(xi, shape: [n, actionDimension])
        // Normal(mu, sigma).log_prob(a0), summed over the action dimensions.
        let z = (a0 - mu) / sigma
        let logQ0 = (z.square() * Float(-0.5) - sigma.log() - Float(0.5 * Foundation.log(2 * Double.pi))).sum(axis: 1)
        return policy.sample(observations: repeatRows(s, m), initial: a0, logQ0: logQ0,
                             differentiable: differentiable, minQ: critics.minQ)
    }

    /// Acting without a graph (`SteinActingSampler`): the same noise draws and pick as
    /// `actUsingGraph`, with particles and Q values equal to rounding (tested), several times faster.
    public func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        steinAct(observations: observations, selection: selection, using: &rng)
    }

    /// The graph-free acting sampler's particles ([states * m, d]) and, with `needQ`, min(Q1, Q2)
    /// at them, in the sampler's own buffers (valid until the next call).
    func actingSample(observations: Tensor<Float>, needQ: Bool, using rng: inout Xoshiro256)
        -> (actions: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>?) {
        let m = config.particles, b = observations.shape[0], d = actionDimension
        precondition(observations.rank == 2 && observations.shape[1] == observationDimension,
                     "act: observations \(observations.shape) for \(observationDimension) dimensions")
        let xi = truncatedNoise(rows: b * m, using: &rng)
        let w = acting
        let a0 = w.initial.reserve(b * m * d)
        observations.withUnsafeBufferPointer { s in
            // q0 = N(mu, sigma^2) as `initialDistribution` computes it, then a0 = mu + sigma * xi.
            let h = w.trunk.forward(s.baseAddress!, rows: b)
            let mu = w.mean.reserve(b * d), sigma = w.sigma.reserve(b * d)
            linearRows(meanHead, h, rows: b, into: mu)
            linearRows(logStdHead, h, rows: b, into: sigma)
            Float.unary(.clamp, sigma, sigma, b * d, Float(config.logStdRange[0]), Float(config.logStdRange[1]))
            Float.unary(.exp, sigma, sigma, b * d, 0, 0)
            Float.unary(.clamp, sigma, sigma, b * d, Float(config.sigmaRange[0]), Float(config.sigmaRange[1]))
            for r in 0..<(b * m) {
                for c in 0..<d { a0[r * d + c] = mu[(r / m) * d + c] + sigma[(r / m) * d + c] * xi[r * d + c] }
            }
        }
        return observations.withUnsafeBufferPointer {
            w.sampler.run(observations: $0.baseAddress!, states: b, initial: a0, needQ: needQ)
        }
    }

    /// Every particle of the acting samplers (graph-free, or through the tensor graph) and
    /// min(Q1, Q2) at them, drawing the noise `act` draws: for tests.
    public func actingParticles(observations: Tensor<Float>, usingGraph: Bool,
                                using rng: inout Xoshiro256) -> (actions: [Float], q: [Float]) {
        if usingGraph {
            let xi = truncatedNoise(rows: observations.shape[0] * config.particles, using: &rng)
            let out = sample(observations: observations.detached(), xi: xi, differentiable: false)
            let q = withNoGrad { critics.minQ(repeatRows(observations, config.particles), out.actions).scalars }
            return (out.actions.scalars, q)
        }
        return graphFreeParticles(observations: observations, using: &rng)
    }

    /// The acting path through the tensor graph (`sample`, then min(Q1,Q2) at the final
    /// actions): the reference `act` is tested against.
    public func actUsingGraph(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        let m = config.particles
        let xi = truncatedNoise(rows: observations.shape[0] * m, using: &rng)
        let out = sample(observations: observations.detached(), xi: xi, differentiable: false)
        let q = selection == .random ? [] : withNoGrad {
            critics.minQ(repeatRows(observations, m), out.actions).scalars
        }
        return selectParticle(actions: out.actions, q: q, particles: m, selection: selection, using: &rng)
    }

    /// Buffers of the graph-free acting path, made at the first action.
    final class Acting {
        let sampler: SteinActingSampler
        let trunk: MLPEvaluator
        let mean = FloatScratch(), sigma = FloatScratch(), initial = FloatScratch()
        init(_ agent: S2ACPhiTheta) {
            sampler = SteinActingSampler(policy: agent.policy, critics: agent.critics,
                                         observationDimension: agent.observationDimension,
                                         actionDimension: agent.actionDimension)
            trunk = MLPEvaluator(agent.trunk)
        }
    }
    private lazy var acting = Acting(self)

    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics {
        let rows = batch.batchSize * config.particles
        let next = truncatedNoise(rows: rows, using: &rng)
        let current = truncatedNoise(rows: rows, using: &rng)
        let t = update(batch: batch, nextNoise: next, currentNoise: current)
        let entropy = -Double(t.logProbActor.reduce(0, +)) / Double(t.logProbActor.count)
        return UpdateMetrics(criticLoss: Double(t.criticLoss), actorLoss: t.actorLoss.map(Double.init),
                             extra: ["entropy": entropy])
    }

    /// One update (critics, actor, targets) with the q0 noise given: `nextNoise` for the
    /// target's sampler at s', `currentNoise` for the actor's at s (both [batch * m * d]).
    public func update(batch: ReplayBatch, nextNoise: [Float], currentNoise: [Float]) -> S2ACUpdateTrace {
        var trace = S2ACUpdateTrace(criticLoss: 0, actorLoss: nil, logProbNext: [], logProbActor: [], target: [],
                                    criticGradients: [], actorGradients: [])
        let b = batch.batchSize, m = config.particles
        let s2 = Tensor(batch.nextObservations, shape: [b, observationDimension])
        let next = sample(observations: s2, xi: nextNoise, differentiable: false)
        trace.logProbNext = next.logProb.scalars
        let nextLogProb = next.logProb.detached().reshaped([b, m]).mean(axis: 1)
        critics.update(batch: batch, nextActions: next.actions.detached(), nextLogProb: nextLogProb, config: config,
                       trace: &trace)

        let s = Tensor(batch.observations, shape: [b, observationDimension])
        let current = sample(observations: s, xi: currentNoise, differentiable: true)
        trace.logProbActor = current.logProb.scalars
        let logProbState = current.logProb.reshaped([b, m]).mean(axis: 1)
        let q = critics.minQ(repeatRows(s, m), current.actions).reshaped([b, m]).mean(axis: 1)
        let loss = (logProbState * Float(config.alphaActor) - q).mean()
        let params = actorOptimizer.parameters
        let grads = grad(of: loss, wrt: params)
        for (p, g) in zip(params, grads) { p.grad = g }
        actorOptimizer.step()
        actorOptimizer.zeroGrad()
        trace.actorLoss = loss.item
        trace.actorGradients = grads.map(\.scalars)
        critics.updateTargets(tau: config.tau)
        return trace
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try critics.save(to: group)
        let actor = try group.createGroup("p0")
        try trunk.saveParameters(to: try actor.createGroup("net"))
        try meanHead.saveParameters(to: try actor.createGroup("mu"))
        try logStdHead.saveParameters(to: try actor.createGroup("log_std"))
        try actorOptimizer.save(to: try group.createGroup("pi_optimizer"))
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        try critics.load(from: group)
        let actor = try group.group("p0")
        try trunk.loadParameters(from: try actor.group("net"))
        try meanHead.loadParameters(from: try actor.group("mu"))
        try logStdHead.loadParameters(from: try actor.group("log_std"))
        try actorOptimizer.load(from: try group.group("pi_optimizer"))
    }

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] {
        critics.namedParameters + actorNamedParameters
    }
}
