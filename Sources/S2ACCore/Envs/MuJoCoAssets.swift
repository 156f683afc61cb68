import Foundation

/// Gymnasium's MJCF models, fetched by `make assets` (scripts/fetch-mujoco-assets.sh) from the
/// pinned gymnasium 1.4.0 wheel into `assets/mujoco/` and checked here against the same
/// sha256 values as scripts/mujoco-assets.sha256, so a missing or edited model is an error
/// that names the file and the command that fetches it, never a silently different physics.
public enum MuJoCoAssets {
    /// File name and sha256 of each model.
    public static let checksums: [String: String] = [
        "hopper.xml": "3ce93a055ffdcd83c0c701d2400768e40d2cbb9532f3c4ae33377c27f8b39f9e",
        "walker2d.xml": "ac13373c7ac9003a5311c4704b314ed11149b3dd7600bbc02770487300f9ad2d",
        "half_cheetah.xml": "11797a5d69e8ac955e89ca6fdd3a0087f1c990094fda401ac51420de1b6c5494",
        "ant.xml": "cd5f83ef0ea35b0969e65d360c5bacd5b74ccaef6b27e4433b5168c605e3e2be",
        "humanoid.xml": "85816f372c826d2094b4a598918233bd9c5843b2439119eece2733bdc2e0d073",
    ]

    /// The folder holding the models: `$S2AC_MUJOCO_ASSETS` if set, else the first
    /// `assets/mujoco` found walking up from the current directory, else from this source file
    /// (a build from a checkout), else `assets/mujoco` relative to the current directory.
    public static var directory: String {
        if let dir = ProcessInfo.processInfo.environment["S2AC_MUJOCO_ASSETS"], !dir.isEmpty { return dir }
        let fm = FileManager.default
        for start in [fm.currentDirectoryPath, (#filePath as NSString).deletingLastPathComponent] {
            var dir = URL(fileURLWithPath: start)
            while true {
                let candidate = dir.appendingPathComponent("assets/mujoco")
                var isDir: ObjCBool = false
                if fm.fileExists(atPath: candidate.path, isDirectory: &isDir), isDir.boolValue { return candidate.path }
                let parent = dir.deletingLastPathComponent()
                if parent.path == dir.path { break }
                dir = parent
            }
        }
        return "assets/mujoco"
    }

    /// The verified path of model `file` in `directory`.
    public static func path(of file: String, in directory: String = MuJoCoAssets.directory) throws -> String {
        guard let expected = checksums[file] else { throw MuJoCoError("no pinned MuJoCo model called \(file)") }
        let path = (directory as NSString).appendingPathComponent(file)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw MuJoCoError("missing MuJoCo model \(path); fetch the pinned models with `make assets`")
        }
        let actual = sha256Hex([UInt8](data))
        guard actual == expected else {
            throw MuJoCoError("MuJoCo model \(path) has sha256 \(actual), not the pinned \(expected); "
                              + "restore it with `make assets`")
        }
        return path
    }

    /// Loads and compiles model `file` after checking it.
    public static func load(_ file: String, from directory: String = MuJoCoAssets.directory) throws -> MuJoCoModel {
        try MuJoCoModel(xmlPath: path(of: file, in: directory))
    }
}
