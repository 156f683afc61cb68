import Foundation

/// Settings of S2AC(phi) and S2AC(phi,theta). Two presets: `paper` (Tables 3, 4, Eq. 10-13,
/// Thm 3.3) and `authorsCode` (`STAC/main.py`, `core.py`, `actors/actor_svgd.py`); REFERENCE
/// sections 3-5. Every run records which preset (and which overrides) it used.
///
/// Shared by both presets (as in the code): SVGD runs on the pre-squash u (the paper scores Q at
/// tanh(u) with the Jacobian's term, the code at u itself); the bandwidth is computed per state
/// from detached distances; log q^L(s) of a state is the mean over its m particles
/// (actor_svgd.py `logp_a`). Not followed: the code's a0 pool (opt-in, `authorsA0Pool`) and its
/// network evaluation on 2000/m copies of each state for rejection (same law, cheaper here).
public struct S2ACConfig: Codable, Sendable, Equatable {
    /// Preset name written to result files (`paper`, `authors-code`, or a custom label).
    public var preset: String
    /// m, SVGD particles per state (Table 3: 10; main.py `num_svgd_particles` 10).
    public var particles: Int
    /// L for S2AC(phi) (Table 3: 20; main.py 20).
    public var stepsPhi: Int
    /// L for S2AC(phi,theta) (Table 3: 3; main.py 3).
    public var stepsPhiTheta: Int
    /// eps, the SVGD step size (Table 3: 0.1; main.py `svgd_lr` 0.1).
    public var stepSize: Double
    /// sigma_p0, the std of q0 = N(0, sigma_p0^2 I) for S2AC(phi). Tables 4 and 3 write N(0, 0.5 I)
    /// (MuJoCo) and N(0, 0.3 I) (multigoal); elsewhere the paper's N(mu, c I) is a covariance
    /// (Table 2 and the notebook's Fig 4a start N(0, 6 I)), so `paper` reads 0.5 and 0.3 as
    /// variances: sigma_p0 = sqrt(0.5), sqrt(0.3). main.py `svgd_sigma_p0` 0.5 is the std it samples with.
    public var sigmaP0: Double
    /// Use the code's log q0 = -d/2 log(2 pi sigma_p0) - |a0|^2 / (2 sigma_p0), i.e. sigma_p0
    /// taken as the variance while a0 is drawn with std sigma_p0 (actor_svgd.py `logp_normal`).
    /// false: the exact density of the distribution actually sampled.
    public var authorsLogQ0: Bool
    /// Draw a0 of S2AC(phi) from a pool of 5 * batch * m normals made at construction
    /// (actor_svgd.py `self.a0`); false (default in both presets) draws fresh noise every call.
    public var authorsA0Pool: Bool
    /// t: q0 particles of S2AC(phi,theta) must satisfy |xi| <= t componentwise (paper Sec. 4, t = 3).
    /// Both presets reject the initial noise only. Eq. 9 asks for mu - t sigma <= a^l <= mu + t sigma
    /// at every step l, by sampling more particles and keeping those that stay inside; we do
    /// not follow it: the particles interact, so keeping some changes the others' steps, and the
    /// kept set's density is q^L times an acceptance probability that depends on theta and Q,
    /// which Thm 3.3 leaves out (rejecting xi before the first step costs only a constant);
    /// redrawing until a whole set stays inside need not end while the score points out of the
    /// band (sigma_theta is clamped to [0.1, 1], so the band can be +-0.3 wide), and clamping
    /// would break invertibility (Sec. 3.1).
    public var truncation: Double
    /// log sigma_theta clamp (networks.py `MLPSquashedGaussian`: [-20, 2]).
    public var logStdRange: [Double]
    /// sigma_theta clamp (actor_svgd.py `torch.clamp(self.sigma, 0.1, 1.0)`).
    public var sigmaRange: [Double]
    /// alpha of the sampler's target exp(Q / alpha) (Eq. 23) in the paper's placement (Eq. 24,
    /// Appendix H.1, Thm 3.3): score grad_u min(Q1,Q2) undivided, repulsion weighted by alpha
    /// (`SteinPolicy.temperature`); nil: the code's sampler, alpha unused (actor_svgd.py `phi`).
    public var svgdTemperature: Double?
    /// true (paper): the sampler scores Q at the actions a = L tanh(u) the critics are trained
    /// on, with the tanh Jacobian's term, so the policy on actions is exp(Q / alpha)
    /// (`SteinPolicy.squashedScore`); nil or false (authors' code, actor_svgd.py `phi`): Q at the
    /// pre-squash particle u.
    public var squashedScore: Bool?
    /// Kernel bandwidth rule, `Bandwidth(parsing:)` syntax (kernels.py `adaptive_sig` 4 = "forth").
    /// "forth" in both presets, not Tables 3-4's `sigma = sum_{i,j} |a_i - a_j|^2 / (4 (2 log m + 1))`
    /// (`paper-table3`): read as the kernel's sigma it sums m^2 squared distances, so it grows
    /// as m^2 and as the square of the action scale: 4.8 on multigoal's q0 (particle std 0.55),
    /// 24 on MuJoCo's, against forth's 0.33 and 0.75; on a two-mode target SVGD keeps both modes
    /// in 3 of 20 runs with it, 20 of 20 with forth (scripts/reference/bandwidth_rules.py).
    public var bandwidth: String
    /// Thm 3.3 normalisation: m - 1 (actor_svgd.py) or m (paper Thm 3.3).
    public var traceNormalization: SteinTraceNormalization
    /// Critic hidden sizes (Table 3: 2 x 256; main.py 2 x 256), ELU (REFERENCE 4: second derivatives).
    public var criticHidden: [Int]
    /// q0 network hidden sizes of S2AC(phi,theta) (Table 3: 2 x 256; main.py actor 3 x 256).
    public var actorHidden: [Int]
    /// Adam learning rate of the critics (Table 3: 3e-4; main.py 1e-3).
    public var criticLearningRate: Double
    /// Adam learning rate of q0's network (Table 3: 3e-4; main.py 1e-3).
    public var actorLearningRate: Double
    /// Discount (Table 3: 0.99 MuJoCo, Table 4: 0.8 multigoal; main.py 0.99).
    public var gamma: Double
    /// Polyak tau (Table 3: 0.005; main.py polyak 0.995).
    public var tau: Double
    /// alpha_c, entropy weight in the critic target (Table 3: 1.0, 0.2 Ant; main.py 0.2).
    public var alphaCritic: Double
    /// alpha_a, entropy weight in the actor loss (Table 3: 1.0, 0.2 Ant; main.py 0.2).
    public var alphaActor: Double
    /// Action bound: a = actionLimit * tanh(u).
    public var actionLimit: Double

