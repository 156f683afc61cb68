/// HalfCheetah-v4 (Gymnasium 1.x `half_cheetah_v4.py`, default arguments) on `half_cheetah.xml`.
///
/// - Model: planar cat-like robot; nq = 9 (rootx, rootz, rooty, then thigh, shin, foot of the
///   back and the front leg), nv = 9, nu = 6 actuators with control range [-1, 1].
///   Frame skip 5, timestep 0.01, dt = 0.05.
/// - Observation (17): `qpos[1..<9]` (x position excluded), then `qvel[0..<9]` (not clipped).
/// - Reward: `forward - control_cost`, with `forward = (x_after - x_before) / dt` from
///   `qpos[0]` and `control_cost = 0.1 * sum(action^2)` (float32 squares and sum, product in
///   float64). No healthy reward.
/// - Never terminated; truncated after 1000 steps.
/// - Reset noise: uniform in [-0.1, 0.1) on qpos, 0.1 times a standard normal on qvel.
/// - Version notes: as v3 with default arguments, on the `mujoco` bindings.
public final class HalfCheetah: PlanarEnv {
    public let id = "HalfCheetah-v4"
    public let simulation: MuJoCoSimulation
    public let observationDimension = 17
    public let controlCostWeight = 0.1
    public let resetNoise = ResetNoise.uniformPositionGaussianVelocity(0.1)
    public let velocityClip: ClosedRange<Double>? = nil
    public let hasHealthyReward = false
    public let isHealthy = true

    public init(assets directory: String? = nil) throws {
        simulation = try MuJoCoSimulation(model: "half_cheetah.xml", frameSkip: 5, contactForces: false, assets: directory)
    }
}
