import Foundation
import Testing
import S2ACCore

/// A run whose losses stop being finite stops there, says where, and hands no diverged step on
/// (so no checkpoint of it is written); inputs that would overflow are refused up front.
@Suite struct DivergenceTests {
    @Test func aDivergingRunStopsAtTheFirstNonFiniteLoss() {
        var config = SACConfig.smoke(envID: "Multigoal")
        config.criticLearningRate = 1e30
        config.actorLearningRate = 1e30
        var rng = SeedTree(seed: 2).stream(.networkInit)
        let sac = SAC(observationDimension: 2, actionDimension: 2, actionLimit: 1, config: config, using: &rng)
        var schedule = TrainingSchedule.smoke(steps: 2000)
        schedule.evaluationEvery = 0
        let t = Trainer(agent: sac, env: Multigoal(), evaluationEnv: Multigoal(), schedule: schedule,
                        replayCapacity: config.replaySize, batchSize: config.batchSize, seed: SeedTree(seed: 2))
        var handedOn: [Int] = []
        t.run { handedOn.append($0.step) }
        #expect(t.divergence != nil && t.step < 2000, "\(String(describing: t.divergence)) at step \(t.step)")
        #expect(t.divergence?.contains("loss is") == true, "\(String(describing: t.divergence))")
        #expect(handedOn.last == t.step - 1)
        #expect(t.lastMetrics?.firstNonFinite != nil)
    }

    @Test func overflowingInputsAreRefused() throws {
        let folder = makeTemporaryFolder("divergence")
        for sigma in ["1e300", "1e-300"] {
            let r = try runSuiteTool("train", ["--agent", "s2ac-phi", "--env", "Multigoal", "--preset", "smoke", "--sigma-p0", sigma,
                                               "--out", folder + "/x.h5"])
            #expect(r.code == 2 && r.err.contains("--sigma-p0"), "\(r.err)")
        }
        let m = try runSuiteTool("multigoal-modes", ["--preset", "smoke", "--alphas", "1e-300", "--out", folder])
        #expect(m.code == 2 && m.err.contains("--alphas"), "\(m.err)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
    }
}
