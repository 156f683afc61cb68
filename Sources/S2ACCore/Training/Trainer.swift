import Foundation

/// When to act at random, when to update and how often to evaluate (REFERENCE section 5).
/// One loop covers both schedules: the paper's is `updateEvery = 1` from the first step, the
/// authors' code collects `startSteps` uniform-random steps, then from step `updateAfter` on
/// runs `updateEvery` updates every `updateEvery` steps.
public struct TrainingSchedule: Codable, Equatable, Sendable {
    /// "paper" or "authors-code" (or "smoke"): which reading this schedule follows.
    public var name: String
    /// Environment steps of the whole run.
    public var totalSteps: Int
    /// Steps with uniform-random actions before the policy acts (code main.py: 10000;
    /// paper: not stated, 0).
    public var startSteps: Int
    /// Updates run after the step of 0-based index t when t >= updateAfter and t is a multiple
    /// of updateEvery (code: 1000; paper: updates from the start, here once a minibatch fits).
    public var updateAfter: Int
    /// Every `updateEvery` steps, `updateEvery` updates (code: 50; paper Table 3: one per step).
    public var updateEvery: Int
    /// Evaluate every this many steps (paper section 5: 1000; 0 = never).
    public var evaluationEvery: Int
    /// Test episodes per evaluation point (code main.py num_test_episodes: 10).
    public var evaluationEpisodes: Int
    /// How the agent acts in test episodes (SAC: `mean`; S2AC: `softmax`, REFERENCE section 3).
    public var evaluationSelection: ActionSelection
    /// How the agent acts while training (SAC: `sample`; S2AC: `random`).
    public var trainingSelection: ActionSelection
    /// Further rules each evaluation point is also played with, stored beside the main one
    /// (`eval_returns_<rule>`): the S2AC agents on MuJoCo add `max` to `softmax`, as the
    /// authors' code logs both. Absent from a configuration that has none.
    public var additionalEvaluationSelections: [ActionSelection]? = nil

    public static func paper(steps: Int, batchSize: Int) -> TrainingSchedule {
        TrainingSchedule(name: "paper", totalSteps: steps, startSteps: 0, updateAfter: batchSize, updateEvery: 1,
                         evaluationEvery: 1000, evaluationEpisodes: 10, evaluationSelection: .mean, trainingSelection: .sample)
    }

    /// The authors' `main.py` and `core.py`: their statistics (test episodes) every
    /// `stats_steps_freq` = 400 steps, `num_test_episodes` = 10 per rule.
    public static func authorsCode(steps: Int) -> TrainingSchedule {
        TrainingSchedule(name: "authors-code", totalSteps: steps, startSteps: 10_000, updateAfter: 1000, updateEvery: 50,
                         evaluationEvery: 400, evaluationEpisodes: 10, evaluationSelection: .mean, trainingSelection: .sample)
    }

    /// A few hundred steps, for tests and smoke runs.
    public static func smoke(steps: Int) -> TrainingSchedule {
        TrainingSchedule(name: "smoke", totalSteps: steps, startSteps: 50, updateAfter: 50, updateEvery: 1,
                         evaluationEvery: max(steps / 4, 1), evaluationEpisodes: 2, evaluationSelection: .mean,
                         trainingSelection: .sample)
    }
}

/// The training loop: acts, stores transitions (terminated and truncated apart), updates the
/// agent, evaluates, and saves/restores its whole state for bit-exact resumes. Episodes,
/// evaluation, checkpoints, progress and the divergence stop are shared by both kinds of
/// learner; only what happens between two environment steps differs:
/// - an `OffPolicyAgent` acts (uniformly at random for `schedule.startSteps` steps), stores the
///   transition in a replay buffer, and is updated on minibatches as the schedule says;
/// - an `OnPolicyAgent` acts on its own view of the observation, stores the step in a rollout
///   buffer (the action clipped to the bounds only for the environment), and learns from every
///   `rolloutLength` steps; `schedule.startSteps`, `updateAfter` and `updateEvery` do not apply.
public final class Trainer {
    public let agent: any Agent
    public let env: any Env
    public let evaluationEnv: any Env
    public let schedule: TrainingSchedule
    private let learner: Learner
    private enum Learner {
        case offPolicy(any OffPolicyAgent)
        case onPolicy(any OnPolicyAgent)
    }
    // The off-policy learner's buffer and minibatch; the on-policy learner's rollout so far and
    // the policy's input for the current observation (`OnPolicyAgent.observe`).
    private var replayBuffer: ReplayBuffer?
    private var batch: ReplayBatch?
    private var rolloutBuffer: RolloutBuffer?
    private var policyInput: [Float] = []

