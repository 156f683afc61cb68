/// The benchmark an environment belongs to: the paper's presets differ between the two
/// (Table 3 for MuJoCo, Table 4 for multigoal).
public enum EnvFamily: String, Codable, Sendable {
    case multigoal
    case mujoco
}

/// One environment as the rest of the suite sees it: its id, sizes, episode length, family and
/// the per-environment rules of the paper preset. Every other place asks this entry instead of
/// testing the id's spelling.
public struct EnvSpec: Sendable, Equatable {
    /// The id `train --env` and the run files use.
    public let id: String
    public let family: EnvFamily
    public let observationDimension: Int
    public let actionDimension: Int
    /// Steps before the time limit truncates an episode (multigoal: 30 as in the authors'
    /// code; Gymnasium v4: 1000).
    public let episodeLength: Int
    /// alpha_c = alpha_a of the paper preset: Table 3 gives 1.0, and 0.2 for Ant.
    public let paperAlpha: Double

    public var isMultigoal: Bool { family == .multigoal }

    /// gamma of the paper preset: Table 3, 0.99 on MuJoCo; Table 4, 0.8 on multigoal.
    public var paperGamma: Double { isMultigoal ? 0.8 : 0.99 }

    /// A fresh environment (Gymnasium's default arguments, except `Ant-v4-contact`'s contact forces).
    public func make() throws -> any Env {
        switch id {
        case "Multigoal": return Multigoal()
        case "Multigoal-obstacle": return Multigoal(withObstacle: true)
        default: return try MuJoCoEnvs.make(id)
        }
    }
}

/// Every environment of the suite, one entry each.
public enum EnvCatalog {
    public static let all: [EnvSpec] = [
        EnvSpec(id: "Multigoal", family: .multigoal, observationDimension: 2, actionDimension: 2, episodeLength: 30, paperAlpha: 1),
        EnvSpec(id: "Multigoal-obstacle", family: .multigoal, observationDimension: 2, actionDimension: 2, episodeLength: 30,
                paperAlpha: 1),
        EnvSpec(id: "Hopper-v4", family: .mujoco, observationDimension: 11, actionDimension: 3, episodeLength: 1000, paperAlpha: 1),
        EnvSpec(id: "Walker2d-v4", family: .mujoco, observationDimension: 17, actionDimension: 6, episodeLength: 1000, paperAlpha: 1),
        EnvSpec(id: "HalfCheetah-v4", family: .mujoco, observationDimension: 17, actionDimension: 6, episodeLength: 1000,
                paperAlpha: 1),
        EnvSpec(id: "Ant-v4", family: .mujoco, observationDimension: 27, actionDimension: 8, episodeLength: 1000, paperAlpha: 0.2),
        // The paper's Ant-v2 setting: 27 + 84 clipped contact forces, contact cost in the reward.
        EnvSpec(id: "Ant-v4-contact", family: .mujoco, observationDimension: 111, actionDimension: 8, episodeLength: 1000,
                paperAlpha: 0.2),
        EnvSpec(id: "Humanoid-v4", family: .mujoco, observationDimension: 376, actionDimension: 17, episodeLength: 1000,
                paperAlpha: 1),
    ]

    /// The ids in catalog order.
    public static var ids: [String] { all.map(\.id) }

    /// The entry of `id`, or nil.
    public static func entry(_ id: String) -> EnvSpec? { all.first { $0.id == id } }

    /// The entry of `id`; an unknown id is an `InputError` naming the known ones.
    public static func spec(_ id: String, flag: String = "--env") throws -> EnvSpec {
        guard let spec = entry(id) else {
            throw InputError("\(flag) must be one of \(ids.joined(separator: ", ")), got '\(id)'")
        }
        return spec
    }

    /// The entry of an id the caller has already checked (a preset asked for an unknown
    /// environment is a programmer error).
    static func known(_ id: String) -> EnvSpec {
        guard let spec = entry(id) else { preconditionFailure("no environment '\(id)' in the catalog") }
        return spec
    }
}
