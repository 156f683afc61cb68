/// A reinforcement-learning environment with Gymnasium's step semantics, shared by the MuJoCo
/// locomotion tasks and the 2-D multigoal task.
///
/// Actions are float32, as Gymnasium's `Box` action spaces hold them; observations and rewards
/// are float64. Randomness enters only through `reset(using:)`, with the caller's generator
/// (by convention `SeedTree.stream(.envReset)`), so a run is reproducible from its seed.
public protocol Env: AnyObject {
    /// The environment's registered name, e.g. "Hopper-v4".
    var id: String { get }
    var observationDimension: Int { get }
    var actionDimension: Int { get }
    /// Bounds of the action box (float32, as Gymnasium's action space).
    var actionLow: [Float] { get }
    var actionHigh: [Float] { get }
    /// Steps after which an episode is truncated (Gymnasium's `TimeLimit`).
    var maxEpisodeSteps: Int { get }
    /// Steps taken since the last reset.
    var elapsedSteps: Int { get }
    /// The names of the reward terms every `step` returns, in order.
    var rewardTermNames: [String] { get }

    /// Starts an episode and returns its first observation.
    func reset(using generator: inout Xoshiro256) -> [Double]

    /// Applies `action` (`actionDimension` values) and advances one environment step.
    func step(_ action: [Float]) -> StepResult
}

/// What one environment step returns.
public struct StepResult: Sendable {
    public var observation: [Double]
    public var reward: Double
    /// The terms the reward is made of, by name (see each environment's documentation).
    public var rewardTerms: RewardTerms
    /// The episode ended in a terminal state (no bootstrapping from `observation`).
    public var terminated: Bool
    /// The episode was cut by the time limit (`observation` is not terminal: bootstrap from it).
    public var truncated: Bool

    public init(observation: [Double], reward: Double, rewardTerms: RewardTerms, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.rewardTerms = rewardTerms
        self.terminated = terminated
        self.truncated = truncated
    }
}

/// Named reward terms of one step. Terms whose name ends in `_cost` are subtracted from the
/// reward, all others added: reward = (sum of the others, in order) - (sum of the costs, in
/// order), bit for bit; each environment documents its terms.
public struct RewardTerms: Sendable, Equatable {
    public let names: [String]
    public let values: [Double]

    public init(names: [String], values: [Double]) {
        precondition(names.count == values.count, "one value per reward term")
        self.names = names
        self.values = values
    }

    /// The value of term `name`, or nil when this environment has no such term.
    public subscript(name: String) -> Double? {
        names.firstIndex(of: name).map { values[$0] }
    }
}
