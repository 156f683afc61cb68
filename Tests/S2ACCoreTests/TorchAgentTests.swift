import Foundation
import Testing
import S2ACCore

/// The values written by scripts/reference/torch_agents.py (PyTorch 2.15.0, float32).
struct AgentFixture: Decodable {
    struct SACCase: Decodable {
        struct Config: Decodable {
            let seed: UInt64
            let batch, obs, act: Int
            let act_limit: Double
            let critic_hidden, actor_hidden: [Int]
            let lr_critic, lr_actor, gamma, alpha_critic, alpha_actor, tau, log_std_bias_bound: Double
        }
        let config: Config
        let terminated, truncated, next_noise, noise: [Double]
        let critic_loss, actor_loss, actor_loss_after_critic_step: Double
        let critic_grads, actor_grads, params_after_update: [String: [Double]]
    }
    struct SQLCase: Decodable {
        struct Config: Decodable {
            let seed: UInt64
            let batch, obs, act, particles: Int
            let act_limit: Double
            let critic_hidden, actor_hidden: [Int]
            let lr_critic, lr_actor, gamma, alpha, score_temperature, tau, sampler_scale: Double
            /// SQL's paper preset only: uniform value samples and the squash correction.
            let uniform_value, squash_correction: Bool?
        }
        let config: Config
        let terminated, truncated, next_noise, fixed_noise, moved_noise, target, direction, kernel_sigma: [Double]
        let critic_loss, actor_surrogate: Double
        let critic_grads, actor_grads, params_after_update: [String: [Double]]
    }
    struct SACNFCase: Decodable {
        struct Config: Decodable {
            let seed: UInt64
            let batch, obs, act, flow_layers: Int
            let act_limit, flow_bound: Double
            let critic_hidden, actor_hidden: [Int]
            let lr_critic, lr_actor, lr_flow, gamma, alpha_critic, alpha_actor, tau, log_std_bias_bound: Double
        }
        let config: Config
        let terminated, truncated, next_noise, noise, mean_action: [Double]
        let critic_loss, actor_loss, actor_loss_after_critic_step: Double
        let critic_grads, actor_grads, params_after_update: [String: [Double]]
        let critic_grads_float64, actor_grads_float64: [String: [Double]]
    }
    struct Agents: Decodable {
        let sac: SACCase
        let sql: SQLCase
        let sqlPaper: SQLCase
        let sacNF: SACNFCase
        enum CodingKeys: String, CodingKey { case sac, sql, sacNF = "sac-nf", sqlPaper = "sql-paper" }
    }
    let agents: Agents

