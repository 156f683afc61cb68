import Foundation
import Testing
import S2ACCore

/// A fixture written by scripts/reference/gym_transitions.py: one JSON header line, then
/// little-endian float64 arrays in the order the header lists them.
struct GymFixture {
    let header: [String: Any]
    let arrays: [String: (shape: [Int], values: [Double])]

    init(_ name: String) throws {
        guard let url = Bundle.module.url(forResource: "gym_\(name)", withExtension: "bin", subdirectory: "Fixtures") else {
            throw MuJoCoError("fixture gym_\(name).bin missing; see scripts/reference/README.md")
        }
        let data = try Data(contentsOf: url)
        let newline = data.firstIndex(of: 10)!
        header = try JSONSerialization.jsonObject(with: data[..<newline]) as! [String: Any]
        var offset = newline + 1
        var arrays: [String: (shape: [Int], values: [Double])] = [:]
        for entry in header["arrays"] as! [[String: Any]] {
            let shape = entry["shape"] as! [Int]
            let n = shape.reduce(1, *)
            let values = (0..<n).map { i -> Double in
                let start = offset + 8 * i
                let bits = data[start..<start + 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
                return Double(bitPattern: bits)
            }
            arrays[entry["name"] as! String] = (shape, values)
            offset += 8 * n
        }
        self.arrays = arrays
    }

    func count(_ name: String) -> Int { arrays[name]!.shape[0] }
    /// Row `i` of array `name`.
    func row(_ name: String, _ i: Int) -> [Double] {
        let a = arrays[name]!
        let width = a.shape.dropFirst().reduce(1, *)
        return Array(a.values[i * width..<(i + 1) * width])
    }
    func scalar(_ name: String, _ i: Int) -> Double { row(name, i)[0] }
}

/// The largest absolute difference between `a` and `b` (infinite when the lengths differ).
func maxDeviation(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { Swift.max($0, abs($1.0 - $1.1)) }
}

/// Every MuJoCo environment of the suite has a fixture `gym_<id>.bin` (`Ant-v4-contact`:
/// Gymnasium's Ant-v4 with `use_contact_forces=True`).
let conformanceCases: [String] = MuJoCoEnvs.ids

@Suite struct MuJoCoEnvTests {
    static let tolerance = 1e-12

    /// Single steps from restored states reached by Gymnasium's random rollouts.
    @Test(arguments: conformanceCases)
    func transitionsMatchGymnasium(_ fixture: String) throws {
        let f = try GymFixture(fixture)
        let env = try MuJoCoEnvs.make(fixture)
        var worst = (qpos: 0.0, qvel: 0.0, obs: 0.0, reward: 0.0)
        for i in 0..<f.count("reward") {
            env.restore(PhysicsState(time: f.scalar("time", i), qpos: f.row("qpos", i), qvel: f.row("qvel", i),
                                     qaccWarmstart: f.row("qacc_warmstart", i),
                                     xpos: f.row("xpos", i), xipos: f.row("xipos", i)))
            let action = f.row("action", i).map { Float($0) }
            let r = env.step(action)
            worst.qpos = max(worst.qpos, maxDeviation(env.simulation.data.values(.qpos), f.row("next_qpos", i)))
            worst.qvel = max(worst.qvel, maxDeviation(env.simulation.data.values(.qvel), f.row("next_qvel", i)))
            worst.obs = max(worst.obs, maxDeviation(r.observation, f.row("next_obs", i)))
            worst.reward = max(worst.reward, abs(r.reward - f.scalar("reward", i)))
            #expect(r.terminated == (f.scalar("terminated", i) != 0), "row \(i): terminated")
            #expect(!r.truncated)
            // The terms make up the reward: (other terms in order) - (cost terms in order).
            let t = r.rewardTerms
            let gains = zip(t.names, t.values).filter { !$0.0.hasSuffix("_cost") }.reduce(0.0) { $0 + $1.1 }
            let costs = zip(t.names, t.values).filter { $0.0.hasSuffix("_cost") }.reduce(0.0) { $0 + $1.1 }
            #expect(gains - costs == r.reward, "row \(i): reward terms")
            #expect(t.names == env.rewardTermNames)
            // The forward term is the weighted x velocity Gymnasium reports in its info.
            let forward = r.rewardTerms["forward"]!
            #expect(abs(forward - env.forwardRewardWeight * f.scalar("x_velocity", i)) <= Self.tolerance, "row \(i): forward")
        }
        print("conformance \(fixture): \(f.count("reward")) transitions, max |dev| qpos \(worst.qpos) qvel \(worst.qvel) obs \(worst.obs) reward \(worst.reward)")
        #expect(worst.qpos <= Self.tolerance)
        #expect(worst.qvel <= Self.tolerance)
        #expect(worst.obs <= Self.tolerance)
        #expect(worst.reward <= Self.tolerance)
    }

