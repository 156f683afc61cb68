/// Walker2d-v4 (Gymnasium 1.x `walker2d_v4.py`, default arguments) on `walker2d.xml`.
///
/// - Model: planar two-legged robot; nq = 9 (rootx, rootz, rooty, then thigh, leg, foot of the
///   right and the left leg), nv = 9, nu = 6 actuators with control range [-1, 1].
///   Frame skip 4, timestep 0.002, dt = 0.008.
/// - Observation (17): `qpos[1..<9]` (x position excluded), then `qvel[0..<9]` clipped to [-10, 10].
/// - Reward: `(forward + healthy) - control_cost`, with
///   `forward = (x_after - x_before) / dt` from `qpos[0]`, `healthy = 1`,
///   `control_cost = 1e-3 * sum(action^2)` (float32 squares and sum, product in float64).
/// - Terminated unless z = `qpos[1]` in (0.8, 2.0) and angle = `qpos[2]` in (-1, 1).
/// - Truncated after 1000 steps. Reset noise: uniform in [-0.005, 0.005) on every qpos and
///   qvel coordinate.
/// - Version notes: as v3 with default arguments, on the `mujoco` bindings.
public final class Walker2d: PlanarEnv {
    public let id = "Walker2d-v4"
    public let simulation: MuJoCoSimulation
    public let observationDimension = 17
    public let controlCostWeight = 1e-3
    public let resetNoise = ResetNoise.uniform(5e-3)
    public let velocityClip: ClosedRange<Double>? = -10...10
    public let hasHealthyReward = true

    public init(assets directory: String? = nil) throws {
        simulation = try MuJoCoSimulation(model: "walker2d.xml", frameSkip: 4, contactForces: false, assets: directory)
    }

    /// Gymnasium's `is_healthy` for Walker2d: height and torso angle only.
    public var isHealthy: Bool {
        let z = simulation.data[.qpos, 1], angle = simulation.data[.qpos, 2]
        return 0.8 < z && z < 2.0 && -1 < angle && angle < 1
    }
}
