import Foundation
import Testing
import S2ACCore

/// The S2AC agents and SQL through the shared training core: reproducible and resumable bit for bit.
@Suite struct TrainS2ACTests {
    static func smokeConfig() -> S2ACConfig {
        var c = S2ACConfig.paperMultigoal
        c.criticHidden = [16, 16]; c.actorHidden = [16, 16]
        c.particles = 4; c.stepsPhi = 3; c.stepsPhiTheta = 2
        return c
    }

    func makeTrainer(agent: String, seed: UInt64, schedule: TrainingSchedule) throws -> Trainer {
        var g = SeedTree(seed: seed).stream(.networkInit)
        let learner: any Agent
        switch agent {
        case "s2ac-phi":
            learner = try S2ACPhi(observationDimension: 2, actionDimension: 2, config: Self.smokeConfig(), batchSize: 16, using: &g)
        case "s2ac-phi-theta":
            learner = try S2ACPhiTheta(observationDimension: 2, actionDimension: 2, config: Self.smokeConfig(), using: &g)
        default:
            var c = SQLConfig.smoke(envID: "Multigoal")
            c.criticHidden = [16, 16]; c.actorHidden = [16, 16]
            learner = try SQL(observationDimension: 2, actionDimension: 2, actionLimit: 1, config: c, using: &g)
        }
        return Trainer(agent: learner, env: Multigoal(), evaluationEnv: Multigoal(), schedule: schedule,
                       replayCapacity: 1000, batchSize: 16, seed: SeedTree(seed: seed))
    }

    @Test(arguments: ["s2ac-phi", "s2ac-phi-theta", "sql"])
    func checkpointResumeIsBitIdentical(agent: String) throws {
        let n = 47  // mid-episode
        var s = TrainingSchedule.smoke(steps: 2 * n)
        (s.startSteps, s.updateAfter, s.updateEvery, s.evaluationEvery) = (20, 20, 1, 40)
        (s.trainingSelection, s.evaluationSelection) = (.random, .softmax)
        let whole = try makeTrainer(agent: agent, seed: 5, schedule: s)
        whole.run()
        #expect(whole.updates > 0)
        let path = makeTemporaryFolder("s2ac-ckpt") + "/run.ckpt.h5"
        let first = try makeTrainer(agent: agent, seed: 5, schedule: s)
        first.run(until: n)
        try first.writeCheckpoint(path: path, configJSON: "cfg")
        let second = try makeTrainer(agent: agent, seed: 77, schedule: s)
        try second.readCheckpoint(path: path, configJSON: "cfg")
        second.run()
        #expect(second.agent.parametersSHA256 == whole.agent.parametersSHA256)
        #expect(second.replay.contentsSHA256 == whole.replay.contentsSHA256)
        #expect(second.evaluations.map(\.returns) == whole.evaluations.map(\.returns))
        #expect(second.updates == whole.updates)
        let other = try makeTrainer(agent: agent, seed: 6, schedule: s)
        other.run()
        #expect(other.agent.parametersSHA256 != whole.agent.parametersSHA256)
    }
}