    static func load() throws -> AgentFixture {
        let url = try #require(Bundle.module.url(forResource: "torch_agents", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(AgentFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct TorchAgentTests {
    /// Draws weights and batch as the script does: value = bound (2u - 1) in double, to Float.
    struct Drawer {
        var rng: Xoshiro256
        mutating func values(_ bound: Double, _ n: Int) -> [Float] {
            (0..<n).map { _ in Float(bound * (2 * rng.nextUniform() - 1)) }
        }
        mutating func fill(_ l: Linear<Float>, biasBound: Double? = nil, scale: Double = 1) {
            let bound = scale / Double(l.inputs).squareRoot()
            l.weight.assign(Tensor(values(bound, l.weight.count), shape: l.weight.shape))
            l.bias!.assign(Tensor(values(biasBound ?? bound, l.outputs), shape: [l.outputs]))
        }
        /// The script's `batch`: observations, actions (inside 0.9 of the limit), rewards, next
        /// observations, then the fixture's termination and truncation patterns.
        mutating func batch(size b: Int, obs: Int, act: Int, actionLimit: Double, terminated: [Double],
                            truncated: [Double]) -> ReplayBatch {
            var batch = ReplayBatch(batchSize: b, observationDim: obs, actionDim: act)
            batch.observations = values(1, b * obs)
            batch.actions = values(0.9 * actionLimit, b * act)
            batch.rewards = values(1, b)
            batch.nextObservations = values(1, b * obs)
            batch.terminated = terminated.map { Float($0) }
            batch.truncated = truncated.map { Float($0) }
            return batch
        }
    }

    /// The fixture's SAC agent and batch.
    func sacFromFixture(_ f: AgentFixture.SACCase) -> (SAC, ReplayBatch) {
        let c = f.config
        var config = SACConfig.paper(envID: "Hopper-v4")
        config.criticHidden = c.critic_hidden; config.actorHidden = c.actor_hidden
        config.criticLearningRate = c.lr_critic; config.actorLearningRate = c.lr_actor
        config.batchSize = c.batch; config.gamma = c.gamma
        config.alphaCritic = c.alpha_critic; config.alphaActor = c.alpha_actor; config.tau = c.tau
        var init_ = Xoshiro256(seed: 1)
        let sac = SAC(observationDimension: c.obs, actionDimension: c.act, actionLimit: Float(c.act_limit),
                      config: config, using: &init_)
        var d = Drawer(rng: Xoshiro256(seed: c.seed))
        for l in sac.actor.trunk.layers { d.fill(l) }
        d.fill(sac.actor.mu)
        d.fill(sac.actor.logStd, biasBound: c.log_std_bias_bound)
        for q in sac.critics.critics + sac.critics.targets { for l in q.layers { d.fill(l) } }
        let batch = d.batch(size: c.batch, obs: c.obs, act: c.act, actionLimit: c.act_limit,
                            terminated: f.terminated, truncated: f.truncated)
        return (sac, batch)
    }

    func noise(_ v: [Double], _ c: AgentFixture.SACCase.Config) -> Tensor<Float> {
        Tensor(v.map { Float($0) }, shape: [c.batch, c.act])
    }

    @Test func sacLossesAndGradientsMatchPyTorch() throws {
        let f = try AgentFixture.load().agents.sac
        let (sac, batch) = sacFromFixture(f)
        let l = sac.losses(batch: batch, nextNoise: noise(f.next_noise, f.config), noise: noise(f.noise, f.config))
        let tol = 1e-5
        #expect(relativeError([l.criticLoss], [f.critic_loss]) < tol, "critic loss \(l.criticLoss) vs \(f.critic_loss)")
        #expect(relativeError([l.actorLoss], [f.actor_loss]) < tol, "actor loss \(l.actorLoss) vs \(f.actor_loss)")
        var worst = 0.0
        let criticNames = sac.critics.q1.namedParameters.map { "q1.\($0.name)" } + sac.critics.q2.namedParameters.map { "q2.\($0.name)" }
        #expect(criticNames.count == l.criticGradients.count && f.critic_grads.count == criticNames.count)
        for (name, g) in zip(criticNames, l.criticGradients) {
            let e = relativeError(g.scalars, try #require(f.critic_grads[name], "\(name)"))
            worst = max(worst, e)
            #expect(e < tol, "critic gradient \(name): \(e)")
        }
        let actorNames = sac.actor.namedParameters.map { "actor.\($0.name)" }
        #expect(f.actor_grads.count == actorNames.count)
        for (name, g) in zip(actorNames, l.actorGradients) {
            let e = relativeError(g.scalars, try #require(f.actor_grads[name], "\(name)"))
            worst = max(worst, e)
            #expect(e < tol, "actor gradient \(name): \(e)")
        }
        print("SAC gradients vs PyTorch: largest relative error \(worst)")
    }

    @Test func sacUpdateMatchesPyTorch() throws {
        let f = try AgentFixture.load().agents.sac
        let (sac, batch) = sacFromFixture(f)
        let l = sac.update(batch: batch, nextNoise: noise(f.next_noise, f.config), noise: noise(f.noise, f.config))
        #expect(relativeError([l.actorLoss], [f.actor_loss_after_critic_step]) < 1e-5)
        try expectParameters(sac.parameterTensors, equal: f.params_after_update, agent: "SAC")
    }

    /// Every parameter after one update within 1e-5 of PyTorch's (and no parameter missing).
    func expectParameters(_ params: [(name: String, tensor: Tensor<Float>)], equal reference: [String: [Double]],
                          agent: String) throws {
        #expect(params.count == reference.count)
        var worst = 0.0
        for (name, p) in params {
            let e = relativeError(p.scalars, try #require(reference[name], "\(name)"))
            worst = max(worst, e)
            #expect(e < 1e-5, "\(name) after one update: \(e)")
        }
        print("\(agent) update vs PyTorch: largest relative parameter error \(worst)")
    }

    /// The fixture's SQL agent and batch (draw order in `sql_case`'s docstring).
    func sqlFromFixture(_ f: AgentFixture.SQLCase) throws -> (SQL, ReplayBatch) {
        let c = f.config
        var config = SQLConfig.authorsCode
        config.particles = c.particles; config.criticHidden = c.critic_hidden; config.actorHidden = c.actor_hidden
        config.criticLearningRate = c.lr_critic; config.actorLearningRate = c.lr_actor; config.gamma = c.gamma
        config.alphaCritic = c.alpha; config.scoreTemperature = c.score_temperature; config.tau = c.tau
        config.uniformValueSamples = c.uniform_value ?? false; config.squashCorrection = c.squash_correction ?? false
        var init_ = Xoshiro256(seed: 1)
        let sql = try SQL(observationDimension: c.obs, actionDimension: c.act, actionLimit: Float(c.act_limit),
                          config: config, using: &init_)
        var d = Drawer(rng: Xoshiro256(seed: c.seed))
        let k = sql.critics
        for q in [k.q1, k.q2, k.target1, k.target2] { for l in q.layers { d.fill(l) } }
        k.target1.copyParameters(from: k.q1); k.target2.copyParameters(from: k.q2)
        for l in sql.sampler.layers { d.fill(l, scale: c.sampler_scale) }
        let batch = d.batch(size: c.batch, obs: c.obs, act: c.act, actionLimit: c.act_limit,
                            terminated: f.terminated, truncated: f.truncated)
        return (sql, batch)
    }

    /// One full SQL update against PyTorch: the soft-value target, critic loss and gradients
    /// (initial weights), the SVGD direction, kernel sigmas, surrogate and sampler gradients
    /// (after the critic step), and every parameter after the update.
    @Test(arguments: ["sql", "sql-paper"])
    func sqlUpdateMatchesPyTorch(_ entry: String) throws {
        let agents = try AgentFixture.load().agents
        let f = entry == "sql" ? agents.sql : agents.sqlPaper
        #expect((f.config.uniform_value ?? false) == (entry == "sql-paper"))
        let (sql, batch) = try sqlFromFixture(f)
        let floats = { (v: [Double]) in v.map { Float($0) } }
        let t = sql.update(batch: batch, nextNoise: floats(f.next_noise), fixedNoise: floats(f.fixed_noise),
                           movedNoise: floats(f.moved_noise))
        let tol = 1e-5
        var worst = 0.0
        func check(_ got: [Float], _ want: [Double], _ what: String) {
            let e = relativeError(got, want)
            worst = max(worst, e)
            #expect(e < tol, "\(what): \(e)")
        }
        check([t.criticLoss], [f.critic_loss], "critic loss")
        check(t.target, f.target, "target")
        check(t.sigmas.map { Float($0) }, f.kernel_sigma, "kernel sigma")
        check(t.direction, f.direction, "SVGD direction")
        check([t.actorSurrogate], [f.actor_surrogate], "actor surrogate")
        let criticNames = sql.parameterTensors.prefix(t.criticGradients.count).map(\.name)
        #expect(f.critic_grads.count == criticNames.count)
        for (name, g) in zip(criticNames, t.criticGradients) {
            check(g.scalars, try #require(f.critic_grads[name], "\(name)"), "critic gradient \(name)")
        }
        let actorNames = sql.samplerNamedParameters.map(\.name)
        #expect(f.actor_grads.count == actorNames.count && t.actorGradients.count == actorNames.count)
        for (name, g) in zip(actorNames, t.actorGradients) {
            check(g.scalars, try #require(f.actor_grads[name], "\(name)"), "sampler gradient \(name)")
        }
        let params = sql.parameterTensors
        #expect(params.count == f.params_after_update.count)
        for (name, p) in params {
            check(p.scalars, try #require(f.params_after_update[name], "\(name)"), "\(name) after one update")
        }
        print("SQL (\(entry)) update vs PyTorch: largest relative error \(worst)")
    }

    /// SQL's score runs each row through the critic attaining min(Q1, Q2) only: the same as
    /// the engine's gradient of the minimum (to rounding), with ties (Q2 a copy of Q1) split
    /// half and half as `minimum` splits them.
    @Test func sqlScoreMatchesTheGradientOfTheMinimum() throws {
        var rng = Xoshiro256(seed: 21)
        var config = SQLConfig.smoke(envID: "Multigoal")
        config.criticHidden = [16, 16]
        let sql = try SQL(observationDimension: 3, actionDimension: 2, actionLimit: 1, config: config, using: &rng)
        let s = Tensor<Float>.randomNormal([40, 3], using: &rng), a = Tensor<Float>.randomUniform([40, 2], low: -1, high: 1, using: &rng)
        for tied in [false, true] {
            if tied { sql.critics.q2.copyParameters(from: sql.critics.q1) }
            let x = a.trackingGrad()
            let expected = grad(of: sql.critics.q1(s, x).minimum(sql.critics.q2(s, x)).sum(), wrt: [x])[0].scalars
            #expect(relativeError(sql.minQScore(s, a).scalars, expected.map(Double.init)) < 1e-6, "tied \(tied)")
        }
    }

    /// The fixture's SAC-NF agent and batch (draw order of torch_agents.py's SACNFTorch).
    func sacNFFromFixture(_ f: AgentFixture.SACNFCase) -> (SACNF, ReplayBatch) {
        let c = f.config
        var config = SACNFConfig.paper(envID: "Hopper-v4")
        config.sac.criticHidden = c.critic_hidden; config.sac.actorHidden = c.actor_hidden
        config.sac.criticLearningRate = c.lr_critic; config.sac.actorLearningRate = c.lr_actor
        config.flowLearningRate = c.lr_flow; config.flowLayers = c.flow_layers
        config.sac.batchSize = c.batch; config.sac.gamma = c.gamma
        config.sac.alphaCritic = c.alpha_critic; config.sac.alphaActor = c.alpha_actor; config.sac.tau = c.tau
        var init_ = Xoshiro256(seed: 1)
        let agent = SACNF(observationDimension: c.obs, actionDimension: c.act, actionLimit: Float(c.act_limit),
                          config: config, using: &init_)
        var d = Drawer(rng: Xoshiro256(seed: c.seed))
        let base = agent.actor.gaussian
        for l in base.trunk.layers { d.fill(l) }
        d.fill(base.mu)
        d.fill(base.logStd, biasBound: c.log_std_bias_bound)
        for flow in agent.actor.flows {
            for p in flow.parameters { p.assign(Tensor(d.values(c.flow_bound, p.count), shape: p.shape)) }
        }
        for q in agent.critics.critics + agent.critics.targets {
            for l in q.layers { d.fill(l) }
        }
        let batch = d.batch(size: c.batch, obs: c.obs, act: c.act, actionLimit: c.act_limit,
                            terminated: f.terminated, truncated: f.truncated)
        return (agent, batch)
    }

    /// Every gradient within 1e-5 of PyTorch's float32 gradient or of its float64 gradient from
    /// the same float32 inputs, and within 1e-4 of both: in a log_alpha gradient the batch sum
    /// cancels to ~1e-3 of its terms, so float32 rounding alone moves it by ~1.8e-5 (PyTorch's
    /// float32 value is that far from its float64 one).
    @Test func sacNFLossesAndGradientsMatchPyTorch() throws {
        let f = try AgentFixture.load().agents.sacNF
        let (agent, batch) = sacNFFromFixture(f)
        let shape = [f.config.batch, f.config.act]
        let l = agent.losses(batch: batch, nextNoise: Tensor(f.next_noise.map { Float($0) }, shape: shape),
                             noise: Tensor(f.noise.map { Float($0) }, shape: shape))
        let tol = 1e-5
        #expect(relativeError([l.criticLoss], [f.critic_loss]) < tol, "critic loss \(l.criticLoss) vs \(f.critic_loss)")
        #expect(relativeError([l.actorLoss], [f.actor_loss]) < tol, "actor loss \(l.actorLoss) vs \(f.actor_loss)")
        let critics = agent.critics
        let criticNames = critics.q1.namedParameters.map { "q1.\($0.name)" } + critics.q2.namedParameters.map { "q2.\($0.name)" }
        // The Gaussian part then the flow layers (z0, log_alpha, beta each).
        let actorNames = agent.actor.namedParameters.map { "actor.\($0.name)" }
        #expect(criticNames.count == l.criticGradients.count && f.critic_grads.count == criticNames.count)
        #expect(f.actor_grads.count == actorNames.count && l.actorGradients.count == actorNames.count)
        #expect(actorNames.filter { $0.contains(".flow.") }.count == 3 * f.config.flow_layers)
        var worst64 = 0.0, worst32 = 0.0
        let pairs = zip(criticNames, l.criticGradients).map { ($0, $1, f.critic_grads[$0], f.critic_grads_float64[$0]) }
            + zip(actorNames, l.actorGradients).map { ($0, $1, f.actor_grads[$0], f.actor_grads_float64[$0]) }
        for (name, g, t32, t64) in pairs {
            let e64 = relativeError(g.scalars, try #require(t64, "\(name)"))
            let e32 = relativeError(g.scalars, try #require(t32, "\(name)"))
            (worst64, worst32) = (max(worst64, e64), max(worst32, e32))
            #expect(min(e64, e32) < tol && max(e64, e32) < 10 * tol, "gradient \(name): \(e32) vs float32, \(e64) vs float64")
        }
        var g = Xoshiro256(seed: 0)
        let mean = agent.act(observations: Tensor(batch.observations, shape: [f.config.batch, f.config.obs]),
                             selection: .mean, using: &g)
        #expect(relativeError(mean.scalars, f.mean_action) < tol)
        print("SAC-NF gradients vs PyTorch: largest relative error \(worst64) (float64), \(worst32) (float32)")
    }

    @Test func sacNFUpdateMatchesPyTorch() throws {
        let f = try AgentFixture.load().agents.sacNF
        let (agent, batch) = sacNFFromFixture(f)
        let shape = [f.config.batch, f.config.act]
        let l = agent.update(batch: batch, nextNoise: Tensor(f.next_noise.map { Float($0) }, shape: shape),
                             noise: Tensor(f.noise.map { Float($0) }, shape: shape))
        #expect(relativeError([l.actorLoss], [f.actor_loss_after_critic_step]) < 1e-5)
        try expectParameters(agent.parameterTensors, equal: f.params_after_update, agent: "SAC-NF")
    }
}
