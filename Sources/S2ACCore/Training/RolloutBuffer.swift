/// One rollout of an on-policy learner: `capacity` consecutive environment steps of its current
/// policy, then the advantages and returns of generalised advantage estimation (Schulman et
/// al. 2016), as stable-baselines3's `RolloutBuffer` keeps them. Preallocated; adding a step,
/// computing advantages and clearing allocate nothing.
///
/// Observations are stored as the policy saw them (normalised, for PPO), actions before they
/// were clipped to the bounds (their log-density is what the ratio needs), rewards as the
/// learner scaled them. Terminated and truncated are stored apart: at a truncation the episode
/// still had a future, worth V(s_T) of the final observation (`bootstrapValues`); at a
/// termination it had none.
public struct RolloutBuffer {
    public let capacity: Int
    public let observationDim: Int
    public let actionDim: Int
    /// Steps stored so far (the rollout is full at `capacity`).
    public private(set) var count = 0

    public private(set) var observations: [Float]
    public private(set) var actions: [Float]
    public private(set) var logProbs: [Float]
    public private(set) var values: [Float]
    public private(set) var rewards: [Float]
    public private(set) var terminated: [UInt8]
    public private(set) var truncated: [UInt8]
    /// V(s_T) of the final observation where the step was truncated, else 0.
    public private(set) var bootstrapValues: [Float]
    /// Filled by `computeAdvantages`.
    public private(set) var advantages: [Float]
    public private(set) var returns: [Float]

    public init(capacity: Int, observationDim: Int, actionDim: Int) {
        precondition(capacity > 0 && observationDim > 0 && actionDim > 0, "rollout buffer sizes must be positive")
        self.capacity = capacity
        self.observationDim = observationDim
        self.actionDim = actionDim
        observations = [Float](repeating: 0, count: capacity * observationDim)
        actions = [Float](repeating: 0, count: capacity * actionDim)
        logProbs = [Float](repeating: 0, count: capacity)
        values = logProbs; rewards = logProbs; bootstrapValues = logProbs; advantages = logProbs; returns = logProbs
        terminated = [UInt8](repeating: 0, count: capacity)
        truncated = terminated
    }

    public var isFull: Bool { count == capacity }

    /// Stores one step. `bootstrapValue` is V(s_T) of the final observation when `truncated`
    /// (ignored otherwise).
    public mutating func add(observation: [Float], action: [Float], logProb: Float, value: Float, reward: Float,
                             terminated isTerminal: Bool, truncated isTruncated: Bool, bootstrapValue: Float) {
        precondition(count < capacity, "adding to a full rollout buffer")
        precondition(observation.count == observationDim && action.count == actionDim, "step sizes do not match the buffer")
        let row = count
        observations.replaceSubrange((row * observationDim)..<((row + 1) * observationDim), with: observation)
        actions.replaceSubrange((row * actionDim)..<((row + 1) * actionDim), with: action)
        logProbs[row] = logProb
        values[row] = value
        rewards[row] = reward
        terminated[row] = isTerminal ? 1 : 0
        truncated[row] = isTruncated ? 1 : 0
        bootstrapValues[row] = isTruncated && !isTerminal ? bootstrapValue : 0
        count += 1
    }

    /// Empties the buffer for the next rollout (the storage stays).
    public mutating func clear() { count = 0 }