    /// Whole episodes from Gymnasium's reset states with Gymnasium's actions.
    @Test(arguments: conformanceCases)
    func episodesMatchGymnasium(_ fixture: String) throws {
        let f = try GymFixture(fixture)
        let env = try MuJoCoEnvs.make(fixture)
        var worst = 0.0, step = 0, steps = 0
        for e in 0..<f.count("episode_length") {
            let obs0 = env.reset(qpos: f.row("episode_start_qpos", e), qvel: f.row("episode_start_qvel", e))
            worst = max(worst, maxDeviation(obs0, f.row("episode_reset_obs", e)))
            for t in 0..<Int(f.scalar("episode_length", e)) {
                let r = env.step(f.row("episode_step_action", step).map { Float($0) })
                worst = max(worst, maxDeviation(r.observation, f.row("episode_step_obs", step)),
                            abs(r.reward - f.scalar("episode_step_reward", step)),
                            maxDeviation(env.simulation.data.values(.qpos), f.row("episode_step_qpos", step)),
                            maxDeviation(env.simulation.data.values(.qvel), f.row("episode_step_qvel", step)))
                #expect(r.terminated == (f.scalar("episode_step_terminated", step) != 0), "episode \(e) step \(t)")
                #expect(r.truncated == (f.scalar("episode_step_truncated", step) != 0), "episode \(e) step \(t)")
                #expect(env.elapsedSteps == t + 1)
                step += 1
            }
            steps += Int(f.scalar("episode_length", e))
        }
        print("episodes \(fixture): \(f.count("episode_length")) episodes, \(steps) steps, max |dev| \(worst)")
        #expect(worst <= Self.tolerance)
    }
}

@Suite struct AntContactForcesTests {
    /// `Ant-v4-contact` is Ant-v4 plus the clipped contact forces: from the same state and
    /// action the physics and the first 27 observations are the same bits, the 84 forces lie
    /// in [-1, 1], and the reward is Ant-v4's less `5e-4 * sum(force^2)` of the observed forces.
    @Test func contactForcesAddTheObservationAndTheCost() throws {
        let f = try GymFixture("Ant-v4-contact")
        let plain = try MuJoCoEnvs.make("Ant-v4"), contact = try MuJoCoEnvs.make("Ant-v4-contact")
        #expect(plain.observationDimension == 27 && contact.observationDimension == 111)
        #expect(contact.rewardTermNames == plain.rewardTermNames + ["contact_cost"])
        var touching = 0
        for i in 0..<f.count("reward") {
            let state = PhysicsState(time: f.scalar("time", i), qpos: f.row("qpos", i), qvel: f.row("qvel", i),
                                     qaccWarmstart: f.row("qacc_warmstart", i), xpos: f.row("xpos", i), xipos: f.row("xipos", i))
            plain.restore(state)
            contact.restore(state)
            let action = f.row("action", i).map { Float($0) }
            let a = plain.step(action), b = contact.step(action)
            #expect(plain.simulation.data.values(.qpos) == contact.simulation.data.values(.qpos), "row \(i)")
            #expect(plain.simulation.data.values(.qvel) == contact.simulation.data.values(.qvel), "row \(i)")
            #expect(Array(b.observation[..<27]) == a.observation, "row \(i)")
            let forces = b.observation[27...]
            #expect(forces.allSatisfy { abs($0) <= 1 }, "row \(i)")
            if forces.contains(where: { $0 != 0 }) { touching += 1 }
            let cost = b.rewardTerms["contact_cost"]!
            let direct = 5e-4 * forces.reduce(0) { $0 + $1 * $1 }
            #expect(abs(cost - direct) <= 1e-15 * max(direct, 1e-300) * 84, "row \(i)")
            #expect(b.reward == (a.rewardTerms["forward"]! + a.rewardTerms["healthy"]!)
                                - (a.rewardTerms["control_cost"]! + cost), "row \(i)")
        }
        // First steps start in the air and many terminal ones end in a jump: 12 of the 48 touch.
        #expect(touching > 0, "no step with contact forces")
    }
}

@Suite struct MuJoCoResetTests {
    /// Reset noise comes from the caller's stream: same seed, same start; the noise stays within
    /// Gymnasium's law (uniform +-scale here); a reset restarts the time-limit counter.
    @Test func resetIsSeededAndBounded() throws {
        let a = try Hopper(), b = try Hopper()
        var g1 = SeedTree(seed: 5).stream(.envReset), g2 = SeedTree(seed: 5).stream(.envReset)
        let o1 = a.reset(using: &g1), o2 = b.reset(using: &g2)
        #expect(o1.map(\.bitPattern) == o2.map(\.bitPattern))
        let o3 = a.reset(using: &g1)
        #expect(o3 != o1)
        #expect(a.resetNoise == .uniform(5e-3))
        let scale = 5e-3, init0 = a.simulation.initQpos
        let qpos = a.simulation.data.values(.qpos), qvel = a.simulation.data.values(.qvel)
        #expect(zip(qpos, init0).allSatisfy { abs($0 - $1) <= scale })
        #expect(qvel.allSatisfy { abs($0) <= scale })
        _ = a.step([0, 0, 0])
        #expect(a.elapsedSteps == 1)
        _ = a.reset(using: &g1)
        #expect(a.elapsedSteps == 0)
    }
}

@Suite struct MuJoCoStateTests {
    /// Ant and Humanoid read their "before" position from body positions left by the previous
    /// step (start of its last substep). Recomputing them from qpos changes the reward, which is
    /// why replay takes them as inputs; first steps after a reset are unaffected.
    @Test(arguments: ["Ant-v4", "Humanoid-v4"])
    func stalePositionsDecideTheForwardReward(_ id: String) throws {
        let f = try GymFixture(id)
        let env = try MuJoCoEnvs.make(id)
        var differing = 0, exact = 0
        for i in 0..<f.count("reward") {
            env.restore(PhysicsState(time: f.scalar("time", i), qpos: f.row("qpos", i), qvel: f.row("qvel", i),
                                     qaccWarmstart: f.row("qacc_warmstart", i)))
            let r = env.step(f.row("action", i).map { Float($0) })
            if r.reward == f.scalar("reward", i) { exact += 1 } else { differing += 1 }
            // Physics does not depend on the stale positions (Gymnasium's MuJoCo build is another
            // binary than ours: equal to the conformance tolerance, not compared bit for bit).
            #expect(maxDeviation(env.simulation.data.values(.qpos), f.row("next_qpos", i)) <= MuJoCoEnvTests.tolerance)
        }
        #expect(differing > f.count("reward") / 2, "\(id): \(differing) rewards differ, \(exact) equal")
    }
}
