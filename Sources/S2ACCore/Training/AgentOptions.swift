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

extension AgentOptions {
    /// The options given, by option, with their values as `ConfigOverride` text.
    var given: [(AgentOption, String)] {
        func json<T: Encodable>(_ v: T) -> String { (try? canonicalJSON(v)) ?? "\(v)" }
        var out: [(AgentOption, String)] = []
        if let v = particles { out.append((.particles, json(v))) }
        if let v = svgdSteps { out.append((.svgdSteps, json(v))) }
        if let v = svgdStepSize { out.append((.svgdStepSize, json(v))) }
        if let v = bandwidth { out.append((.bandwidth, json(v))) }
        if let v = sigmaP0 { out.append((.sigmaP0, json(v))) }
        if let v = criticHidden { out.append((.criticHidden, json(v))) }
        if let v = actorHidden { out.append((.actorHidden, json(v))) }
        return out
    }
}

extension TrainRunConfig {
    /// The agent options as the configuration fields they set (through the agent's catalog
    /// entry); an option the agent does not have is an `InputError`.
    public func overrides(for options: AgentOptions) throws -> [ConfigOverride] {
        let fields = entry.options
        return try options.given.map { option, value in
            guard let path = fields[option] else {
                throw InputError(fields.isEmpty ? "--agent \(agent) takes none of the agent options (--\(option.rawValue))"
                                                : "--\(option.rawValue) does not apply to --agent \(agent)")
            }
            return ConfigOverride(path: path, value: value, source: "--" + option.rawValue)
        }
    }

    /// This configuration with `options` applied; throws `InputError` for an option the agent
    /// does not have or a value out of range.
    public func applying(_ options: AgentOptions) throws -> TrainRunConfig {
        try setting(overrides(for: options))
    }
}