    /// GAE(lambda) backwards over the stored steps, in Double:
    ///
    ///     delta_t = r_t + gamma * V_next(t) - V(s_t)
    ///     A_t     = delta_t + gamma * lambda * (1 - done_t) * A_{t+1}
    ///     R_t     = A_t + V(s_t)
    ///
    /// V_next(t) is 0 after a termination, V(s_T) of the final observation after a truncation,
    /// `lastValue` (V of the observation after the rollout) after the last step when it did not
    /// end the episode, else V(s_{t+1}); done_t (either end) cuts the sum at the episode's edge.
    /// cleanrl `ppo_continuous_action.py` treats truncation as termination; bootstrapping it
    /// is stable-baselines3's timeout handling (`handle_timeout_termination`, the GAE of
    /// `RolloutBuffer.compute_returns_and_advantage` with the final value added to the reward).
    public mutating func computeAdvantages(lastValue: Float, gamma: Double, lambda: Double) {
        precondition(count > 0, "no steps to estimate advantages from")
        var next = 0.0  // A_{t+1}
        for t in stride(from: count - 1, through: 0, by: -1) {
            let done = terminated[t] == 1 || truncated[t] == 1
            let nextValue: Double
            if terminated[t] == 1 { nextValue = 0 }
            else if truncated[t] == 1 { nextValue = Double(bootstrapValues[t]) }
            else if t == count - 1 { nextValue = Double(lastValue) }
            else { nextValue = Double(values[t + 1]) }
            let v = Double(values[t])
            let delta = Double(rewards[t]) + gamma * nextValue - v
            let a = delta + gamma * lambda * (done ? 0 : 1) * next
            advantages[t] = Float(a)
            returns[t] = Float(a + v)
            next = a
        }
    }

    /// SHA-256 over the stored steps and the count: equal digests mean equal contents.
    public var contentsSHA256: String {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(count).littleEndian) { bytes.append(contentsOf: $0) }
        func add(_ xs: ArraySlice<Float>) { for x in xs { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } } }
        add(observations.prefix(count * observationDim)); add(actions.prefix(count * actionDim))
        for field in [logProbs, values, rewards, bootstrapValues] { add(field.prefix(count)) }
        bytes.append(contentsOf: terminated.prefix(count)); bytes.append(contentsOf: truncated.prefix(count))
        return sha256Hex(bytes)
    }

    // MARK: checkpoints

    /// Writes the stored steps (advantages are recomputed by the learner, so not saved).
    public func save(to group: HDF5Group) throws {
        try group.setAttribute("capacity", .int(capacity))
        try group.setAttribute("count", .int(count))
        try group.write("observations", Array(observations.prefix(count * observationDim)), shape: [count, observationDim])
        try group.write("actions", Array(actions.prefix(count * actionDim)), shape: [count, actionDim])
        try group.write("log_probs", Array(logProbs.prefix(count)))
        try group.write("values", Array(values.prefix(count)))
        try group.write("rewards", Array(rewards.prefix(count)))
        try group.write("bootstrap_values", Array(bootstrapValues.prefix(count)))
        try group.write("terminated", Array(terminated.prefix(count)))
        try group.write("truncated", Array(truncated.prefix(count)))
    }

    /// Restores a buffer saved by `save(to:)`; capacity and dimensions must match.
    public mutating func load(from group: HDF5Group) throws {
        let where_ = "\(group.file.path):\(group.path)"
        guard let cap = try group.attribute("capacity")?.intValue, let n = try group.attribute("count")?.intValue else {
            throw InputError("\(where_): not a saved rollout buffer")
        }
        guard cap == capacity, (0..<capacity).contains(n) else {
            throw InputError("\(where_): a rollout of \(n) steps in \(cap) cannot be loaded into one of \(capacity)")
        }
        let obs = try group.read("observations", as: Float.self), act = try group.read("actions", as: Float.self)
        let scalars = try ["log_probs", "values", "rewards", "bootstrap_values"].map { try group.read($0, as: Float.self) }
        let term = try group.read("terminated", as: UInt8.self), trunc = try group.read("truncated", as: UInt8.self)
        guard obs.shape == [n, observationDim], act.shape == [n, actionDim], term.shape == [n], trunc.shape == [n],
              scalars.allSatisfy({ $0.shape == [n] }) else {
            throw InputError("\(where_): rollout datasets do not have the dimensions \(observationDim) x \(actionDim)")
        }
        observations.replaceSubrange(0..<obs.values.count, with: obs.values)
        actions.replaceSubrange(0..<act.values.count, with: act.values)
        logProbs.replaceSubrange(0..<n, with: scalars[0].values)
        values.replaceSubrange(0..<n, with: scalars[1].values)
        rewards.replaceSubrange(0..<n, with: scalars[2].values)
        bootstrapValues.replaceSubrange(0..<n, with: scalars[3].values)
        terminated.replaceSubrange(0..<n, with: term.values)
        truncated.replaceSubrange(0..<n, with: trunc.values)
        count = n
    }
}
