/// How an agent turns its particles (or its policy) into the one action it executes
/// (REFERENCE section 3: training uses `random`, tests `softmax` or `max`).
public enum ActionSelection: String, Codable, CaseIterable, Sendable {
    /// A particle chosen uniformly at random.
    case random
    /// A particle drawn with probability proportional to exp(Q - max Q) (beta = 1).
    case softmax
    /// The particle with the largest Q.
    case max
    /// The amortized sampler f_psi(s, z) of S2AC(phi,theta,psi).
    case amortized
    /// The policy's deterministic action (SAC: tanh of the Gaussian mean).
    case mean
    /// An action drawn from the policy itself (SAC: a squashed Gaussian sample).
    case sample
}

/// What one update reports (losses as plain numbers, for logs and result files).
public struct UpdateMetrics: Sendable, Equatable {
    public var criticLoss: Double
    public var actorLoss: Double?
    /// Further named values (entropy estimates, kernel bandwidth, ...).
    public var extra: [String: Double]

    /// The first loss that is NaN or infinite (critic, then actor). The extras are diagnostics
    /// and may legitimately be undefined, so they do not count.
    public var firstNonFinite: (name: String, value: Double)? {
        if !criticLoss.isFinite { return ("critic_loss", criticLoss) }
        if let a = actorLoss, !a.isFinite { return ("actor_loss", a) }
        return nil
    }

    public init(criticLoss: Double, actorLoss: Double? = nil, extra: [String: Double] = [:]) {
        self.criticLoss = criticLoss
        self.actorLoss = actorLoss
        self.extra = extra
    }
}

/// What every agent offers the training loop, checkpoints and experiments: acting, its state,
/// its parameters. How it learns is one of the two refinements below, `OffPolicyAgent` (from a
/// replay buffer: SAC, SAC-NF, SQL, the S2AC agents, DDPG) or `OnPolicyAgent` (from a rollout
/// buffer: PPO); `Trainer` runs either. One file per agent under Agents/.
public protocol Agent: AnyObject {
    /// The agent's name on the command line (`s2ac-phi`, `s2ac-phi-theta`, `sac`, ...).
    var name: String { get }
    var observationDimension: Int { get }
    var actionDimension: Int { get }

    /// One action per row of `observations` ([batch, observationDimension]), as a
    /// [batch, actionDimension] tensor inside the action bounds. Draws only from `rng`.
    func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float>

    /// Every learnable state (networks, target networks, optimiser moments), by stable names.
    func save(to group: HDF5Group) throws
    /// Restores what `save(to:)` wrote; throws `InputError` when the group is foreign.
    func load(from group: HDF5Group) throws

    /// All network parameters (targets included) in a stable order, for `params_sha256`.
    var parameterTensors: [(name: String, tensor: Tensor<Float>)] { get }
}

/// An agent learning from minibatches of a replay buffer, one update at a time.
public protocol OffPolicyAgent: Agent {
    /// One gradient update on a minibatch: critics, then the actor, then target networks.
    func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics
}

/// An agent learning from whole rollouts of its own current policy (stable-baselines3's
/// `OnPolicyAlgorithm`). While collecting, the trainer asks it for its view of each observation
/// (`observe`), an action with its log-density and value (`sample`), and its view of each
/// reward (`scaleReward`); when `rolloutLength` steps are stored, it calls `learn` once.
/// `act` stays what tests and evaluation use: raw observations in, actions inside the bounds out,
/// statistics frozen.
public protocol OnPolicyAgent: Agent {
    /// Environment steps per rollout (cleanrl `num_steps`).
    var rolloutLength: Int { get }

    /// The policy's input for a raw observation: normalised and clipped by PPO, whose running
    /// statistics take the observation in first when `updatingStatistics` is set.
    func observe(_ observation: [Double], updatingStatistics: Bool) -> [Float]

    /// For one policy input (as `observe` returns it): an action drawn by `selection`, before any
    /// clipping to the bounds, its log-density and the critic's value.
    func sample(policyInput: [Float], selection: ActionSelection, using rng: inout Xoshiro256)
        -> (action: [Float], logProb: Float, value: Float)

    /// The critic's value V(x) of one policy input.
    func value(policyInput: [Float]) -> Float

    /// The reward as the learner stores it (PPO: divided by the running std of the discounted
    /// return, then clipped); updates that statistic.
    func scaleReward(_ reward: Double, terminated: Bool) -> Float

    /// Learns from a full rollout. `nextPolicyInput` is the observation after its last step
    /// (its value bootstraps unless that step ended the episode); `fractionRemaining` is
    /// 1 - (iteration - 1) / iterations for the learning-rate schedule. Computes the
    /// rollout's advantages and returns as it needs them.
    func learn(from rollout: inout RolloutBuffer, nextPolicyInput: [Float], fractionRemaining: Double,
               using rng: inout Xoshiro256) -> UpdateMetrics
}

extension Agent {
    /// Throws `InputError` unless `group` was written by `save(to:)` of an agent of this name
    /// (the `agent` attribute every agent's `save` writes first).
    public func requireSavedAgent(_ group: HDF5Group) throws {
        guard try group.attribute("agent")?.stringValue == name else {
            throw InputError("\(group.file.path):\(group.path): not a saved \(name) agent")
        }
    }

    /// SHA-256 over every parameter's name and little-endian Float bits, in order: a
    /// fingerprint of the trained networks that every run file records.
    public var parametersSHA256: String {
        var bytes: [UInt8] = []
        for (name, tensor) in parameterTensors {
            bytes.append(contentsOf: Array(name.utf8))
            bytes.append(0)
            for x in tensor.scalars {
                withUnsafeBytes(of: x.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
            }
        }
        return sha256Hex(bytes)
    }
}
