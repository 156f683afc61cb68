import Foundation
import Testing
import S2ACCore

/// The values written by scripts/reference/torch_s2ac.py (PyTorch 2.15.0): one full update of
/// S2AC(phi) and S2AC(phi,theta) under both presets, from drawn weights, batch and q0 noise.
struct S2ACFixture: Decodable {
    struct Sizes: Decodable { let obs, act, batch, particles, steps: Int }
    struct Case: Decodable {
        let agent: String
        let seed: UInt64
        let config: S2ACConfig
        let terminated: [Float]
        let criticLoss: Double
        let target, logProbNext: [Double]
        let criticGrads, paramsAfter: [[Double]]
        let actorLoss: Double?
        let logProbActor: [Double]?
        let actorGrads: [[Double]]?
        /// S2AC(phi,theta,psi) only: f_psi's settings, loss, Eq. 24 direction and gradients.
        let amortized: AmortizedSamplerConfig?
        let psiLoss: Double?
        let psiDirection: [Double]?
        let psiGrads: [[Double]]?
        enum CodingKeys: String, CodingKey {
            case agent, seed, config, terminated, target, amortized
            case psiLoss = "psi_loss", psiDirection = "psi_direction", psiGrads = "psi_grads"
            case criticLoss = "critic_loss", logProbNext = "log_prob_next", criticGrads = "critic_grads"
            case paramsAfter = "params_after", actorLoss = "actor_loss", logProbActor = "log_prob_actor"
            case actorGrads = "actor_grads"
        }
    }
    let sizes: Sizes
    let cases: [Case]

