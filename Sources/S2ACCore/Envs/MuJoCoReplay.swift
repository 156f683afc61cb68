/// Steps a MuJoCo environment from many saved states, one environment step each: what
/// `env-replay` does between its HDF5 files, and how Gymnasium transitions are checked.
///
/// Row i is restored exactly (time, qpos, qvel, qacc_warmstart; the stale body positions when
/// given, else computed from qpos with `mj_kinematics`), its action set as `ctrl`, and one
/// step taken. Actions are float64 here and rounded to float32, the type of Gymnasium's
/// action spaces (values sampled from them round-trip exactly).
public struct ReplayInput: Sendable {
    public var count: Int
    /// Row-major N x nq, N x nv, N x nv, N, N x nu; `xpos`/`xipos` N x nbody x 3 or nil.
    public var qpos, qvel, qaccWarmstart, time, action: [Double]
    public var xpos, xipos: [Double]?

    public init(count: Int, qpos: [Double], qvel: [Double], qaccWarmstart: [Double], time: [Double],
                action: [Double], xpos: [Double]? = nil, xipos: [Double]? = nil) {
        self.count = count; self.qpos = qpos; self.qvel = qvel; self.qaccWarmstart = qaccWarmstart
        self.time = time; self.action = action; self.xpos = xpos; self.xipos = xipos
    }
}

/// What a replay produces, row-major: N x obs_dim, N, N, N x nq, N x nv.
public struct ReplayOutput: Sendable {
    public var nextObservation: [Double] = []
    public var reward: [Double] = []
    public var terminated: [Int8] = []
    public var nextQpos: [Double] = []
    public var nextQvel: [Double] = []
}

extension MuJoCoEnv {
    /// The expected length of each input array for `count` rows, by dataset name.
    public func replayShapes(count n: Int) -> [(name: String, shape: [Int])] {
        let m = simulation.model
        return [("qpos", [n, m.nq]), ("qvel", [n, m.nv]), ("qacc_warmstart", [n, m.nv]), ("time", [n]),
                ("action", [n, m.nu]), ("xpos", [n, m.nbody, 3]), ("xipos", [n, m.nbody, 3])]
    }

    /// Replays every row of `input` (sizes must match `replayShapes`).
    public func replay(_ input: ReplayInput) -> ReplayOutput {
        let m = simulation.model
        let nq = m.nq, nv = m.nv, nu = m.nu, nb3 = 3 * m.nbody
        func rows(_ a: [Double], _ i: Int, _ w: Int) -> [Double] { Array(a[i * w..<(i + 1) * w]) }
        var out = ReplayOutput()
        out.nextObservation.reserveCapacity(input.count * observationDimension)
        for i in 0..<input.count {
            restore(PhysicsState(time: input.time[i], qpos: rows(input.qpos, i, nq), qvel: rows(input.qvel, i, nv),
                                 qaccWarmstart: rows(input.qaccWarmstart, i, nv),
                                 xpos: input.xpos.map { rows($0, i, nb3) }, xipos: input.xipos.map { rows($0, i, nb3) }))
            let r = step(rows(input.action, i, nu).map { Float($0) })
            out.nextObservation += r.observation
            out.reward.append(r.reward)
            out.terminated.append(r.terminated ? 1 : 0)
            out.nextQpos += simulation.data.values(.qpos)
            out.nextQvel += simulation.data.values(.qvel)
        }
        return out
    }
}