    /// Paper, MuJoCo (Tables 3; Thm 3.3; Eq. 23 for the score temperature).
    public static let paper = S2ACConfig(
        preset: "paper", particles: 10, stepsPhi: 20, stepsPhiTheta: 3, stepSize: 0.1, sigmaP0: 0.5.squareRoot(),
        authorsLogQ0: false, authorsA0Pool: false, truncation: 3, logStdRange: [-20, 2], sigmaRange: [0.1, 1.0],
        svgdTemperature: 1.0, squashedScore: true, bandwidth: "forth", traceNormalization: .paper, criticHidden: [256, 256],
        actorHidden: [256, 256], criticLearningRate: 3e-4, actorLearningRate: 3e-4, gamma: 0.99, tau: 0.005,
        alphaCritic: 1.0, alphaActor: 1.0, actionLimit: 1)

    /// The authors' code defaults (main.py, actor_svgd.py), MuJoCo.
    public static let authorsCode = S2ACConfig(
        preset: "authors-code", particles: 10, stepsPhi: 20, stepsPhiTheta: 3, stepSize: 0.1, sigmaP0: 0.5,
        authorsLogQ0: true, authorsA0Pool: false, truncation: 3, logStdRange: [-20, 2], sigmaRange: [0.1, 1.0],
        svgdTemperature: nil, squashedScore: nil, bandwidth: "forth", traceNormalization: .authors, criticHidden: [256, 256],
        actorHidden: [256, 256, 256], criticLearningRate: 1e-3, actorLearningRate: 1e-3, gamma: 0.99, tau: 0.005,
        alphaCritic: 0.2, alphaActor: 0.2, actionLimit: 1)