    /// The off-policy learner's replay buffer.
    public var replay: ReplayBuffer {
        guard let replayBuffer else { preconditionFailure("an on-policy learner has no replay buffer") }
        return replayBuffer
    }

    /// The on-policy learner's rollout in progress.
    public var rollout: RolloutBuffer {
        guard let rolloutBuffer else { preconditionFailure("an off-policy learner has no rollout buffer") }
        return rolloutBuffer
    }

    // Named streams of the seed tree; all of them are saved in checkpoints.
    private var envResetRNG, explorationRNG, minibatchRNG, updateRNG, evaluationRNG: Xoshiro256
    /// The reset stream as it was before the current episode's reset: with the episode's
    /// actions it rebuilds the environment's state on resume.
    private var episodeStartRNG: Xoshiro256

    public private(set) var step = 0
    /// Off-policy: minibatch updates so far; on-policy: rollouts learned from so far.
    public private(set) var updates = 0
    public private(set) var observation: [Double] = []
    public private(set) var episodeStep = 0
    private var episodeReturn = 0.0
    private var episodeActions: [Float] = []
    /// (step at which the episode ended, undiscounted return) of every training episode.
    public private(set) var episodeReturns: [(step: Int, value: Double)] = []
    /// Evaluation points: step and the undiscounted (raw) return of each test episode.
    public private(set) var evaluations: [(step: Int, returns: [Double])] = []
    /// The same points under each of `schedule.additionalEvaluationSelections`: per point, the
    /// return of each test episode.
    public private(set) var additionalEvaluations: [ActionSelection: [[Double]]] = [:]
    /// The evaluation environment and its copies, one per test episode of a point.
    private var evaluationEnvs: [any Env]
    public private(set) var lastMetrics: UpdateMetrics?
    /// Where training diverged: the first update whose loss (or other reported value) is not
    /// finite, or the first evaluation with a non-finite return; `run` stops after that step.
    public private(set) var divergence: String?
    /// Every update's losses and extra values, by name (`critic_loss`, `actor_loss`, then the
    /// agent's extras), one entry per update; NaN where an update did not report a value.
    public private(set) var updateLog: [String: [Float]] = [:]

    /// Progress to standard error at most once a second, when set.
    public var showsProgress = false
    private var lastProgress = Date.distantPast, progressStart = Date(), progressStartStep = 0

    /// `replayCapacity` and `batchSize` size the replay buffer and its minibatches of an
    /// off-policy agent; an on-policy agent's rollout holds its `rolloutLength` steps.
    public init(agent: any Agent, env: any Env, evaluationEnv: any Env, schedule: TrainingSchedule,
                replayCapacity: Int, batchSize: Int, seed: SeedTree) {
        precondition(env.observationDimension == agent.observationDimension && env.actionDimension == agent.actionDimension,
                     "agent and environment dimensions differ")
        self.agent = agent; self.env = env; self.evaluationEnv = evaluationEnv; self.schedule = schedule
        evaluationEnvs = [evaluationEnv]
        envResetRNG = seed.stream(.envReset); explorationRNG = seed.stream(.exploration)
        minibatchRNG = seed.stream(.minibatch); updateRNG = seed.stream(named: "agent-update")
        evaluationRNG = seed.stream(.evaluation)
        episodeStartRNG = envResetRNG
        observation = env.reset(using: &envResetRNG)
        let (o, a) = (env.observationDimension, env.actionDimension)
        if let offPolicy = agent as? any OffPolicyAgent {
            learner = .offPolicy(offPolicy)
            replayBuffer = ReplayBuffer(capacity: replayCapacity, observationDim: o, actionDim: a)
            batch = ReplayBatch(batchSize: batchSize, observationDim: o, actionDim: a)
        } else if let onPolicy = agent as? any OnPolicyAgent {
            learner = .onPolicy(onPolicy)
            rolloutBuffer = RolloutBuffer(capacity: onPolicy.rolloutLength, observationDim: o, actionDim: a)
            policyInput = onPolicy.observe(observation, updatingStatistics: true)
        } else {
            preconditionFailure("\(agent.name) is neither an off-policy nor an on-policy agent")
        }
    }

