/// The planar robots (Hopper, Walker2d, HalfCheetah) share Gymnasium's v4 step: forward
/// velocity of `qpos[0]`, a float32 control cost, and, for those with a healthy reward, the
/// healthy reward 1 and termination when unhealthy. Each robot's file states its constants.
public protocol PlanarEnv: MuJoCoEnv {
    /// Weight of `sum(action^2)` in the control cost.
    var controlCostWeight: Double { get }
    /// Bounds the observed velocities are clipped to, or nil.
    var velocityClip: ClosedRange<Double>? { get }
    /// Whether the reward has the healthy term 1 and the episode terminates when unhealthy.
    var hasHealthyReward: Bool { get }
    /// Gymnasium's `is_healthy` (always true without a healthy reward).
    var isHealthy: Bool { get }
}

extension PlanarEnv {
    /// "forward", "healthy" (with a healthy reward), "control_cost".
    public var rewardTermNames: [String] { hasHealthyReward ? planarTermsWithHealthy : planarTerms }

    /// The x velocity enters the reward with weight 1 for all three.
    public var forwardRewardWeight: Double { 1 }

    /// `qpos[1...]` (x excluded), then `qvel`, clipped to `velocityClip`.
    public func observation() -> [Double] {
        stateObservation(simulation.data, skip: 1, velocityClip: velocityClip, capacity: observationDimension)
    }

    /// With a healthy reward: reward `(forward + healthy) - control_cost`, terminated when
    /// unhealthy; without: reward `forward - control_cost`, never terminated.
    public func step(_ action: [Float]) -> StepResult {
        checkAction(action)
        let sim = simulation
        let xBefore = sim.data[.qpos, 0]
        sim.advance(action)
        let forward = forwardRewardWeight * ((sim.data[.qpos, 0] - xBefore) / sim.dt)
        let controlCost = float32ControlCost(action, weight: controlCostWeight)
        let observation = observation()
        guard hasHealthyReward else {
            return StepResult(observation: observation, reward: forward - controlCost,
                              rewardTerms: RewardTerms(names: rewardTermNames, values: [forward, controlCost]),
                              terminated: false, truncated: timeLimitReached)
        }
        let healthy = 1.0
        return StepResult(observation: observation, reward: (forward + healthy) - controlCost,
                          rewardTerms: RewardTerms(names: rewardTermNames, values: [forward, healthy, controlCost]),
                          terminated: !isHealthy, truncated: timeLimitReached)
    }
}

// Shared constants, so a step retains the names instead of building a new array.
private let planarTermsWithHealthy = ["forward", "healthy", "control_cost"]
private let planarTerms = ["forward", "control_cost"]
