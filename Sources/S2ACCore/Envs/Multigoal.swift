/// The asymmetric multigoal task of the paper's Fig 2, 5-7 and 11-17 (REFERENCE section 7),
/// with the obstacle variant of Fig 7 and 16.
///
/// - State: the point's position (x, y), clipped to [-7, 7]^2; every episode starts at (0, 0).
/// - Action: a velocity in [-1, 1]^2 (clipped); the next position is clip(s + a, [-7, 7]).
/// - Goals: G1 = (5, 0), G2 = (-4, 3), G3 = (-4, -3). An episode terminates when the point
///   is closer than 0.5 to a goal (strictly), and that step earns +10.
/// - Reward terms, read at the position after the move:
///   `action_cost` = 30 |a|^2, `distance_cost` = min_g |s' - g|^2, `goal_reward` = 10 or 0;
///   reward = goal_reward - action_cost - distance_cost.
/// - Truncation after `maxEpisodeSteps` (30 in the authors' code; the paper does not state it).
/// - Obstacle variant (agents are trained without it and tested with it): a wall segment from
///   (-2, 0) to (0, 2). A move whose path from s to s' touches the wall is blocked: the point
///   stays where it was, and `hitObstacle` records that the episode met the wall. The authors'
///   code detects the crossing with a linear solve and, for parallel segments, a per-component
///   ratio test; here it is the exact orientation test for closed segments, including
///   collinear overlap.
public final class Multigoal: Env {
    public static let goals: [(x: Double, y: Double)] = [(5, 0), (-4, 3), (-4, -3)]
    /// The six critical states of Fig 13-15, named s_a ... s_f in the paper.
    public static let criticalStates: [(x: Double, y: Double)] = [(-3.5, -2.5), (-2.5, 0.5), (-1, 0), (0, 0), (1, 0), (4, 0)]
    public static let wall: (from: (x: Double, y: Double), to: (x: Double, y: Double)) = ((-2, 0), (0, 2))

    public static let goalThreshold = 0.5
    public static let goalReward = 10.0
    public static let actionCostWeight = 30.0
    public static let distanceCostWeight = 1.0
    public static let bound = 7.0

    public let withObstacle: Bool
    public let maxEpisodeSteps: Int
    public var id: String { withObstacle ? "Multigoal-obstacle" : "Multigoal" }
    public var observationDimension: Int { 2 }
    public var actionDimension: Int { 2 }
    public var actionLow: [Float] { [-1, -1] }
    public var actionHigh: [Float] { [1, 1] }
    public var rewardTermNames: [String] { ["goal_reward", "action_cost", "distance_cost"] }

    public private(set) var elapsedSteps = 0
    /// The current position.
    public private(set) var position: (x: Double, y: Double) = (0, 0)
    /// Whether a move of this episode was blocked by the wall.
    public private(set) var hitObstacle = false
    /// Index of the goal reached this episode (0 = G1, 1 = G2, 2 = G3), if any.
    public private(set) var reachedGoal: Int?

    public init(withObstacle: Bool = false, maxEpisodeSteps: Int = 30) {
        precondition(maxEpisodeSteps > 0, "episodes need at least one step")
        self.withObstacle = withObstacle
        self.maxEpisodeSteps = maxEpisodeSteps
    }

    /// Starts at the origin; the start is deterministic, so the generator is not drawn from.
    public func reset(using generator: inout Xoshiro256) -> [Double] {
        elapsedSteps = 0
        position = (0, 0)
        hitObstacle = false
        reachedGoal = nil
        return [position.x, position.y]
    }

    public func step(_ action: [Float]) -> StepResult {
        precondition(action.count == 2, "multigoal actions have two components")
        let ax = min(max(Double(action[0]), -1), 1), ay = min(max(Double(action[1]), -1), 1)
        let next = (x: min(max(position.x + ax, -Multigoal.bound), Multigoal.bound),
                    y: min(max(position.y + ay, -Multigoal.bound), Multigoal.bound))
        if withObstacle && Multigoal.segmentsTouch(position, next, Multigoal.wall.from, Multigoal.wall.to) {
            hitObstacle = true
        } else {
            position = next
        }
        elapsedSteps += 1

        let actionCost = Multigoal.actionCostWeight * (ax * ax + ay * ay)
        var nearest = 0, nearestSquared = Double.infinity
        for (k, g) in Multigoal.goals.enumerated() {
            let d = (position.x - g.x) * (position.x - g.x) + (position.y - g.y) * (position.y - g.y)
            if d < nearestSquared { nearestSquared = d; nearest = k }
        }
        let distanceCost = Multigoal.distanceCostWeight * nearestSquared
        let terminated = nearestSquared.squareRoot() < Multigoal.goalThreshold
        if terminated { reachedGoal = nearest }
        let goalReward = terminated ? Multigoal.goalReward : 0
        return StepResult(observation: [position.x, position.y],
                          reward: goalReward - actionCost - distanceCost,
                          rewardTerms: RewardTerms(names: rewardTermNames, values: [goalReward, actionCost, distanceCost]),
                          terminated: terminated,
                          truncated: !terminated && elapsedSteps >= maxEpisodeSteps)
    }

    /// Whether the closed segments p1-p2 and q1-q2 share a point.
    public static func segmentsTouch(_ p1: (x: Double, y: Double), _ p2: (x: Double, y: Double),
                              _ q1: (x: Double, y: Double), _ q2: (x: Double, y: Double)) -> Bool {
        func cross(_ o: (x: Double, y: Double), _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Double {
            (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x)
        }
        func within(_ o: (x: Double, y: Double), _ a: (x: Double, y: Double), _ b: (x: Double, y: Double)) -> Bool {
            min(a.x, b.x) <= o.x && o.x <= max(a.x, b.x) && min(a.y, b.y) <= o.y && o.y <= max(a.y, b.y)
        }
        let d1 = cross(q1, q2, p1), d2 = cross(q1, q2, p2), d3 = cross(p1, p2, q1), d4 = cross(p1, p2, q2)
        if ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)) { return true }
        if d1 == 0 && within(p1, q1, q2) { return true }
        if d2 == 0 && within(p2, q1, q2) { return true }
        if d3 == 0 && within(q1, p1, p2) { return true }
        if d4 == 0 && within(q2, p1, p2) { return true }
        return false
    }
}
