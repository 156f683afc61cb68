/// What the five MuJoCo locomotion environments share: the simulation loop of Gymnasium's
/// `MujocoEnv` (v4 environments), state restoration for replay, reset noise and numpy's
/// summation orders (needed for rewards bit-identical to Gymnasium's).
///
/// The step is `ctrl = action`, `mj_step` `frameSkip` times, then, for the environments that
/// observe contact forces (Ant with contact forces, Humanoid), `mj_rnePostConstraint`, which
/// fills `cfrc_ext`. Gymnasium calls it for every environment; it writes only `cacc`,
/// `cfrc_int` and `cfrc_ext`, which nothing else reads, so skipping it elsewhere changes no
/// output (the conformance tests check every one) and saves a few per cent. Nothing is recomputed afterwards, so `xpos`, `xipos`, `cinert`,
/// `cvel` and `qfrc_actuator` are those of the start of the last substep, exactly as
/// Gymnasium reads them. A reset is `mj_resetData`, `qpos`/`qvel` set, then `mj_forward`.
public final class MuJoCoSimulation {
    public let model: MuJoCoModel
    public let data: MuJoCoData
    /// `mj_step` calls per environment step.
    public let frameSkip: Int
    /// Environment time step: `opt.timestep * frameSkip`.
    public let dt: Double
    /// The state `mj_resetData` gives, to which reset noise is added.
    public let initQpos: [Double]
    public let initQvel: [Double]
    /// Steps since the last reset (the time limit's counter).
    public var elapsedSteps = 0
    /// Whether `advance` computes `cfrc_ext` (`mj_rnePostConstraint`) after the substeps.
    public let computesContactForces: Bool

    /// Loads the pinned model `file` (see `MuJoCoAssets`).
    public init(model file: String, frameSkip: Int, contactForces: Bool, assets directory: String? = nil) throws {
        model = try MuJoCoAssets.load(file, from: directory ?? MuJoCoAssets.directory)
        data = try MuJoCoData(model: model)
        self.frameSkip = frameSkip
        computesContactForces = contactForces
        dt = model.timestep * Double(frameSkip)
        initQpos = data.values(.qpos)
        initQvel = data.values(.qvel)
    }

    /// Sets `ctrl`, integrates `frameSkip` substeps and, if `computesContactForces`, computes
    /// the contact forces.
    @inline(__always)
    public func advance(_ action: [Float]) {
        data.setControl(action)
        for _ in 0..<frameSkip { data.step() }
        if computesContactForces { data.rnePostConstraint() }
        elapsedSteps += 1
    }

    /// Gymnasium's reset with a given state: `mj_resetData`, then `qpos`, `qvel`, `mj_forward`.
    public func setState(qpos: [Double], qvel: [Double]) {
        data.reset()
        data.set(.qpos, qpos)
        data.set(.qvel, qvel)
        data.forward()
        elapsedSteps = 0
    }

    /// Restores a state saved from Gymnasium (or from this simulation) so the next step
    /// reproduces it exactly: time, `qpos`, `qvel` and the solver's warm start, plus the body
    /// positions as they stood before the step (stale ones, left by the previous step, which
    /// Ant and Humanoid read as their "before" position). Without them, `mj_kinematics`
    /// computes them from `qpos`, which matches a state just after a reset but not one after a step.
    public func restore(_ state: PhysicsState) {
        data.reset()
        data.time = state.time
        data.set(.qpos, state.qpos)
        data.set(.qvel, state.qvel)
        data.set(.qaccWarmstart, state.qaccWarmstart)
        if state.xpos == nil || state.xipos == nil {
            // mj_kinematics normalises free-joint quaternions inside qpos, which is not
            // idempotent in floating point: keep the given qpos bit for bit.
            data.kinematics()
            data.set(.qpos, state.qpos)
        }
        if let xpos = state.xpos { data.set(.xpos, xpos) }
        if let xipos = state.xipos { data.set(.xipos, xipos) }
        elapsedSteps = 0
    }

    /// Reset with noise uniform in [-scale, scale) on every coordinate of `qpos` and `qvel`
    /// (Hopper, Walker2d, Humanoid), drawn qpos first.
    public func resetUniform(scale: Double, using g: inout Xoshiro256) {
        let qpos = initQpos.map { $0 + g.nextUniform(-scale, scale) }
        let qvel = initQvel.map { $0 + g.nextUniform(-scale, scale) }
        setState(qpos: qpos, qvel: qvel)
    }

    /// Reset with uniform noise in [-scale, scale) on `qpos` and `scale` times standard normal
    /// noise on `qvel` (HalfCheetah, Ant), drawn qpos first.
    public func resetUniformGaussian(scale: Double, using g: inout Xoshiro256) {
        let qpos = initQpos.map { $0 + g.nextUniform(-scale, scale) }
        var noise = [Double](repeating: 0, count: initQvel.count)
        noise.withUnsafeMutableBufferPointer { g.fillGaussian($0) }
        let qvel = (0..<initQvel.count).map { initQvel[$0] + scale * noise[$0] }
        setState(qpos: qpos, qvel: qvel)
    }

    /// Actuator control ranges as float32 bounds (Gymnasium's action space).
    public var actionBounds: (low: [Float], high: [Float]) {
        let r = model.controlRange
        return (r.map { Float($0.low) }, r.map { Float($0.high) })
    }
}

