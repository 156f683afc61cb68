/// Ant-v4 (Gymnasium 1.x `ant_v4.py`) on `ant.xml`: id `Ant-v4` with Gymnasium's default
/// arguments, id `Ant-v4-contact` with `use_contact_forces=True`.
///
/// - Model: four-legged robot on a free joint; nq = 15 (torso position xyz, quaternion wxyz,
///   then hip and ankle of four legs), nv = 14, nu = 8 actuators with control range [-1, 1],
///   nbody = 14. Frame skip 5, timestep 0.01, dt = 0.05.
/// - Observation (27): `qpos[2..<15]` (x and y excluded), `qvel[0..<14]`. With
///   `contactForces` (`Ant-v4-contact`; Gymnasium's `use_contact_forces=True`, the paper's
///   111-dimensional Ant-v2 state) followed by `cfrc_ext` (14 bodies x 6) clipped to [-1, 1].
/// - Reward: `(forward + healthy) - (control_cost [+ contact_cost])`, with
///   `forward = (x_after - x_before) / dt` from the torso's `xpos` (read as it stands: before
///   the step it is the value the previous step left, from the start of its last substep),
///   `healthy = 1`, `control_cost = 0.5 * sum(action^2)` (float32 squares, numpy's pairwise
///   float32 sum of 8, product in float64), and only with contact forces
///   `contact_cost = 5e-4 * sum(clip(cfrc_ext, -1, 1)^2)` (float64, numpy's order).
/// - Terminated unless every qpos and qvel value is finite and z = `qpos[2]` in [0.2, 1.0]
///   (bounds included, unlike the other environments).
/// - Truncated after 1000 steps. Reset noise: uniform in [-0.1, 0.1) on qpos, 0.1 times a
///   standard normal on qvel (the quaternion is normalised by `mj_forward`).
/// - Version notes: v4 drops contact forces from the default observation (v2/v3 had 111
///   dimensions, with zero forces under MuJoCo >= 2.0 on mujoco-py); `Ant-v4-contact` has v2's
///   observation, reward terms and weights (the engine differs: README, "MuJoCo environments").
public final class Ant: MuJoCoEnv {
    /// `Ant-v4`, or `Ant-v4-contact` with contact forces.
    public let id: String
    public let simulation: MuJoCoSimulation
    public let observationDimension: Int
    public let rewardTermNames: [String]
    public let forwardRewardWeight = 1.0
    /// Whether the observation and the reward include the clipped contact forces.
    public let contactForces: Bool
    private let torso: Int

    public static let controlCostWeight = 0.5
    public static let contactCostWeight = 5e-4
    public let resetNoise = ResetNoise.uniformPositionGaussianVelocity(0.1)

    public init(contactForces: Bool = false, assets directory: String? = nil) throws {
        simulation = try MuJoCoSimulation(model: "ant.xml", frameSkip: 5, contactForces: contactForces, assets: directory)
        self.contactForces = contactForces
        id = contactForces ? "Ant-v4-contact" : "Ant-v4"
        guard let torso = simulation.model.bodyIndex(named: "torso") else { throw MuJoCoError("ant.xml has no body named torso") }
        self.torso = torso
        let forces = simulation.data.count(.cfrcExt)
        observationDimension = simulation.model.nq - 2 + simulation.model.nv + (contactForces ? forces : 0)
        rewardTermNames = ["forward", "healthy", "control_cost"] + (contactForces ? ["contact_cost"] : [])
    }

    public func observation() -> [Double] {
        let d = simulation.data
        var obs = stateObservation(d, skip: 2, capacity: observationDimension)
        if contactForces { d.append(.cfrcExt, clippedTo: -1...1, to: &obs) }
        return obs
    }

    /// Gymnasium's `is_healthy` for Ant.
    public var isHealthy: Bool {
        let d = simulation.data
        for i in 0..<d.count(.qpos) where !d[.qpos, i].isFinite { return false }
        for i in 0..<d.count(.qvel) where !d[.qvel, i].isFinite { return false }
        let z = d[.qpos, 2]
        return 0.2 <= z && z <= 1.0
    }

    public func step(_ action: [Float]) -> StepResult {
        checkAction(action)
        let d = simulation.data
        let xBefore = d[.xpos, 3 * torso]
        simulation.advance(action)
        let forward = forwardRewardWeight * ((d[.xpos, 3 * torso] - xBefore) / simulation.dt)
        let healthy = 1.0
        let controlCost = float32ControlCost(action, weight: Self.controlCostWeight)
        var costs = controlCost
        var terms = [forward, healthy, controlCost]
        if contactForces {
            let contactCost = Self.contactCostWeight * numpySum(count: d.count(.cfrcExt)) { i in
                let f = Swift.min(Swift.max(d[.cfrcExt, i], -1), 1)
                return f * f
            }
            costs += contactCost
            terms.append(contactCost)
        }
        return StepResult(observation: observation(), reward: (forward + healthy) - costs,
                          rewardTerms: RewardTerms(names: rewardTermNames, values: terms),
                          terminated: !isHealthy, truncated: timeLimitReached)
    }
}
