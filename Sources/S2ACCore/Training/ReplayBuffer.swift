/// A minibatch drawn from a `ReplayBuffer`, in preallocated row-major Float storage
/// (`batchSize x dim` per field) that `ReplayBuffer.sample(into:using:)` overwrites.
public struct ReplayBatch {
    public let batchSize: Int
    public let observationDim: Int
    public let actionDim: Int
    public var observations: [Float]
    public var actions: [Float]
    public var rewards: [Float]
    public var nextObservations: [Float]
    /// 1 where the transition ended the episode by termination (no bootstrap), else 0.
    public var terminated: [Float]
    /// 1 where the episode was cut by the time limit (bootstraps: the next state has a value).
    public var truncated: [Float]
    /// Buffer rows the batch was drawn from.
    public var indices: [Int]

    public init(batchSize: Int, observationDim: Int, actionDim: Int) {
        self.batchSize = batchSize
        self.observationDim = observationDim
        self.actionDim = actionDim
        observations = [Float](repeating: 0, count: batchSize * observationDim)
        actions = [Float](repeating: 0, count: batchSize * actionDim)
        rewards = [Float](repeating: 0, count: batchSize)
        nextObservations = [Float](repeating: 0, count: batchSize * observationDim)
        terminated = [Float](repeating: 0, count: batchSize)
        truncated = [Float](repeating: 0, count: batchSize)
        indices = [Int](repeating: 0, count: batchSize)
    }
}

/// A ring buffer of transitions, preallocated at its full capacity; adding and sampling
/// allocate nothing. Terminated and truncated are stored separately.
public struct ReplayBuffer {
    public let capacity: Int
    public let observationDim: Int
    public let actionDim: Int
    /// Transitions held (at most `capacity`).
    public private(set) var count = 0
    /// Row the next transition is written to.
    public private(set) var position = 0

    private var observations: [Float]
    private var actions: [Float]
    private var rewards: [Float]
    private var nextObservations: [Float]
    private var terminated: [UInt8]
    private var truncated: [UInt8]

    public init(capacity: Int, observationDim: Int, actionDim: Int) {
        precondition(capacity > 0 && observationDim > 0 && actionDim > 0, "replay buffer sizes must be positive")
        self.capacity = capacity
        self.observationDim = observationDim
        self.actionDim = actionDim
        observations = [Float](repeating: 0, count: capacity * observationDim)
        actions = [Float](repeating: 0, count: capacity * actionDim)
        rewards = [Float](repeating: 0, count: capacity)
        nextObservations = [Float](repeating: 0, count: capacity * observationDim)
        terminated = [UInt8](repeating: 0, count: capacity)
        truncated = [UInt8](repeating: 0, count: capacity)
    }

    /// Stores one transition, overwriting the oldest when full.
    mutating func add(observation: UnsafeBufferPointer<Float>, action: UnsafeBufferPointer<Float>, reward: Float,
                             nextObservation: UnsafeBufferPointer<Float>, terminated isTerminal: Bool, truncated isTruncated: Bool) {
        precondition(observation.count == observationDim && nextObservation.count == observationDim && action.count == actionDim,
                     "transition sizes do not match the buffer")
        let row = position
        copyRow(observation, into: &observations, row: row, width: observationDim)
        copyRow(action, into: &actions, row: row, width: actionDim)
        copyRow(nextObservation, into: &nextObservations, row: row, width: observationDim)
        rewards[row] = reward
        terminated[row] = isTerminal ? 1 : 0
        truncated[row] = isTruncated ? 1 : 0
        position = (position + 1) % capacity
        count = min(count + 1, capacity)
    }

    /// Stores one transition (arrays of the buffer's sizes), overwriting the oldest when full.
    public mutating func add(observation: [Float], action: [Float], reward: Float, nextObservation: [Float],
                             terminated isTerminal: Bool, truncated isTruncated: Bool) {
        observation.withUnsafeBufferPointer { o in
            action.withUnsafeBufferPointer { a in
                nextObservation.withUnsafeBufferPointer { n in
                    add(observation: o, action: a, reward: reward, nextObservation: n,
                        terminated: isTerminal, truncated: isTruncated)
                }
            }
        }
    }

