/// The soft Bellman target of every agent: `y = r + gamma (1 - terminated) V(s')`.
///
/// V(s') is the soft value of the next state, which each agent estimates its own way:
/// `min_k Q'_k(s', a') - alpha log pi(a'|s')` for SAC and SAC-NF, the mean of that over m
/// particles for S2AC (`CriticEnsemble.softTarget`), alpha logsumexp(Q' / alpha) plus the
/// importance constant for SQL. Truncation by a time limit is not an end of the task, so it
/// bootstraps like any other step; only termination cuts V (REFERENCE section 4: `d = False`
/// when the episode hits its step limit). `terminated` is 0 or 1.
@inlinable
public func bellmanTarget<T: BinaryFloatingPoint>(reward: T, terminated: T, nextValue: T, gamma: T) -> T {
    reward + (1 - terminated) * nextValue * gamma
}

/// `bellmanTarget` for every transition of `batch`, given V(s') per transition, in the
/// precision `T` the value was computed in (Float for the critic ensembles, Double for SQL's
/// logsumexp).
public func bellmanTargets<T: BinaryFloatingPoint>(batch: ReplayBatch, nextValues: [T], gamma: Double) -> [T] {
    precondition(nextValues.count == batch.batchSize, "one next-state value per transition")
    let g = T(gamma)
    return (0..<batch.batchSize).map { i in
        bellmanTarget(reward: T(batch.rewards[i]), terminated: T(batch.terminated[i]), nextValue: nextValues[i], gamma: g)
    }
}
