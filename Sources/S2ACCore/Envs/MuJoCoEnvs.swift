/// The MuJoCo locomotion environments by registered name.
public enum MuJoCoEnvs {
    /// The names `make(_:)` accepts.
    public static let ids = ["Hopper-v4"]

    /// A new environment `id` with Gymnasium's default arguments; `contactForces` selects Ant's
    /// 111-dimensional observation (`use_contact_forces=True`) and is refused for the others.
    public static func make(_ id: String, contactForces: Bool = false, assets: String? = nil) throws -> any MuJoCoEnv {
        if contactForces && id != "Ant-v4" {
            throw InputError("the contact-force observation exists for Ant-v4 only, not \(id)")
        }
        switch id {
        case "Hopper-v4": return try Hopper(assets: assets)
        default:
            throw InputError("unknown environment \(id); expected one of \(ids.joined(separator: ", "))")
        }
    }
}