    /// Fills `batch` with rows drawn uniformly with replacement.
    public func sample<G: RandomNumberGenerator>(into batch: inout ReplayBatch, using rng: inout G) {
        precondition(count > 0, "sampling from an empty replay buffer")
        precondition(batch.observationDim == observationDim && batch.actionDim == actionDim, "batch shape does not match the buffer")
        for b in 0..<batch.batchSize {
            let row = rng.nextIndex(count)
            batch.indices[b] = row
            copyOut(observations, row: row, width: observationDim, into: &batch.observations, at: b)
            copyOut(actions, row: row, width: actionDim, into: &batch.actions, at: b)
            copyOut(nextObservations, row: row, width: observationDim, into: &batch.nextObservations, at: b)
            batch.rewards[b] = rewards[row]
            batch.terminated[b] = Float(terminated[row])
            batch.truncated[b] = Float(truncated[row])
        }
    }

    private func copyRow(_ src: UnsafeBufferPointer<Float>, into dst: inout [Float], row: Int, width: Int) {
        dst.withUnsafeMutableBufferPointer { d in
            (d.baseAddress! + row * width).update(from: src.baseAddress!, count: width)
        }
    }

    private func copyOut(_ src: [Float], row: Int, width: Int, into dst: inout [Float], at b: Int) {
        src.withUnsafeBufferPointer { s in
            dst.withUnsafeMutableBufferPointer { d in
                (d.baseAddress! + b * width).update(from: s.baseAddress! + row * width, count: width)
            }
        }
    }

    /// SHA-256 over the filled rows of every field, the ring position and the count: equal
    /// digests mean equal contents (for the checkpoint determinism test and run files).
    public var contentsSHA256: String {
        var bytes: [UInt8] = []
        func add(_ xs: ArraySlice<Float>) { for x in xs { withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } } }
        for n in [count, position] { withUnsafeBytes(of: UInt64(n).littleEndian) { bytes.append(contentsOf: $0) } }
        add(observations.prefix(count * observationDim)); add(actions.prefix(count * actionDim))
        add(rewards.prefix(count)); add(nextObservations.prefix(count * observationDim))
        bytes.append(contentsOf: terminated.prefix(count)); bytes.append(contentsOf: truncated.prefix(count))
        return sha256Hex(bytes)
    }

    // MARK: checkpoints

    /// Writes the filled rows and the ring position to `group`.
    public func save(to group: HDF5Group) throws {
        try group.setAttribute("capacity", .int(capacity))
        try group.setAttribute("count", .int(count))
        try group.setAttribute("position", .int(position))
        try group.write("observations", Array(observations.prefix(count * observationDim)), shape: [count, observationDim])
        try group.write("actions", Array(actions.prefix(count * actionDim)), shape: [count, actionDim])
        try group.write("rewards", Array(rewards.prefix(count)))
        try group.write("next_observations", Array(nextObservations.prefix(count * observationDim)), shape: [count, observationDim])
        try group.write("terminated", Array(terminated.prefix(count)))
        try group.write("truncated", Array(truncated.prefix(count)))
    }

    /// Restores a buffer saved by `save(to:)`; its dimensions and capacity must match.
    public mutating func load(from group: HDF5Group) throws {
        let where_ = "\(group.file.path):\(group.path)"
        guard let cap = try group.attribute("capacity")?.intValue, let n = try group.attribute("count")?.intValue,
              let pos = try group.attribute("position")?.intValue else {
            throw InputError("\(where_): not a saved replay buffer")
        }
        guard cap == capacity, (0...capacity).contains(n), (0..<capacity).contains(pos) else {
            throw InputError("\(where_): replay buffer of capacity \(cap) cannot be loaded into one of \(capacity)")
        }
        let obs = try group.read("observations", as: Float.self)
        let act = try group.read("actions", as: Float.self)
        let next = try group.read("next_observations", as: Float.self)
        let rew = try group.read("rewards", as: Float.self)
        let term = try group.read("terminated", as: UInt8.self)
        let trunc = try group.read("truncated", as: UInt8.self)
        guard obs.shape == [n, observationDim], next.shape == [n, observationDim], act.shape == [n, actionDim],
              rew.shape == [n], term.shape == [n], trunc.shape == [n] else {
            throw InputError("\(where_): replay buffer datasets do not have the dimensions \(observationDim) x \(actionDim)")
        }
        observations.replaceSubrange(0..<obs.values.count, with: obs.values)
        actions.replaceSubrange(0..<act.values.count, with: act.values)
        nextObservations.replaceSubrange(0..<next.values.count, with: next.values)
        rewards.replaceSubrange(0..<n, with: rew.values)
        terminated.replaceSubrange(0..<n, with: term.values)
        truncated.replaceSubrange(0..<n, with: trunc.values)
        count = n
        position = pos
    }
}
