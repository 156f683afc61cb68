import Foundation
import S2ACCore
import Testing

@Suite struct EnvCatalogTests {
    /// Each entry's sizes and episode length are those of the environment it builds.
    @Test func entriesMatchTheirEnvironments() throws {
        #expect(EnvCatalog.ids == ["Multigoal", "Multigoal-obstacle"] + MuJoCoEnvs.ids)
        for spec in EnvCatalog.all {
            let env = try spec.make()
            #expect(env.observationDimension == spec.observationDimension, "\(spec.id)")
            #expect(env.actionDimension == spec.actionDimension, "\(spec.id)")
            #expect(env.maxEpisodeSteps == spec.episodeLength, "\(spec.id)")
            #expect(spec.isMultigoal == spec.id.hasPrefix("Multigoal"), "\(spec.id)")
        }
    }

    /// The paper preset's per-environment rules: gamma 0.8 on multigoal (Table 4), alpha 0.2 on Ant (Table 3).
    @Test func paperPresetRules() throws {
        for spec in EnvCatalog.all {
            let sac = SACConfig.paper(envID: spec.id), sql = SQLConfig.paper(envID: spec.id)
            let gamma = spec.isMultigoal ? 0.8 : 0.99, alpha = spec.id.hasPrefix("Ant-v4") ? 0.2 : 1.0
            #expect(sac.gamma == gamma && sql.gamma == gamma, "\(spec.id)")
            #expect(sac.alphaCritic == alpha && sac.alphaActor == alpha && sql.alphaCritic == alpha, "\(spec.id)")
            let s2ac = TrainRunConfig.s2acConfig(preset: "paper", env: spec.id, alpha: nil, actionLimit: 1)
            #expect(s2ac.gamma == gamma && s2ac.alphaCritic == alpha && s2ac.alphaActor == alpha, "\(spec.id)")
        }
    }

    /// `train --env Ant-v4-contact` trains on the 111-dimensional Ant with the contact cost.
    @Test func trainRunsOnAntWithContactForces() throws {
        let spec = try EnvCatalog.spec("Ant-v4-contact")
        #expect(spec.observationDimension == 111 && spec.actionDimension == 8 && spec.paperAlpha == 0.2)
        #expect(try spec.make().id == "Ant-v4-contact")
        let folder = makeTemporaryFolder("train-ant-contact")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let out = folder + "/sac.h5"
        let r = try runSuiteTool("train", ["--agent", "sac", "--env", "Ant-v4-contact", "--preset", "smoke", "--steps", "100",
                                           "--eval-every", "100", "--eval-episodes", "1", "--seed", "0", "--out", out, "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let file = try HDF5File.open(at: out)
        defer { file.close() }
        #expect(try Provenance.read(from: file).configJSON.contains("\"env\":\"Ant-v4-contact\""))
    }

    @Test func unknownIdIsAnInputError() {
        #expect(EnvCatalog.entry("Pendulum-v1") == nil)
        #expect(throws: InputError.self) { try EnvCatalog.spec("Pendulum-v1") }
        #expect(throws: InputError.self) { try TrainRunConfig.resolve(agent: "sac", env: "Ant", preset: "paper", seed: 0) }
    }
}
