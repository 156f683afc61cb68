/// The MuJoCo locomotion environments by the suite's id.
public enum MuJoCoEnvs {
    /// The ids `make(_:)` accepts: Gymnasium's v4 names with their default arguments, and
    /// `Ant-v4-contact`, Gymnasium's `Ant-v4` with `use_contact_forces=True` (the paper's Ant-v2
    /// setting: 111-dimensional observation and the contact cost).
    public static let ids = ["Hopper-v4", "Walker2d-v4", "HalfCheetah-v4", "Ant-v4", "Ant-v4-contact", "Humanoid-v4"]

    /// A new environment `id`.
    public static func make(_ id: String, assets: String? = nil) throws -> any MuJoCoEnv {
        switch id {
        case "Hopper-v4": return try Hopper(assets: assets)
        case "Walker2d-v4": return try Walker2d(assets: assets)
        case "HalfCheetah-v4": return try HalfCheetah(assets: assets)
        case "Ant-v4": return try Ant(contactForces: false, assets: assets)
        case "Ant-v4-contact": return try Ant(contactForces: true, assets: assets)
        case "Humanoid-v4": return try Humanoid(assets: assets)
        default:
            throw InputError("unknown environment \(id); expected one of \(ids.joined(separator: ", "))")
        }
    }
}
