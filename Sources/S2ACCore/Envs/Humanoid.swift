/// Humanoid-v4 (Gymnasium 1.x `humanoid_v4.py`, default arguments) on `humanoid.xml`.
///
/// - Model: 3-D humanoid on a free joint; nq = 24, nv = 23, nu = 17 actuators with control
///   range [-0.4, 0.4], nbody = 14. Frame skip 5, timestep 0.003, dt = 0.015.
/// - Observation (376): `qpos[2..<24]` (22; x and y excluded), `qvel` (23), `cinert`
///   (14 x 10), `cvel` (14 x 6), `qfrc_actuator` (23), `cfrc_ext` (14 x 6). All read as they
///   stand after the step: `cinert`, `cvel` and `qfrc_actuator` are from the start of the
///   last substep, `cfrc_ext` from `mj_rnePostConstraint` after it.
/// - Reward: `(forward + healthy) - control_cost`, with
///   `forward = 1.25 * (x_after - x_before) / dt`, x the centre of mass
///   `sum_b(mass_b * xipos_b) / sum_b(mass_b)` (the numerator summed body by body as numpy's
///   einsum does, the masses in numpy's pairwise order), read from the stale `xipos` as
///   Gymnasium reads it; `healthy = 5`; `control_cost = 0.1 * sum(ctrl^2)` over the float64
///   `ctrl` (numpy's pairwise order for 17 values).
/// - Terminated unless z = `qpos[2]` in (1.0, 2.0).
/// - Truncated after 1000 steps. Reset noise: uniform in [-0.01, 0.01) on every qpos and qvel
///   coordinate (the quaternion is normalised by `mj_forward`).
/// - Version notes: v4 keeps v3's observation (including `cfrc_ext`) but, unlike v2/v3, has
///   no contact cost; on the `mujoco` bindings `cfrc_ext` is filled by `mj_rnePostConstraint`.
public final class Humanoid: MuJoCoEnv {
    public let id = "Humanoid-v4"
    public let simulation: MuJoCoSimulation
    public let observationDimension = 376
    public let rewardTermNames = ["forward", "healthy", "control_cost"]
    public let forwardRewardWeight = 1.25
    private let mass: [Double]
    private let totalMass: Double

    public static let controlCostWeight = 0.1
    public static let healthyReward = 5.0
    public let resetNoise = ResetNoise.uniform(1e-2)

    public init(assets directory: String? = nil) throws {
        simulation = try MuJoCoSimulation(model: "humanoid.xml", frameSkip: 5, contactForces: true, assets: directory)
        mass = simulation.model.bodyMass
        let m = mass
        totalMass = numpySum(count: m.count) { m[$0] }
    }

    public func observation() -> [Double] {
        let d = simulation.data
        var obs = stateObservation(d, skip: 2, capacity: observationDimension)
        d.append(.cinert, to: &obs)
        d.append(.cvel, to: &obs)
        d.append(.qfrcActuator, to: &obs)
        d.append(.cfrcExt, to: &obs)
        return obs
    }

    /// The x coordinate of the centre of mass, from `xipos` as it stands.
    public var centreOfMassX: Double {
        let d = simulation.data
        var sum = 0.0
        for b in 0..<mass.count { sum += mass[b] * d[.xipos, 3 * b] }
        return sum / totalMass
    }

    public var isHealthy: Bool {
        let z = simulation.data[.qpos, 2]
        return 1.0 < z && z < 2.0
    }

    public func step(_ action: [Float]) -> StepResult {
        checkAction(action)
        let xBefore = centreOfMassX
        simulation.advance(action)
        let forward = forwardRewardWeight * ((centreOfMassX - xBefore) / simulation.dt)
        let d = simulation.data
        let controlCost = Self.controlCostWeight * numpySum(count: d.count(.ctrl)) { d[.ctrl, $0] * d[.ctrl, $0] }
        let healthy = Self.healthyReward
        return StepResult(observation: observation(), reward: (forward + healthy) - controlCost,
                          rewardTerms: RewardTerms(names: rewardTermNames, values: [forward, healthy, controlCost]),
                          terminated: !isHealthy, truncated: timeLimitReached)
    }
}