    static func load() throws -> S2ACFixture {
        let url = try #require(Bundle.module.url(forResource: "torch_s2ac", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(S2ACFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct TorchS2ACTests {
    static let tolerance = 1e-5

    /// Draws weights (q1, q2, then q0's network) and the batch as the script does; returns the
    /// batch and the two noise arrays.
    static func setUp(_ c: S2ACFixture.Case, _ z: S2ACFixture.Sizes, networks: [[Tensor<Float>]],
                      critics: CriticEnsemble) -> (ReplayBatch, [Float], [Float]) {
        let (batch, next, current, _) = setUpWithSamplerNoise(c, z, networks: networks, critics: critics)
        return (batch, next, current)
    }

    /// `setUp`, then the amortized sampler's z (bound 1), drawn next as the script draws it.
    static func setUpWithSamplerNoise(_ c: S2ACFixture.Case, _ z: S2ACFixture.Sizes, networks: [[Tensor<Float>]],
                                      critics: CriticEnsemble) -> (ReplayBatch, [Float], [Float], [Float]) {
        var rng = Xoshiro256(seed: c.seed)
        func draw(_ bound: Double, _ count: Int) -> [Float] {
            (0..<count).map { _ in Float(bound * (2 * rng.nextUniform() - 1)) }
        }
        for net in networks {
            for layer in stride(from: 0, to: net.count, by: 2) {
                let w = net[layer], b = net[layer + 1]
                let bound = 1 / Double(w.shape[1]).squareRoot()
                w.assign(Tensor(draw(bound, w.count), shape: w.shape))
                b.assign(Tensor(draw(bound, b.count), shape: b.shape))
            }
        }
        critics.target1.copyParameters(from: critics.q1)
        critics.target2.copyParameters(from: critics.q2)
        var batch = ReplayBatch(batchSize: z.batch, observationDim: z.obs, actionDim: z.act)
        batch.observations = draw(1, z.batch * z.obs)
        batch.actions = draw(1, z.batch * z.act)
        batch.rewards = draw(1, z.batch)
        batch.nextObservations = draw(1, z.batch * z.obs)
        batch.terminated = c.terminated
        let next = draw(2, z.batch * z.particles * z.act)
        let current = draw(2, z.batch * z.particles * z.act)
        return (batch, next, current, draw(1, z.batch * z.particles * z.act))
    }

    static func compare(_ t: S2ACUpdateTrace, _ c: S2ACFixture.Case, params: [Tensor<Float>]) {
        let label = "\(c.agent) \(c.config.preset)"
        var worst: [String: Double] = [:]
        func note(_ what: String, _ e: Double) { worst[what] = Swift.max(worst[what] ?? 0, e) }
        note("critic_loss", relativeError([t.criticLoss], [c.criticLoss]))
        note("log_prob_next", relativeError(t.logProbNext, c.logProbNext))
        for (g, e) in zip(t.criticGradients, c.criticGrads) { note("critic_grads", relativeError(g, e)) }
        for (p, e) in zip(params, c.paramsAfter) { note("params_after", relativeError(p.scalars, e)) }
        if let l = c.actorLoss {
            note("actor_loss", relativeError([t.actorLoss ?? .nan], [l]))
            note("log_prob_actor", relativeError(t.logProbActor, c.logProbActor!))
            for (g, e) in zip(t.actorGradients, c.actorGrads!) { note("actor_grads", relativeError(g, e)) }
        }
        print("TorchS2AC \(label) max relative errors:", worst.sorted { $0.key < $1.key }.map { "\($0.key)=\(String(format: "%.2e", $0.value))" }.joined(separator: " "))
        #expect(relativeError([t.criticLoss], [c.criticLoss]) < tolerance, "\(label) critic loss")
        #expect(relativeError(t.target, c.target) < tolerance, "\(label) target")
        #expect(relativeError(t.logProbNext, c.logProbNext) < tolerance, "\(label) log q^L(s')")
        #expect(t.criticGradients.count == c.criticGrads.count)
        for (k, (g, e)) in zip(t.criticGradients, c.criticGrads).enumerated() {
            #expect(relativeError(g, e) < tolerance, "\(label) critic gradient \(k)")
        }
        if let actorLoss = c.actorLoss {
            #expect(relativeError([t.actorLoss ?? .nan], [actorLoss]) < tolerance, "\(label) actor loss")
            #expect(relativeError(t.logProbActor, c.logProbActor!) < tolerance, "\(label) log q^L(s)")
            #expect(t.actorGradients.count == c.actorGrads!.count)
            for (k, (g, e)) in zip(t.actorGradients, c.actorGrads!).enumerated() {
                #expect(relativeError(g, e) < tolerance, "\(label) actor gradient \(k)")
            }
        }
        #expect(params.count == c.paramsAfter.count)
        for (k, (p, e)) in zip(params, c.paramsAfter).enumerated() {
            #expect(relativeError(p.scalars, e) < tolerance, "\(label) parameter \(k) after the update")
        }
    }

    @Test func s2acPhiMatchesPyTorch() throws {
        let f = try S2ACFixture.load()
        #expect(f.cases.filter { $0.agent == "s2ac-phi" }.count == 2)
        for c in f.cases where c.agent == "s2ac-phi" {
            var rng = Xoshiro256(seed: 1)
            let agent = try S2ACPhi(observationDimension: f.sizes.obs, actionDimension: f.sizes.act, config: c.config, using: &rng)
            let (batch, next, _) = Self.setUp(c, f.sizes, networks: [agent.critics.q1.parameters, agent.critics.q2.parameters],
                                              critics: agent.critics)
            let t = agent.update(batch: batch, nextNoise: next)
            Self.compare(t, c, params: agent.parameterTensors.map(\.tensor))
        }
    }

    @Test func s2acPhiThetaMatchesPyTorch() throws {
        let f = try S2ACFixture.load()
        #expect(f.cases.filter { $0.agent == "s2ac-phi-theta" }.count == 2)
        for c in f.cases where c.agent == "s2ac-phi-theta" {
            var rng = Xoshiro256(seed: 1)
            let agent = try S2ACPhiTheta(observationDimension: f.sizes.obs, actionDimension: f.sizes.act, config: c.config,
                                         using: &rng)
            let actor = agent.trunk.parameters + agent.meanHead.parameters + agent.logStdHead.parameters
            let (batch, next, current) = Self.setUp(c, f.sizes, networks: [agent.critics.q1.parameters,
                                                                            agent.critics.q2.parameters, actor],
                                                    critics: agent.critics)
            let t = agent.update(batch: batch, nextNoise: next, currentNoise: current)
            Self.compare(t, c, params: agent.parameterTensors.map(\.tensor))
        }
    }
}
