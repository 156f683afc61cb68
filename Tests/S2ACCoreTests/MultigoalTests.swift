import S2ACCore
import Testing

@Suite struct MultigoalTests {
    @Test func rewardAndTerminationFollowTheSpecification() {
        let env = Multigoal()
        var g = SeedTree(seed: 0).stream(.envReset)
        #expect(env.reset(using: &g) == [0, 0])
        // One step right: s' = (1, 0); nearest goal G1 at squared distance 16.
        var r = env.step([1, 0])
        #expect(r.observation == [1, 0])
        #expect(r.reward == -30 - 16)
        #expect(r.rewardTerms["distance_cost"] == 16 && r.rewardTerms["action_cost"] == 30)
        // Actions are clipped to [-1, 1].
        r = env.step([5, 0])
        #expect(r.observation == [2, 0] && r.rewardTerms["action_cost"] == 30)
        _ = env.step([1, 0]); _ = env.step([1, 0])
        r = env.step([0.6, 0])  // (4.6, 0): within 0.5 of G1
        #expect(r.terminated && !r.truncated)
        #expect(env.reachedGoal == 0)
        let a = Double(Float(0.6))  // actions are float32
        #expect(abs(r.reward - (10 - 30 * a * a - (1 - a) * (1 - a))) < 1e-12)
    }

    @Test func truncatesAtTheStepLimit() {
        let env = Multigoal(maxEpisodeSteps: 3)
        var g = SeedTree(seed: 0).stream(.envReset)
        _ = env.reset(using: &g)
        #expect(!env.step([0, 0]).truncated)
        #expect(!env.step([0, 0]).truncated)
        let last = env.step([0, 0])
        #expect(last.truncated && !last.terminated)
    }

    @Test func positionIsClippedToTheArena() {
        let env = Multigoal(maxEpisodeSteps: 100)
        var g = SeedTree(seed: 0).stream(.envReset)
        _ = env.reset(using: &g)
        var r = env.step([0, 1])
        for _ in 0..<10 { r = env.step([0, 1]) }
        #expect(r.observation == [0, 7])
    }

    @Test func wallBlocksMovesThatCrossIt() {
        let env = Multigoal(withObstacle: true)
        var g = SeedTree(seed: 0).stream(.envReset)
        _ = env.reset(using: &g)
        // (-1, 1) lies on the wall from (-2, 0) to (0, 2): the move touches it and is blocked.
        var r = env.step([-1, 1])
        #expect(r.observation == [0, 0] && env.hitObstacle)
        // Moving away from the wall is free.
        r = env.step([-1, -1])
        #expect(r.observation == [-1, -1])
        // Without the obstacle the same move goes through.
        let free = Multigoal()
        _ = free.reset(using: &g)
        #expect(free.step([-1, 1]).observation == [-1, 1] && !free.hitObstacle)
    }

    @Test func segmentTest() {
        #expect(Multigoal.segmentsTouch((0, 0), (2, 2), (0, 2), (2, 0)))       // proper crossing
        #expect(!Multigoal.segmentsTouch((0, 0), (1, 0), (0, 1), (1, 1)))      // parallel apart
        #expect(Multigoal.segmentsTouch((0, 0), (2, 0), (1, 0), (3, 0)))       // collinear overlap
        #expect(!Multigoal.segmentsTouch((0, 0), (1, 0), (2, 0), (3, 0)))      // collinear apart
        #expect(Multigoal.segmentsTouch((0, 0), (1, 1), (1, 1), (2, 0)))       // touching at an end
    }
}