    /// Multigoal (Table 3: m 10, eps 0.01, L 10, q0 N(0, 0.3 I) with 0.3 a variance, gamma 0.8).
    public static var paperMultigoal: S2ACConfig {
        var c = paper
        c.preset = "paper-multigoal"; c.stepSize = 0.01; c.stepsPhi = 10; c.stepsPhiTheta = 10
        c.sigmaP0 = 0.3.squareRoot(); c.gamma = 0.8
        return c
    }

    /// Multigoal as the code runs it (main.py: L 5, eps 0.1).
    public static var authorsCodeMultigoal: S2ACConfig {
        var c = authorsCode
        c.preset = "authors-code-multigoal"; c.stepSize = 0.1; c.stepsPhi = 5; c.stepsPhiTheta = 5
        return c
    }

    /// A preset by its name (`paper`, `authors-code`, `paper-multigoal`, `authors-code-multigoal`).
    public static func preset(named name: String) throws -> S2ACConfig {
        switch name {
        case "paper": return paper
        case "authors-code": return authorsCode
        case "paper-multigoal": return paperMultigoal
        case "authors-code-multigoal": return authorsCodeMultigoal
        default: throw InputError("unknown S2AC preset '\(name)' (paper, authors-code, paper-multigoal, authors-code-multigoal)")
        }
    }

    /// The sampler with L = `steps`.
    public func policy(steps: Int) throws -> SteinPolicy {
        SteinPolicy(particles: particles, steps: steps, stepSize: stepSize, actionLimit: actionLimit,
                    temperature: svgdTemperature, squashedScore: squashedScore ?? false,
                    bandwidth: try Bandwidth(parsing: bandwidth),
                    traceNormalization: traceNormalization)
    }
}

extension S2ACConfig {
    /// The range of every field (`train --set`, the agent options and the presets alike).
    func check(_ c: inout ConfigCheck, at p: String) {
        c.range(particles, 2...10_000, p + ".particles")
        c.range(stepsPhi, 0...10_000, p + ".stepsPhi")
        c.range(stepsPhiTheta, 0...10_000, p + ".stepsPhiTheta")
        c.positive(stepSize, p + ".stepSize")
        // Pre-tanh standard deviations outside this range only saturate tanh or collapse the
        // particles onto one point; at 1e300 or 1e-300 the arithmetic overflows.
        c.range(sigmaP0, 1e-4...1e2, p + ".sigmaP0")
        c.positive(truncation, p + ".truncation")
        c.require(logStdRange.count == 2 && logStdRange[0] < logStdRange[1], p + ".logStdRange",
                  "must be [low, high] with low < high, got \(logStdRange)")
        c.require(sigmaRange.count == 2 && sigmaRange[0] > 0 && sigmaRange[0] <= sigmaRange[1], p + ".sigmaRange",
                  "must be [low, high] with 0 < low <= high, got \(sigmaRange)")
        if let t = svgdTemperature { c.temperature(t, p + ".svgdTemperature") }
        c.bandwidth(bandwidth, p + ".bandwidth")
        c.actorCritic(criticHidden: criticHidden, actorHidden: actorHidden, criticLearningRate: criticLearningRate,
                      actorLearningRate: actorLearningRate, gamma: gamma, tau: tau, at: p)
        c.temperature(alphaCritic, p + ".alphaCritic")
        c.temperature(alphaActor, p + ".alphaActor")
        c.positive(actionLimit, p + ".actionLimit")
    }
}
