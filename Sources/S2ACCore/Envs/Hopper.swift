/// Hopper-v4 (Gymnasium 1.x `hopper_v4.py`, default arguments) on `hopper.xml`.
///
/// - Model: planar one-legged robot; nq = 6 (rootx, rootz, rooty, thigh, leg, foot), nv = 6,
///   nu = 3 actuators with control range [-1, 1]. Frame skip 4, timestep 0.002, dt = 0.008.
/// - Observation (11): `qpos[1..<6]` (x position excluded), then `qvel[0..<6]` clipped to [-10, 10].
/// - Reward: `(forward + healthy) - control_cost`, with
///   `forward = (x_after - x_before) / dt` from `qpos[0]`,
///   `healthy = 1` (with termination on, Gymnasium's healthy reward is always 1),
///   `control_cost = 1e-3 * sum(action^2)` (float32 squares and sum, product in float64).
/// - Terminated when unhealthy, i.e. unless all of: every value of `qpos[2...]` and `qvel`
///   lies strictly inside (-100, 100); z = `qpos[1]` > 0.7; angle = `qpos[2]` in (-0.2, 0.2).
/// - Truncated after 1000 steps. Reset noise: uniform in [-0.005, 0.005) on every qpos and
///   qvel coordinate.
/// - Version notes: v4 (unlike v2/v3 on mujoco-py) uses the `mujoco` bindings; the observation
///   and reward are those of v3 with default arguments.
public final class Hopper: PlanarEnv {
    public let id = "Hopper-v4"
    public let simulation: MuJoCoSimulation
    public let observationDimension = 11
    public let controlCostWeight = 1e-3
    public let resetNoise = ResetNoise.uniform(5e-3)
    public let velocityClip: ClosedRange<Double>? = -10...10
    public let hasHealthyReward = true

    public init(assets directory: String? = nil) throws {
        simulation = try MuJoCoSimulation(model: "hopper.xml", frameSkip: 4, contactForces: false, assets: directory)
    }

    /// Gymnasium's `is_healthy` for Hopper.
    public var isHealthy: Bool {
        let d = simulation.data
        for i in 2..<d.count(.qpos) where !(-100 < d[.qpos, i] && d[.qpos, i] < 100) { return false }
        for i in 0..<d.count(.qvel) where !(-100 < d[.qvel, i] && d[.qvel, i] < 100) { return false }
        let z = d[.qpos, 1], angle = d[.qpos, 2]
        return z > 0.7 && -0.2 < angle && angle < 0.2
    }
}