    /// Runs until `schedule.totalSteps` (or `until`), calling `afterStep` after every step
    /// (for checkpoints).
    public func run(until last: Int? = nil, afterStep: ((Trainer) throws -> Void)? = nil) rethrows {
        let end = min(last ?? schedule.totalSteps, schedule.totalSteps)
        progressStart = Date(); progressStartStep = step
        while step < end {
            trainStep()
            // A diverged step is not handed on, so no checkpoint of it is written.
            if divergence != nil { return }
            try afterStep?(self)
            if showsProgress { reportProgress(end: end) }
        }
    }

    /// One environment step, then the learning and the evaluation it is due for.
    public func trainStep() {
        switch learner {
        case .offPolicy(let agent): offPolicyStep(agent)
        case .onPolicy(let agent): onPolicyStep(agent)
        }
        if schedule.evaluationEvery > 0 && step % schedule.evaluationEvery == 0 {
            let returns = evaluate()
            evaluations.append((step, returns))
            var all = returns
            for rule in schedule.additionalEvaluationSelections ?? [] {
                let more = evaluate(selection: rule)
                additionalEvaluations[rule, default: []].append(more)
                all += more
            }
            if divergence == nil, let bad = all.first(where: { !$0.isFinite }) {
                divergence = "evaluation at step \(step): a test return is \(bad)"
            }
        }
    }

    /// Acts (uniformly at random for `schedule.startSteps` steps), stores the transition, and
    /// runs the updates the schedule asks for.
    private func offPolicyStep(_ agent: any OffPolicyAgent) {
        let action: [Float]
        if step < schedule.startSteps {
            action = (0..<env.actionDimension).map { d in
                let lo = Double(env.actionLow[d]), hi = Double(env.actionHigh[d])
                return Float(lo + (hi - lo) * explorationRNG.nextUniform())
            }
        } else {
            let obs = Tensor(observation.map { Float($0) }, shape: [1, env.observationDimension])
            action = agent.act(observations: obs, selection: schedule.trainingSelection, using: &explorationRNG).scalars
        }
        let s = observation.map { Float($0) }
        let r = env.step(action)
        replayBuffer!.add(observation: s, action: action, reward: Float(r.reward), nextObservation: r.observation.map { Float($0) },
                          terminated: r.terminated, truncated: r.truncated)
        advance(action: action, result: r)
        // `t` indexes the step just taken from 0, as the authors' loop does (core.py `forward`).
        let t = step - 1
        if t >= schedule.updateAfter && t % schedule.updateEvery == 0 {
            for _ in 0..<schedule.updateEvery {
                replayBuffer!.sample(into: &batch!, using: &minibatchRNG)
                record(agent.update(batch: batch!, using: &updateRNG))
            }
        }
    }

    /// Acts on the policy's input, steps the environment with the action clipped to its bounds,
    /// stores the unclipped action with its log-density and value, the learner's reward, and at a
    /// truncation V(s_T) of the final observation; learns when the rollout is full. The final
    /// observation is taken into the agent's statistics before the reset's first one, as
    /// Gymnasium's `NormalizeObservation` sees both.
    private func onPolicyStep(_ agent: any OnPolicyAgent) {
        let drawn = agent.sample(policyInput: policyInput, selection: schedule.trainingSelection, using: &explorationRNG)
        let clipped = (0..<env.actionDimension).map { d in min(max(drawn.action[d], env.actionLow[d]), env.actionHigh[d]) }
        let r = env.step(clipped)
        let finalInput = agent.observe(r.observation, updatingStatistics: true)
        let reward = agent.scaleReward(r.reward, terminated: r.terminated)
        let bootstrap = r.truncated && !r.terminated ? agent.value(policyInput: finalInput) : 0
        rolloutBuffer!.add(observation: policyInput, action: drawn.action, logProb: drawn.logProb, value: drawn.value,
                           reward: reward, terminated: r.terminated, truncated: r.truncated, bootstrapValue: bootstrap)
        let ended = advance(action: clipped, result: r)
        policyInput = ended ? agent.observe(observation, updatingStatistics: true) : finalInput
        if rolloutBuffer!.isFull {
            let iterations = max(schedule.totalSteps / agent.rolloutLength, 1)
            // cleanrl: lr = (1 - (iteration - 1) / num_iterations) * learning_rate, iteration from 1.
            let remaining = 1 - Double(updates) / Double(iterations)
            record(agent.learn(from: &rolloutBuffer!, nextPolicyInput: policyInput, fractionRemaining: remaining,
                               using: &updateRNG))
            rolloutBuffer!.clear()
        }
    }