/// Gymnasium's reset noise laws (qpos drawn first, then qvel).
public enum ResetNoise: Sendable, Equatable {
    /// Uniform in [-scale, scale) on every qpos and qvel coordinate.
    case uniform(Double)
    /// Uniform in [-scale, scale) on qpos, scale times a standard normal on qvel.
    case uniformPositionGaussianVelocity(Double)
}

/// `qpos[skip...]` then `qvel` (optionally clipped), with room for `capacity` values: the
/// start of every locomotion observation.
func stateObservation(_ d: MuJoCoData, skip: Int, velocityClip: ClosedRange<Double>? = nil, capacity: Int) -> [Double] {
    var obs = [Double]()
    obs.reserveCapacity(capacity)
    d.append(.qpos, skip..<d.count(.qpos), to: &obs)
    d.append(.qvel, clippedTo: velocityClip, to: &obs)
    return obs
}

/// A state to restore into a `MuJoCoSimulation` (see `restore`).
public struct PhysicsState: Sendable, Equatable {
    public var time: Double
    public var qpos: [Double]
    public var qvel: [Double]
    public var qaccWarmstart: [Double]
    /// Body frame and centre-of-mass positions (nbody x 3, flat) before the step, or nil.
    public var xpos: [Double]?
    public var xipos: [Double]?

    public init(time: Double, qpos: [Double], qvel: [Double], qaccWarmstart: [Double],
                xpos: [Double]? = nil, xipos: [Double]? = nil) {
        self.time = time; self.qpos = qpos; self.qvel = qvel; self.qaccWarmstart = qaccWarmstart
        self.xpos = xpos; self.xipos = xipos
    }
}

/// A locomotion environment over a `MuJoCoSimulation`.
public protocol MuJoCoEnv: Env {
    var simulation: MuJoCoSimulation { get }
    /// Weight of the x velocity in the reward term "forward".
    var forwardRewardWeight: Double { get }
    /// The law of the reset noise added to the model's initial state.
    var resetNoise: ResetNoise { get }
    /// The observation of the current simulation state.
    func observation() -> [Double]
}

extension MuJoCoEnv {
    public var elapsedSteps: Int { simulation.elapsedSteps }
    public var maxEpisodeSteps: Int { 1000 }
    public var actionDimension: Int { simulation.model.nu }
    public var actionLow: [Float] { simulation.actionBounds.low }
    public var actionHigh: [Float] { simulation.actionBounds.high }

    /// Starts an episode: the initial state plus noise drawn from `generator` (`resetNoise`).
    public func reset(using generator: inout Xoshiro256) -> [Double] {
        switch resetNoise {
        case .uniform(let scale): simulation.resetUniform(scale: scale, using: &generator)
        case .uniformPositionGaussianVelocity(let scale): simulation.resetUniformGaussian(scale: scale, using: &generator)
        }
        return observation()
    }

    /// Starts an episode from exactly `qpos`, `qvel` (Gymnasium's `set_state` after
    /// `mj_resetData`) and returns its observation.
    public func reset(qpos: [Double], qvel: [Double]) -> [Double] {
        simulation.setState(qpos: qpos, qvel: qvel)
        return observation()
    }

    /// Restores `state` (see `MuJoCoSimulation.restore`), ready for one `step`.
    public func restore(_ state: PhysicsState) { simulation.restore(state) }

    func checkAction(_ action: [Float]) {
        precondition(action.count == actionDimension, "\(id) takes \(actionDimension) action values, got \(action.count)")
    }

    /// `truncated` for the step just taken.
    var timeLimitReached: Bool { simulation.elapsedSteps >= maxEpisodeSteps }
}

/// numpy's order for `np.sum` over `n` contiguous values (numpy 1.x `pairwise_sum`, for
/// n <= 128): sequential from 0 below 8 values; otherwise eight running sums over blocks of
/// eight, combined as ((r0+r1)+(r2+r3))+((r4+r5)+(r6+r7)), then the remainder added in order.
/// Gymnasium's costs are sums of this kind, so the order decides the last bit of the reward.
@inline(__always)
func numpySum<T: BinaryFloatingPoint>(count n: Int, _ term: (Int) -> T) -> T {
    precondition(n <= 128, "numpySum covers numpy's single-block case only")
    if n < 8 {
        var s: T = 0
        for i in 0..<n { s += term(i) }
        return s
    }
    var r = (term(0), term(1), term(2), term(3), term(4), term(5), term(6), term(7))
    var i = 8
    while i < n - n % 8 {
        r.0 += term(i); r.1 += term(i + 1); r.2 += term(i + 2); r.3 += term(i + 3)
        r.4 += term(i + 4); r.5 += term(i + 5); r.6 += term(i + 6); r.7 += term(i + 7)
        i += 8
    }
    var s = ((r.0 + r.1) + (r.2 + r.3)) + ((r.4 + r.5) + (r.6 + r.7))
    while i < n { s += term(i); i += 1 }
    return s
}

/// Gymnasium's control cost `weight * np.sum(np.square(action))` for a float32 action: squares
/// and sum in float32, the product with the weight in float64 (numpy 1.x scalar promotion).
@inline(__always)
func float32ControlCost(_ action: [Float], weight: Double) -> Double {
    weight * Double(numpySum(count: action.count) { action[$0] * action[$0] })
}
