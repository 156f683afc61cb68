import Foundation

/// S2AC(phi) (Alg. 1 with a fixed q0): the policy is SVGD on min(Q1, Q2) from
/// q0 = N(0, sigma_p0^2 I), so there are no actor parameters; only the twin critics are
/// trained, their target using the SVGD log-likelihood of Thm 3.3 (REFERENCE sections 3, 4).
public final class S2ACPhi: OffPolicyAgent, SteinActingAgent {
    public let name = "s2ac-phi"
    public let observationDimension: Int
    public let actionDimension: Int
    public let config: S2ACConfig
    public let policy: SteinPolicy
    public let critics: CriticEnsemble
    /// actor_svgd.py's fixed pool of 5 * batch * m draws (only with `authorsA0Pool`).
    private var pool: [Float] = []

    public init(observationDimension: Int, actionDimension: Int, config: S2ACConfig = .paper, batchSize: Int = 100,
                using rng: inout Xoshiro256) throws {
        self.observationDimension = observationDimension
        self.actionDimension = actionDimension
        self.config = config
        policy = try config.policy(steps: config.stepsPhi)
        critics = CriticEnsemble(s2ac: config, observations: observationDimension, actions: actionDimension, using: &rng)
        if config.authorsA0Pool {
            pool = gaussianNoise(rows: 5 * batchSize * config.particles, dimension: actionDimension, using: &rng)
        }
    }

    /// Standard-normal xi for `rows` particles: fresh, or rows of the authors' pool.
    func noise(rows: Int, using rng: inout Xoshiro256) -> [Float] {
        guard config.authorsA0Pool else { return gaussianNoise(rows: rows, dimension: actionDimension, using: &rng) }
        let d = actionDimension, poolRows = pool.count / d
        var out: [Float] = []; out.reserveCapacity(rows * d)
        for _ in 0..<rows { let r = rng.nextIndex(poolRows); out.append(contentsOf: pool[(r * d)..<((r + 1) * d)]) }
        return out
    }

    /// log q0(a0) per particle: exact N(0, sigma_p0^2 I), or the code's formula (`authorsLogQ0`).
    func logQ0(_ a0: Tensor<Float>) -> Tensor<Float> {
        let d = Double(actionDimension), s = config.sigmaP0
        let variance = config.authorsLogQ0 ? s : s * s
        return a0.square().sum(axis: 1) * Float(-0.5 / variance) - Float(0.5 * d * Foundation.log(2 * Double.pi * variance))
    }

    /// The sampler at `observations` [batch, obs] from standard-normal `xi` [batch * m * d].
    public func sample(observations: Tensor<Float>, xi: [Float]) -> SteinPolicy.Sample<Float> {
        let n = observations.shape[0] * config.particles
        let a0 = Tensor(xi, shape: [n, actionDimension]) * Float(config.sigmaP0)
        return policy.sample(observations: repeatRows(observations, config.particles), initial: a0,
                             logQ0: logQ0(a0), differentiable: false, minQ: critics.minQ)
    }

    /// Acting without a graph (`SteinActingSampler`): the same noise draws and pick as
    /// `actUsingGraph`, with particles and Q values equal to rounding (tested).
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
        let xi = noise(rows: b * m, using: &rng)
        let a0 = initial.reserve(b * m * d), sigma = Float(config.sigmaP0)
        for i in 0..<(b * m * d) { a0[i] = xi[i] * sigma }
        return observations.withUnsafeBufferPointer {
            sampler.run(observations: $0.baseAddress!, states: b, initial: a0, needQ: needQ)
        }
    }

    /// Every particle of the acting samplers (graph-free, or through the tensor graph) and
    /// min(Q1, Q2) at them, drawing the noise `act` draws: for tests.
    public func actingParticles(observations: Tensor<Float>, usingGraph: Bool,
                                using rng: inout Xoshiro256) -> (actions: [Float], q: [Float]) {
        if usingGraph {
            let xi = noise(rows: observations.shape[0] * config.particles, using: &rng)
            let out = sample(observations: observations, xi: xi)
            let q = withNoGrad { critics.minQ(repeatRows(observations, config.particles), out.actions).scalars }
            return (out.actions.scalars, q)
        }
        return graphFreeParticles(observations: observations, using: &rng)
    }

    private lazy var sampler = SteinActingSampler(policy: policy, critics: critics, observationDimension: observationDimension,
                                                  actionDimension: actionDimension)
    private let initial = FloatScratch()

    /// The acting path through the tensor graph: the reference `act` is tested against.
    public func actUsingGraph(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        let m = config.particles
        let xi = noise(rows: observations.shape[0] * m, using: &rng)
        let out = sample(observations: observations, xi: xi)
        let q = selection == .random ? [] : withNoGrad {
            critics.minQ(repeatRows(observations, m), out.actions).scalars
        }
        return selectParticle(actions: out.actions, q: q, particles: m, selection: selection, using: &rng)
    }

    public func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics {
        let xi = noise(rows: batch.batchSize * config.particles, using: &rng)
        let t = update(batch: batch, nextNoise: xi)
        let entropy = -Double(t.logProbNext.reduce(0, +)) / Double(t.logProbNext.count)
        return UpdateMetrics(criticLoss: Double(t.criticLoss), extra: ["entropy_next": entropy])
    }

    /// One update with the q0 noise of the target sampler given (standard normal, [batch * m * d]).
    public func update(batch: ReplayBatch, nextNoise: [Float]) -> S2ACUpdateTrace {
        var trace = S2ACUpdateTrace(criticLoss: 0, actorLoss: nil, logProbNext: [], logProbActor: [], target: [],
                                    criticGradients: [], actorGradients: [])
        let b = batch.batchSize
        let s2 = Tensor(batch.nextObservations, shape: [b, observationDimension])
        let next = sample(observations: s2, xi: nextNoise)
        trace.logProbNext = next.logProb.scalars
        let logProbState = next.logProb.reshaped([b, config.particles]).mean(axis: 1)
        critics.update(batch: batch, nextActions: next.actions, nextLogProb: logProbState, config: config, trace: &trace)
        critics.updateTargets(tau: config.tau)
        return trace
    }

    public func save(to group: HDF5Group) throws {
        try group.setAttribute("agent", name)
        try critics.save(to: group)
        if config.authorsA0Pool { try group.write("a0_pool", pool, shape: [pool.count / actionDimension, actionDimension]) }
    }

    public func load(from group: HDF5Group) throws {
        try requireSavedAgent(group)
        try critics.load(from: group)
        if config.authorsA0Pool { pool = try group.read("a0_pool", as: Float.self).values }
    }

    public var parameterTensors: [(name: String, tensor: Tensor<Float>)] { critics.namedParameters }
}
