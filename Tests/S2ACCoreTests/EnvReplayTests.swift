import Foundation
import Testing
import S2ACCore

@Suite struct EnvReplayTests {
    /// Writes the transitions of fixture `name` as env-replay's input file.
    func writeInput(_ f: GymFixture, to path: String, staleBodies: Bool = true, drop: String? = nil,
                    reshape: (String, [Int])? = nil) throws {
        let file = try HDF5File.create(at: path)
        var names = ["qpos", "qvel", "qacc_warmstart", "action"] + (staleBodies ? ["xpos", "xipos"] : [])
        names.removeAll { $0 == drop }
        for name in names {
            let a = f.arrays[name]!
            try file.root.write(name, a.values, shape: reshape?.0 == name ? reshape!.1 : a.shape)
        }
        if drop != "time" { try file.root.write("time", f.arrays["time"]!.values, shape: [f.count("time")]) }
        try file.flush()
    }

    /// `--env Ant-v4 --contact-forces` is the older spelling of `--env Ant-v4-contact`.
    @Test(arguments: [("Humanoid-v4", ["--env", "Humanoid-v4"]), ("Ant-v4-contact", ["--env", "Ant-v4-contact"]),
                      ("Ant-v4-contact", ["--env", "Ant-v4", "--contact-forces"]), ("Hopper-v4", ["--env", "Hopper-v4"])])
    func replayReproducesGymnasium(_ fixture: String, _ envArguments: [String]) throws {
        let f = try GymFixture(fixture)
        let dir = makeTemporaryFolder("env-replay")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeInput(f, to: dir + "/in.h5")
        let run = try runSuiteTool("env-replay", envArguments + ["--input", dir + "/in.h5", "--output", dir + "/out.h5"])
        #expect(run.code == 0, "\(run.err)")
        let file = try HDF5File.open(at: dir + "/out.h5")
        defer { file.close() }
        let out = file.root
        #expect(try out.attribute("env")?.stringValue == fixture)
        for (name, key) in [("next_obs", "next_obs"), ("next_qpos", "next_qpos"), ("next_qvel", "next_qvel")] {
            let a = try out.read(name, as: Double.self)
            #expect(a.shape == f.arrays[key]!.shape)
            #expect(a.values == f.arrays[key]!.values, "\(name)")
        }
        #expect(try out.read("reward", as: Double.self).values == f.arrays["reward"]!.values)
        #expect(try out.read("terminated", as: Int8.self).values == f.arrays["terminated"]!.values.map { Int8($0) })
    }

    @Test func badInputsExitTwoWithOneLine() throws {
        let f = try GymFixture("Hopper-v4")
        let dir = makeTemporaryFolder("env-replay-bad")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try writeInput(f, to: dir + "/good.h5")
        try writeInput(f, to: dir + "/shape.h5", reshape: ("qpos", [f.count("qpos") * 2, 3]))
        try writeInput(f, to: dir + "/missing.h5", drop: "qacc_warmstart")
        let cases: [([String], String)] = [
            (["--env", "Hopper-v9", "--input", dir + "/good.h5", "--output", dir + "/o.h5"], "unknown environment Hopper-v9"),
            (["--env", "Hopper-v4", "--input", dir + "/shape.h5", "--output", dir + "/o.h5"], "dataset qpos has shape"),
            (["--env", "Hopper-v4", "--input", dir + "/missing.h5", "--output", dir + "/o.h5"], "missing dataset qacc_warmstart"),
            (["--env", "Walker2d-v4", "--input", dir + "/good.h5", "--output", dir + "/o.h5"], "needs"),
            (["--env", "Hopper-v4", "--contact-forces", "--input", dir + "/good.h5", "--output", dir + "/o.h5"], "Ant-v4 only"),
            (["--env", "Hopper-v4", "--input", dir + "/nope.h5", "--output", dir + "/o.h5"], "nope.h5"),
        ]
        for (args, text) in cases {
            let run = try runSuiteTool("env-replay", args)
            #expect(run.code == 2, "\(args): \(run.err)")
            #expect(run.err.contains(text), "\(args): \(run.err)")
            #expect(run.err.split(separator: "\n").count == 1, "\(run.err)")
        }
    }
}
