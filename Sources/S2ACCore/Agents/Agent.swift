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

/// An off-policy actor-critic agent trained from a replay buffer. One file per agent under
/// Agents/ conforms to it; the training loop, checkpoints and experiments see only this.
public protocol Agent: AnyObject {
    /// The agent's name on the command line (`s2ac-phi`, `s2ac-phi-theta`, `sac`, ...).
    var name: String { get }
    var observationDimension: Int { get }
    var actionDimension: Int { get }

    /// One action per row of `observations` ([batch, observationDimension]), as a
    /// [batch, actionDimension] tensor inside the action bounds. Draws only from `rng`.
    func act(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float>

    /// One gradient update on a minibatch: critics, then the actor, then target networks.
    func update(batch: ReplayBatch, using rng: inout Xoshiro256) -> UpdateMetrics

    /// Every learnable state (networks, target networks, optimiser moments), by stable names.
    func save(to group: HDF5Group) throws
    /// Restores what `save(to:)` wrote; throws `InputError` when the group is foreign.
    func load(from group: HDF5Group) throws

    /// All network parameters (targets included) in a stable order, for `params_sha256`.
    var parameterTensors: [(name: String, tensor: Tensor<Float>)] { get }
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
