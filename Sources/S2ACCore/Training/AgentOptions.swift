import Foundation

/// The agents' own command-line options, applied on top of a resolved preset. Every field is
/// optional: nil keeps the preset's value. Options an agent does not have are refused, so a
/// run file never records a setting that had no effect.
public struct AgentOptions: Equatable, Sendable {
    /// m, particles per state (S2AC agents).
    public var particles: Int?
    /// L, SVGD steps (S2AC(phi) and S2AC(phi,theta) alike: it sets the steps of the chosen agent).
    public var svgdSteps: Int?
    /// eps, the SVGD step size.
    public var svgdStepSize: Double?
    /// Kernel bandwidth rule (`forth`, `median`, `quantile25`, `mean`, `paper-table3`, or a number
    /// for a fixed sigma).
    public var bandwidth: String?
    /// Standard deviation of S2AC(phi)'s fixed q0.
    public var sigmaP0: Double?
    /// Hidden layer widths of the critics and of the actor / q0 network.
    public var criticHidden: [Int]?
    public var actorHidden: [Int]?

    public init(particles: Int? = nil, svgdSteps: Int? = nil, svgdStepSize: Double? = nil, bandwidth: String? = nil,
                sigmaP0: Double? = nil, criticHidden: [Int]? = nil, actorHidden: [Int]? = nil) {
        self.particles = particles; self.svgdSteps = svgdSteps; self.svgdStepSize = svgdStepSize
        self.bandwidth = bandwidth; self.sigmaP0 = sigmaP0; self.criticHidden = criticHidden; self.actorHidden = actorHidden
    }

    public var isEmpty: Bool { self == AgentOptions() }
}

extension TrainRunConfig {
    /// This configuration with `options` applied; throws `InputError` for an option the agent
    /// does not have or a value out of range.
    public func applying(_ options: AgentOptions) throws -> TrainRunConfig {
        guard !options.isEmpty else { return self }
        var c = self
        func refuse(_ flag: String) -> InputError { InputError("--\(flag) does not apply to --agent \(agent)") }
        if var s = c.s2ac {
            if let m = options.particles {
                guard (2...10_000).contains(m) else { throw InputError("--particles must be in 2...10000, got \(m)") }
                s.particles = m
            }
            if let l = options.svgdSteps {
                guard (0...10_000).contains(l) else { throw InputError("--svgd-steps must be in 0...10000, got \(l)") }
                if agent == "s2ac-phi" { s.stepsPhi = l } else { s.stepsPhiTheta = l }
            }
            if let eps = options.svgdStepSize {
                guard eps > 0 && eps.isFinite else { throw InputError("--svgd-step-size must be positive, got \(eps)") }
                s.stepSize = eps
            }
            if let b = options.bandwidth {
                do { _ = try Bandwidth(parsing: b) } catch { throw InputError("--\(error)") }
                s.bandwidth = b
            }
            if let sd = options.sigmaP0 {
                guard agent == "s2ac-phi" else { throw refuse("sigma-p0") }
                // Pre-tanh standard deviations outside this range only saturate tanh or collapse the
                // particles onto one point; at 1e300 or 1e-300 the arithmetic overflows.
                guard (1e-4...1e2).contains(sd) else { throw InputError("--sigma-p0 must be in 0.0001...100, got \(sd)") }
                s.sigmaP0 = sd
            }
            if let h = options.criticHidden { s.criticHidden = try Self.widths(h, flag: "critic-hidden") }
            if let h = options.actorHidden { s.actorHidden = try Self.widths(h, flag: "actor-hidden") }
            c.s2ac = s
        } else if var s = c.sac {
            if options.particles != nil { throw refuse("particles") }
            if options.svgdSteps != nil { throw refuse("svgd-steps") }
            if options.svgdStepSize != nil { throw refuse("svgd-step-size") }
            if options.bandwidth != nil { throw refuse("bandwidth") }
            if options.sigmaP0 != nil { throw refuse("sigma-p0") }
            if let h = options.criticHidden { s.criticHidden = try Self.widths(h, flag: "critic-hidden") }
            if let h = options.actorHidden { s.actorHidden = try Self.widths(h, flag: "actor-hidden") }
            c.sac = s
        } else if var s = c.sql {
            if let m = options.particles {
                guard (2...10_000).contains(m) else { throw InputError("--particles must be in 2...10000, got \(m)") }
                s.particles = m
            }
            if options.svgdSteps != nil { throw refuse("svgd-steps") }
            if options.svgdStepSize != nil { throw refuse("svgd-step-size") }
            if options.sigmaP0 != nil { throw refuse("sigma-p0") }
            if let b = options.bandwidth {
                do { _ = try Bandwidth(parsing: b) } catch { throw InputError("--\(error)") }
                s.bandwidth = b
            }
            if let h = options.criticHidden { s.criticHidden = try Self.widths(h, flag: "critic-hidden") }
            if let h = options.actorHidden { s.actorHidden = try Self.widths(h, flag: "actor-hidden") }
            c.sql = s
        } else {
            throw InputError("--agent \(agent) takes none of these options")
        }
        return c
    }

    static func widths(_ h: [Int], flag: String) throws -> [Int] {
        guard !h.isEmpty, h.allSatisfy({ (1...65_536).contains($0) }) else {
            throw InputError("--\(flag) must list layer widths in 1...65536, got \(h)")
        }
        return h
    }
}
