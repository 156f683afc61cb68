import Foundation

// What the multigoal experiments ask of a trained agent beyond acting (Fig 11, 13-15).
// Each agent conforms in its own file here; an agent that does not conform to a probe gets a
// missing entry with `ProbeUnavailable`'s reason in the result file, never a crash.

/// Q of the agent's critics: min(Q1, Q2)(s, a), the quantity the policy samples from.
public protocol CriticProbe: Agent {
    /// min(Q1, Q2) at the rows of `observations` [n, obs] and `actions` [n, d], as [n, 1],
    /// recorded on the graph so it can be differentiated in the actions to any order.
    func probeQ(observations: Tensor<Float>, actions: Tensor<Float>) -> Tensor<Float>
}

/// The actions the agent's policy holds at a state (Fig 14's dots).
public protocol ParticleProbe: Agent {
    /// S2AC: the m final SVGD particles (squashed) at `observation`; a sampling policy: `count`
    /// of its samples. Row-major [rows * d].
    func probeParticles(at observation: [Float], count: Int, using rng: inout Xoshiro256) -> [Float]
}

/// An entropy estimate of the policy at states (Fig 13, 14).
public protocol EntropyProbe: Agent {
    /// One estimate per row of `observations` [n, obs] from `samples` draws per state
    /// (S2AC: `-mean log q^L` of the Thm 3.3 likelihood over `samples` sampler runs' particles;
    /// SAC: `-mean log pi` of `samples` actions).
    func probeEntropy(observations: Tensor<Float>, samples: Int, using rng: inout Xoshiro256) -> [Double]
}

/// The initial distribution q0 of S2AC(phi,theta) (Fig 11).
public protocol InitialDistributionProbe: Agent {
    /// mu_theta(s) and sigma_theta(s), row-major [n * d] each.
    func probeInitialDistribution(observations: Tensor<Float>) -> (mean: [Float], std: [Float])
}

/// Why a probe gives no value for an agent (stored beside the missing entry).
public enum ProbeUnavailable {
    public static func reason(_ agent: any Agent, lacks probe: String) -> String {
        "agent \(agent.name) does not provide \(probe)"
    }
}

/// Smoothness of Q in the action at given (s, a) points (Fig 15): per point
/// `|grad_a Q|_1 / d` (M1's summand) and `sum_ij |d^2 Q / da_i da_j| / d^2` (M2's), with the
/// Hessian from second-order autodiff (one gradient of each component of the first).
/// `q(observations, actions)` returns [n, 1] with row i depending only on row i's inputs.
public func actionSmoothness<T: TensorScalar>(observations: Tensor<T>, actions: Tensor<T>,
                                              q: (Tensor<T>, Tensor<T>) -> Tensor<T>) -> (gradientL1: [Double], hessianL1: [Double]) {
    let n = actions.shape[0], d = actions.shape[1]
    guard n > 0 else { return ([], []) }
    let a = actions.detached().trackingGrad()
    let g = grad(of: q(observations.detached(), a).sum(), wrt: [a], createGraph: true)[0]   // [n, d]
    let gv = g.scalars.map(Double.init)
    var gradientL1 = [Double](repeating: 0, count: n), hessianL1 = [Double](repeating: 0, count: n)
    for i in 0..<n { for k in 0..<d { gradientL1[i] += Swift.abs(gv[i * d + k]) } }
    for k in 0..<d {
        // Row k of every point's Hessian: the gradient of sum_i g[i, k] (points do not interact).
        var mask = [T](repeating: 0, count: n * d)
        for i in 0..<n { mask[i * d + k] = 1 }
        let row = g.requiresGrad ? grad(of: g, wrt: [a], seed: Tensor(mask, shape: [n, d]))[0].scalars : []
        for i in 0..<n where !row.isEmpty { for c in 0..<d { hessianL1[i] += Swift.abs(Double(row[i * d + c])) } }
    }
    return (gradientL1.map { $0 / Double(d) }, hessianL1.map { $0 / Double(d * d) })
}
