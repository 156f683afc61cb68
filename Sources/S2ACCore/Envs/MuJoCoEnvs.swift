/// The MuJoCo locomotion environments by registered name.
public enum MuJoCoEnvs {
    /// The names `make(_:)` accepts.
    public static let ids = ["Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", "Ant-v4", "Humanoid-v4"]

    /// A new environment `id` with Gymnasium's default arguments; `contactForces` selects Ant's
    /// 111-dimensional observation (`use_contact_forces=True`) and is refused for the others.
    public static func make(_ id: String, contactForces: Bool = false, assets: String? = nil) throws -> any MuJoCoEnv {
        if contactForces && id != "Ant-v4" {
            throw InputError("the contact-force observation exists for Ant-v4 only, not \(id)")
        }
        switch id {
        case "Hopper-v4": return try Hopper(assets: assets)
        case "Walker2d-v4": return try Walker2d(assets: assets)
        case "HalfCheetah-v4": return try HalfCheetah(assets: assets)
        case "Ant-v4": return try Ant(contactForces: contactForces, assets: assets)
        case "Humanoid-v4": return try Humanoid(assets: assets)
        default:
            throw InputError("unknown environment \(id); expected one of \(ids.joined(separator: ", "))")
        }
    }
}