    /// Counts one environment step taken with `action` into the episode, and starts the next
    /// episode after a termination or truncation; returns whether the episode ended.
    @discardableResult
    private func advance(action: [Float], result r: StepResult) -> Bool {
        step += 1
        episodeStep += 1
        episodeReturn += r.reward
        episodeActions.append(contentsOf: action)
        observation = r.observation
        guard r.terminated || r.truncated else { return false }
        episodeReturns.append((step, episodeReturn))
        episodeStartRNG = envResetRNG
        observation = env.reset(using: &envResetRNG)
        episodeStep = 0; episodeReturn = 0; episodeActions.removeAll(keepingCapacity: true)
        return true
    }

    /// Logs one update (an off-policy minibatch update or an on-policy rollout's learning) and
    /// notes the first non-finite value.
    private func record(_ metrics: UpdateMetrics) {
        logUpdate(metrics)
        lastMetrics = metrics
        updates += 1
        if divergence == nil, let bad = metrics.firstNonFinite {
            divergence = "update \(updates) (step \(step)): \(bad.name) is \(bad.value)"
        }
    }

    /// Appends one update's values to `updateLog`, padding names seen for the first time (and
    /// names this update did not report) with NaN so every column has one entry per update.
    private func logUpdate(_ m: UpdateMetrics) {
        var values = m.extra.mapValues(Float.init)
        values["critic_loss"] = Float(m.criticLoss)
        values["actor_loss"] = m.actorLoss.map(Float.init) ?? .nan
        for name in values.keys where updateLog[name] == nil {
            updateLog[name] = [Float](repeating: .nan, count: updates)
        }
        for name in updateLog.keys { updateLog[name]!.append(values[name] ?? .nan) }
    }

    /// Undiscounted returns of `schedule.evaluationEpisodes` test episodes on the evaluation
    /// environment, acting by `selection` (default `schedule.evaluationSelection`) with the
    /// evaluation stream. The episodes run side by side, each in its own copy of the
    /// environment: all are reset in turn, then every time step selects the actions of all
    /// episodes still running in one `act` call (one batched pass through the networks).
    public func evaluate(selection: ActionSelection? = nil) -> [Double] {
        let rule = selection ?? schedule.evaluationSelection
        let n = schedule.evaluationEpisodes
        let (d, k) = (evaluationEnv.observationDimension, evaluationEnv.actionDimension)
        while evaluationEnvs.count < n {
            // Environments come from the catalog by id; a copy is a fresh one of the same id.
            guard let copy = try? EnvCatalog.spec(evaluationEnv.id).make() else {
                preconditionFailure("no environment '\(evaluationEnv.id)' in the catalog to copy for test episodes")
            }
            evaluationEnvs.append(copy)
        }
        var observations = (0..<n).map { evaluationEnvs[$0].reset(using: &evaluationRNG) }
        var totals = [Double](repeating: 0, count: n)
        var live = Array(0..<n), input: [Float] = []
        input.reserveCapacity(n * d)
        while !live.isEmpty {
            input.removeAll(keepingCapacity: true)
            for i in live { for v in observations[i] { input.append(Float(v)) } }
            let actions = agent.act(observations: Tensor(input, shape: [live.count, d]), selection: rule,
                                    using: &evaluationRNG).scalars
            var running: [Int] = []
            for (row, i) in live.enumerated() {
                let r = evaluationEnvs[i].step(Array(actions[(row * k)..<((row + 1) * k)]))
                totals[i] += r.reward
                observations[i] = r.observation
                if !(r.terminated || r.truncated) { running.append(i) }
            }
            live = running
        }
        return totals
    }

