import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct EnvReplay: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "env-replay",
        abstract: "Step a MuJoCo environment once from each saved state and write what it returns.",
        discussion: """
            in.h5 holds float64 datasets qpos (N x nq), qvel (N x nv), qacc_warmstart (N x nv), \
            time (N) and action (N x nu); optionally xpos and xipos (N x nbody x 3), the body \
            positions as they stand before the step (left by the previous step; Ant and Humanoid \
            read them as their 'before' position). Without them they are computed from qpos with \
            mj_kinematics, which is exact only for the first step after a reset. Each row is \
            restored on its own and stepped once; actions are rounded to float32 as Gymnasium's \
            action spaces hold them. out.h5 gets next_obs (N x obs_dim), reward (N), terminated \
            (N, int8), next_qpos and next_qvel.
            """)

    @Option(help: "Environment: \(MuJoCoEnvs.ids.joined(separator: ", ")).")
    var env: String

    @Flag(help: "Ant-v4 only: the 111-dimensional observation with contact forces (use_contact_forces=True); the same as --env Ant-v4-contact.")
    var contactForces = false

    @Option(help: "Input HDF5 file.")
    var input: String

    @Option(help: "Output HDF5 file (replaced, atomically, when it exists).")
    var output: String

    func run() throws {
        if contactForces && env != "Ant-v4" && env != "Ant-v4-contact" {
            throw InputError("--contact-forces: the contact-force observation exists for Ant-v4 only, not \(env)")
        }
        try requireWritableResult(path: output, force: true)
        let environment = try MuJoCoEnvs.make(contactForces ? "Ant-v4-contact" : env)
        let contactForces = (environment as? Ant)?.contactForces ?? false
        let file = try HDF5File.open(at: input)
        let root = file.root
        guard root.kind(of: "qpos") == .dataset else { throw InputError("\(input): no dataset qpos") }
        let n = try root.shape(of: "qpos").first ?? 0
        var arrays: [String: [Double]] = [:]
        for (name, shape) in environment.replayShapes(count: n) {
            let optional = name == "xpos" || name == "xipos"
            guard root.kind(of: name) == .dataset else {
                if optional { continue }
                throw InputError("\(input): missing dataset \(name) (\(shape.map(String.init).joined(separator: " x ")) float64)")
            }
            let actual = try root.shape(of: name)
            guard actual == shape else {
                throw InputError("\(input): dataset \(name) has shape \(actual), \(environment.id) needs \(shape)")
            }
            guard let values = try? root.read(name, as: Double.self).values else {
                throw InputError("\(input): dataset \(name) must hold floating-point values")
            }
            arrays[name] = values
        }
        let result = environment.replay(ReplayInput(
            count: n, qpos: arrays["qpos"]!, qvel: arrays["qvel"]!, qaccWarmstart: arrays["qacc_warmstart"]!,
            time: arrays["time"]!, action: arrays["action"]!, xpos: arrays["xpos"], xipos: arrays["xipos"]))
        let model = environment.simulation.model
        // Written under a temporary name and renamed when complete, as every result of the
        // suite: a full disk or a crash never costs the previous output.
        struct ReplayConfig: Encodable { let env: String, contactForces: Bool, input: String, steps: Int }
        let out = try ResultWriter(path: output, kind: "env-replay",
                                   config: ReplayConfig(env: environment.id, contactForces: contactForces, input: input, steps: n),
                                   seed: nil, force: true)
        let o = out.root
        try o.write("next_obs", result.nextObservation, shape: [n, environment.observationDimension])
        try o.write("reward", result.reward, shape: [n])
        try o.write("terminated", result.terminated, shape: [n])
        try o.write("next_qpos", result.nextQpos, shape: [n, model.nq])
        try o.write("next_qvel", result.nextQvel, shape: [n, model.nv])
        try o.setAttribute("env", environment.id)
        try o.setAttribute("contact_forces", .int(contactForces ? 1 : 0))
        try o.setAttribute("mujoco_version", mujocoVersion)
        try o.setAttribute("stale_body_positions", arrays["xpos"] != nil && arrays["xipos"] != nil ? "given" : "computed with mj_kinematics")
        try out.commit()
        print("env-replay: \(n) steps of \(environment.id) -> \(output)")
    }
}

EnvReplay.suiteMain()
