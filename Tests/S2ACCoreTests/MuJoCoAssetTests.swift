import Foundation
import Testing
import S2ACCore

@Suite struct MuJoCoAssetTests {
    @Test func sha256MatchesFIPSVectors() {
        #expect(sha256Hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        let long = Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)
        #expect(sha256Hex(long) == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test func missingModelNamesFileAndCommand() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("s2ac-no-assets-\(getpid())").path
        let error = #expect(throws: MuJoCoError.self) { _ = try MuJoCoAssets.path(of: "hopper.xml", in: dir) }
        #expect(error?.message.contains("\(dir)/hopper.xml") == true)
        #expect(error?.message.contains("make assets") == true)
    }

    @Test func alteredModelIsRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("s2ac-altered-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var text = try String(contentsOfFile: MuJoCoAssets.path(of: "hopper.xml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "timestep=\"0.002\"", with: "timestep=\"0.001\"")
        try text.write(to: dir.appendingPathComponent("hopper.xml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: MuJoCoError.self) { _ = try Hopper(assets: dir.path) }
        #expect(error?.message.contains("hopper.xml") == true)
        #expect(error?.message.contains("make assets") == true)
    }

    @Test func loadErrorCarriesMuJoCoMessage() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("s2ac-bad-\(getpid()).xml")
        try "<mujoco><worldbody><body><geom type=\"sphere\"/></body></worldbody></mujoco>"
            .write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let error = #expect(throws: MuJoCoError.self) { _ = try MuJoCoModel(xmlPath: file.path) }
        // MuJoCo's own text: a sphere needs a size.
        #expect(error?.message.contains("size") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains(file.path) == true)
    }

    @Test func modelMatchesGymnasiumConstants() throws {
        let hopper = try Hopper()
        #expect(hopper.simulation.model.nq == 6 && hopper.simulation.model.nv == 6 && hopper.actionDimension == 3)
        #expect(hopper.simulation.dt == 0.008)
        #expect(hopper.actionLow == [-1, -1, -1] && hopper.actionHigh == [1, 1, 1])
        #expect(mujocoVersion.hasPrefix("2.2"))
    }
}