    private func reportProgress(end: Int) {
        let now = Date()
        guard now.timeIntervalSince(lastProgress) >= 1 || step == end else { return }
        lastProgress = now
        let elapsed = now.timeIntervalSince(progressStart)
        let rate = elapsed > 0 ? Double(step - progressStartStep) / elapsed : 0
        let left = rate > 0 ? Double(end - step) / rate : 0
        var line = "\(agent.name) \(env.id): step \(step)/\(end) (\(100 * step / max(end, 1))%), "
            + String(format: "%.0f steps/s, %.0f s left", rate, left)
        if let e = evaluations.last { line += String(format: ", eval return %.2f at %d", e.returns.reduce(0, +) / Double(max(e.returns.count, 1)), e.step) }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    // MARK: results

    /// Writes evaluation returns per point, training episode returns and the fingerprints.
    public func writeResults(to group: HDF5Group) throws {
        let episodes = schedule.evaluationEpisodes
        try group.write("eval_steps", evaluations.map(\.step))
        try group.write("eval_returns", evaluations.flatMap(\.returns), shape: [evaluations.count, episodes])
        for rule in schedule.additionalEvaluationSelections ?? [] {
            let points = additionalEvaluations[rule] ?? []
            try group.write("eval_returns_\(rule.rawValue)", points.flatMap { $0 }, shape: [points.count, episodes])
        }
        try group.write("episode_end_steps", episodeReturns.map(\.step))
        try group.write("episode_returns", episodeReturns.map(\.value))
        try writeUpdateLog(to: group.createGroup("updates"))
        try group.setAttribute("steps", .int(step))
        try group.setAttribute("updates", .int(updates))
        try group.setAttribute("params_sha256", agent.parametersSHA256)
        if let replayBuffer { try group.setAttribute("replay_sha256", replayBuffer.contentsSHA256) }
        if let rolloutBuffer { try group.setAttribute("rollout_sha256", rolloutBuffer.contentsSHA256) }
        try group.setAttribute("schedule", schedule.name)
    }

    // MARK: checkpoints

    /// Everything a resumed run needs to continue bit for bit: the agent (with its
    /// normalisers' statistics), the replay buffer or the rollout so far and the policy's input,
    /// every generator, counters, the episode in progress and the history so far.
    public func saveCheckpoint(to group: HDF5Group, configJSON: String) throws {
        try group.setAttribute("config_json", configJSON)
        try agent.save(to: group.createGroup("agent"))
        if let replayBuffer { try replayBuffer.save(to: group.createGroup("replay")) }
        if let rolloutBuffer {
            try rolloutBuffer.save(to: group.createGroup("rollout"))
            try group.write("policy_input", policyInput)
        }
        let rngs = try group.createGroup("rngs")
        for (name, g) in rngStates { try rngs.write(name, g.state) }
        try group.setAttribute("step", .int(step))
        try group.setAttribute("updates", .int(updates))
        try group.setAttribute("episode_step", .int(episodeStep))
        try group.write("episode_return", [episodeReturn])
        try group.write("observation", observation)
        try group.write("episode_actions", episodeActions)
        try group.write("episode_end_steps", episodeReturns.map(\.step))
        try group.write("episode_returns", episodeReturns.map(\.value))
        try group.write("eval_steps", evaluations.map(\.step))
        try group.write("eval_returns", evaluations.flatMap(\.returns))
        for rule in schedule.additionalEvaluationSelections ?? [] {
            try group.write("eval_returns_\(rule.rawValue)", (additionalEvaluations[rule] ?? []).flatMap { $0 })
        }
        try writeUpdateLog(to: group.createGroup("updates"))
    }

    /// One Float dataset per logged name, one entry per update.
    private func writeUpdateLog(to group: HDF5Group) throws {
        for name in updateLog.keys.sorted() { try group.write(name, updateLog[name]!) }
    }

    private var rngStates: [(String, Xoshiro256)] {
        [("env_reset", envResetRNG), ("exploration", explorationRNG), ("minibatch", minibatchRNG),
         ("agent_update", updateRNG), ("evaluation", evaluationRNG), ("episode_start", episodeStartRNG)]
    }

    /// Restores a checkpoint written for the same configuration, rebuilding the environment's
    /// state by resetting it from the saved stream and replaying the episode's actions.
    public func loadCheckpoint(from group: HDF5Group, configJSON: String) throws {
        let where_ = "\(group.file.path):\(group.path)"
        guard let saved = try group.attribute("config_json")?.stringValue, let n = try group.attribute("step")?.intValue,
              let u = try group.attribute("updates")?.intValue, let epStep = try group.attribute("episode_step")?.intValue else {
            throw InputError("\(where_): not a training checkpoint")
        }
        guard saved == configJSON else {
            throw InputError("\(where_): the checkpoint was written with another configuration (\(saved))")
        }
        guard (0...schedule.totalSteps).contains(n), (0...(n + schedule.updateEvery)).contains(u),
              (0...n).contains(epStep) else {
            throw InputError("\(where_): step \(n), updates \(u) or episode step \(epStep) out of range for a \(schedule.totalSteps)-step run")
        }
        try agent.load(from: group.group("agent"))
        if replayBuffer != nil { try replayBuffer!.load(from: group.group("replay")) }
        if rolloutBuffer != nil {
            try rolloutBuffer!.load(from: group.group("rollout"))
            policyInput = try group.read("policy_input", as: Float.self).values
            guard policyInput.count == env.observationDimension else { throw InputError("\(where_): inconsistent checkpoint") }
        }
        let rngs = try group.group("rngs")
        var states: [String: Xoshiro256] = [:]
        for (name, _) in rngStates {
            do { states[name] = try Xoshiro256(state: rngs.read(name, as: UInt64.self).values) } catch {
                throw InputError("\(where_): generator state '\(name)' unreadable: \(error)")
            }
        }
        envResetRNG = states["env_reset"]!; explorationRNG = states["exploration"]!; minibatchRNG = states["minibatch"]!
        updateRNG = states["agent_update"]!; evaluationRNG = states["evaluation"]!; episodeStartRNG = states["episode_start"]!
        step = n; updates = u; episodeStep = epStep
        episodeReturn = try group.read("episode_return", as: Double.self).values.first ?? 0
        observation = try group.read("observation", as: Double.self).values
        episodeActions = try group.read("episode_actions", as: Float.self).values
        let ends = try group.read("episode_end_steps", as: Int.self).values
        episodeReturns = zip(ends, try group.read("episode_returns", as: Double.self).values).map { ($0, $1) }
        let evalSteps = try group.read("eval_steps", as: Int.self).values
        let evalReturns = try group.read("eval_returns", as: Double.self).values
        let k = schedule.evaluationEpisodes
        guard evalReturns.count == evalSteps.count * k, episodeActions.count == epStep * env.actionDimension,
              observation.count == env.observationDimension, ends.count == episodeReturns.count,
              evalSteps.allSatisfy({ (0...n).contains($0) }), ends.allSatisfy({ (0...n).contains($0) }) else {
            throw InputError("\(where_): inconsistent checkpoint")
        }
        let log = try group.group("updates")
        updateLog = [:]
        for name in try log.memberNames() {
            let values = try log.read(name, as: Float.self).values
            guard values.count == u else { throw InputError("\(where_): update log '\(name)' has \(values.count) entries for \(u) updates") }
            updateLog[name] = values
        }
        evaluations = evalSteps.enumerated().map { i, s in (s, Array(evalReturns[(i * k)..<((i + 1) * k)])) }
        additionalEvaluations = [:]
        for rule in schedule.additionalEvaluationSelections ?? [] {
            let values = try group.read("eval_returns_\(rule.rawValue)", as: Double.self).values
            guard values.count == evalSteps.count * k else { throw InputError("\(where_): inconsistent checkpoint") }
            additionalEvaluations[rule] = evalSteps.indices.map { Array(values[($0 * k)..<(($0 + 1) * k)]) }
        }
        // Rebuild the environment: the same reset, then the episode's actions.
        var g = episodeStartRNG
        var obs = env.reset(using: &g)
        for t in 0..<epStep {
            obs = env.step(Array(episodeActions[(t * env.actionDimension)..<((t + 1) * env.actionDimension)])).observation
        }
        guard obs == observation else {
            throw InputError("\(where_): replaying the saved episode does not reproduce the saved observation")
        }
    }

    /// Writes a checkpoint file atomically (temporary name, then rename). `extra` adds what the
    /// caller keeps beside the trainer's state (a campaign run's probes so far) to the same file.
    public func writeCheckpoint(path: String, configJSON: String, extra: ((HDF5Group) throws -> Void)? = nil) throws {
        let temporary = path + ".partial-\(getpid())"
        let file: HDF5File
        do {
            file = try HDF5File.create(at: temporary)
        } catch {
            unlink(temporary)  // HDF5 may have made it before failing (a full disk)
            throw InputError("cannot write the checkpoint \(path): \(error)")
        }
        let lock = Temporaries.hold(temporary)
        defer { if lock >= 0 { close(lock) } }
        do {
            try saveCheckpoint(to: file.root, configJSON: configJSON)
            try extra?(file.root)
            try file.finish()
        } catch {
            file.close(); unlink(temporary)
            // The previous checkpoint, if any, is left as it was.
            throw InputError("cannot write the checkpoint \(path): \(error)")
        }
        guard rename(temporary, path) == 0 else {
            throw InputError("cannot move \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// Restores from a checkpoint file written by `writeCheckpoint`.
    public func readCheckpoint(path: String, configJSON: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw InputError("no checkpoint at \(path)") }
        let file = try HDF5File.open(at: path)
        defer { file.close() }
        try loadCheckpoint(from: file.root, configJSON: configJSON)
    }
}
