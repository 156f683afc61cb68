import Foundation
import Testing
import S2ACCore

@Suite struct MultigoalExperimentTests {
    // MARK: smoothness

    @Test func smoothnessOfAQuadraticMatchesItsClosedForm() {
        // Q(s, a) = a^T A a + b . a + s0 * a0: grad = (A + A^T) a + b + (s0, 0), Hessian = A + A^T.
        let a = [[1.5, -0.5], [2.0, 0.25]], b = [0.3, -1.2]
        let q: (Tensor<Double>, Tensor<Double>) -> Tensor<Double> = { s, x in
            let x0 = x.reshaped([x.shape[0], 2]), n = x.shape[0]
            let e0 = Tensor<Double>([1, 0], shape: [1, 2]), e1 = Tensor<Double>([0, 1], shape: [1, 2])
            let u = (x0 * e0).sum(axis: 1), v = (x0 * e1).sum(axis: 1)
            let s0 = (s * e0).sum(axis: 1)
            let quad = u * u * a[0][0] + u * v * (a[0][1] + a[1][0]) + v * v * a[1][1]
            return (quad + u * b[0] + v * b[1] + s0 * u).reshaped([n, 1])
        }
        let states: [Double] = [0.5, -1, -3, 2, 0, 0], actions: [Double] = [0.2, -0.7, -1, 0.4, 0.9, 0.9]
        let r = actionSmoothness(observations: Tensor(states, shape: [3, 2]), actions: Tensor(actions, shape: [3, 2]), q: q)
        let hessianL1 = (Swift.abs(2 * a[0][0]) + 2 * Swift.abs(a[0][1] + a[1][0]) + Swift.abs(2 * a[1][1])) / 4
        for i in 0..<3 {
            let u = actions[2 * i], v = actions[2 * i + 1]
            let g0 = 2 * a[0][0] * u + (a[0][1] + a[1][0]) * v + b[0] + states[2 * i]
            let g1 = (a[0][1] + a[1][0]) * u + 2 * a[1][1] * v + b[1]
            #expect(Swift.abs(r.gradientL1[i] - (Swift.abs(g0) + Swift.abs(g1)) / 2) < 1e-12)
            #expect(Swift.abs(r.hessianL1[i] - hessianL1) < 1e-12)
        }
    }

    @Test func smoothnessOfAnELUCriticMatchesFiniteDifferences() {
        var rng = SeedTree(seed: 7).stream(.networkInit)
        let net = MLP<Double>(inputs: 5, hidden: [16, 16], outputs: 1, activation: .elu, using: &rng)
        let d = 3, n = 4
        var states: [Double] = [], actions: [Double] = []
        for _ in 0..<(n * 2) { states.append(rng.nextUniform() * 4 - 2) }
        for _ in 0..<(n * d) { actions.append(rng.nextUniform() * 2 - 1) }
        let r = actionSmoothness(observations: Tensor(states, shape: [n, 2]), actions: Tensor(actions, shape: [n, d])) { net($0, $1) }
        func q(_ i: Int, _ a: [Double]) -> Double {
            withNoGrad { net(Tensor(Array(states[(2 * i)..<(2 * i + 2)]), shape: [1, 2]), Tensor(a, shape: [1, d])).item }
        }
        let h = 1e-4
        for i in 0..<n {
            let a0 = Array(actions[(d * i)..<(d * (i + 1))])
            func shifted(_ steps: [(Int, Double)]) -> [Double] { var a = a0; for (k, s) in steps { a[k] += s }; return a }
            var g = 0.0, hess = 0.0
            for j in 0..<d {
                g += Swift.abs((q(i, shifted([(j, h)])) - q(i, shifted([(j, -h)]))) / (2 * h))
                for k in 0..<d {
                    let v = (q(i, shifted([(j, h), (k, h)])) - q(i, shifted([(j, h), (k, -h)]))
                             - q(i, shifted([(j, -h), (k, h)])) + q(i, shifted([(j, -h), (k, -h)]))) / (4 * h * h)
                    hess += Swift.abs(v)
                }
            }
            #expect(Swift.abs(r.gradientL1[i] - g / Double(d)) <= 1e-6 * Swift.max(1, g))
            #expect(Swift.abs(r.hessianL1[i] - hess / Double(d * d)) <= 1e-4 * Swift.max(1, hess))
        }
    }

    // MARK: campaign

    /// The values of a run file that must not depend on how the campaign was scheduled.
    func content(_ path: String) throws -> [String] {
        let f = try HDF5File.open(at: path)
        defer { f.close() }
        var out = [try f.root.group("train").attribute("params_sha256")?.stringValue ?? "-"]
        let test = try f.root.group("test")
        for name in try test.memberNames().sorted() {
            let g = try test.group(name)
            out.append("\(name) \(try g.read("positions", as: Double.self).values) \(try g.read("goals", as: Int.self).values)")
            out.append("\(try g.group("smoothness").read("gradient_l1", as: Double.self).values)")
        }
        out.append("\(try f.root.group("entropy").read("grid", as: Double.self).values)")
        out.append("\(try f.root.group("qgrid").read("values", as: Float.self).values)")
        return out
    }

    @Test func campaignStartsItsLongestRunsFirst() throws {
        let preset = try MultigoalPreset.named("quick")
        let specs = try MultigoalRunSpec.grid(preset: preset, agents: ["sac", "s2ac-phi", "s2ac-phi-theta-psi"],
                                              alphas: [0.1, 1], seeds: [0, 1])
        let ordered = MultigoalRunSpec.longestFirst(specs)
        #expect(ordered.map(\.agent) == Array(repeating: "s2ac-phi-theta-psi", count: 4)
                + Array(repeating: "s2ac-phi", count: 4) + Array(repeating: "sac", count: 4))
        // Within an agent the grid order (alpha, then seed) is kept; nothing is lost or repeated.
        #expect(ordered.prefix(4).map { "\($0.alpha),\($0.seed)" } == ["0.1,0", "0.1,1", "1.0,0", "1.0,1"])
        #expect(Set(ordered.map(\.fileName)) == Set(specs.map(\.fileName)) && ordered.count == specs.count)
    }

    @Test func campaignIsIndependentOfJobsSkipsCompleteRunsAndRebuildsBrokenOnes() throws {
        let a = makeTemporaryFolder("multigoal"), b = makeTemporaryFolder("multigoal")
        let grid = ["--preset", "smoke", "--agents", "sac", "--alphas", "1,10", "--seeds", "1", "--steps", "120", "--quiet"]
        let r1 = try runSuiteTool("multigoal-modes", grid + ["--out", a, "--jobs", "1"])
        #expect(r1.code == 0, "\(r1.err)")
        let r2 = try runSuiteTool("multigoal-modes", grid + ["--out", b, "--jobs", "2"])
        #expect(r2.code == 0, "\(r2.err)")
        let names = ["sac_alpha1.0_seed0.h5", "sac_alpha10.0_seed0.h5"]
        for name in names { #expect(try content(a + "/runs/" + name) == content(b + "/runs/" + name)) }
        #expect(try content(a + "/runs/" + names[0]) != content(a + "/runs/" + names[1]))

        // A second pass finds both complete and leaves them alone.
        let before = try FileManager.default.attributesOfItem(atPath: a + "/runs/" + names[0])[.modificationDate] as? Date
        let r3 = try runSuiteTool("multigoal-modes", grid + ["--out", a])
        #expect(r3.code == 0 && r3.out.contains("2 complete, 0 to run"), "\(r3.out)")
        #expect(try FileManager.default.attributesOfItem(atPath: a + "/runs/" + names[0])[.modificationDate] as? Date == before)

        // A broken file (cut short by a crash, say) is rebuilt, to the same values.
        try Data("not an HDF5 file".utf8).write(to: URL(fileURLWithPath: a + "/runs/" + names[1]))
        let r4 = try runSuiteTool("multigoal-modes", grid + ["--out", a])
        #expect(r4.code == 0 && r4.out.contains("1 complete, 1 to run"), "\(r4.out)")
        #expect(try content(a + "/runs/" + names[1]) == content(b + "/runs/" + names[1]))

        // A smaller or larger grid around the same runs finds them complete.
        var sub = grid; sub[sub.firstIndex(of: "1,10")!] = "10"
        let r5 = try runSuiteTool("multigoal-modes", sub + ["--out", a])
        #expect(r5.code == 0 && r5.out.contains("1 complete, 0 to run"), "\(r5.out)")
        var wider = grid; wider[wider.firstIndex(of: "sac")!] = "sac,sac-nf"; wider[wider.firstIndex(of: "1")!] = "2"
        let r6 = try runSuiteTool("multigoal-modes", wider + ["--out", a, "--jobs", "2"])
        #expect(r6.code == 0 && r6.out.contains("2 complete, 6 to run"), "\(r6.out)")
        #expect(try content(a + "/runs/" + names[0]) == content(b + "/runs/" + names[0]))
    }

    /// A campaign never replaces a complete run file of another configuration unless told to
    /// (`--force`): it stops with one line naming the differences and leaves the file as it was.
    /// A grid that would write one file twice (the same alpha spelt three ways) is refused.
    @Test func campaignKeepsRunsOfAnotherConfiguration() throws {
        let a = makeTemporaryFolder("multigoal")
        let grid = ["--preset", "smoke", "--agents", "sac", "--alphas", "1", "--seeds", "1", "--quiet", "--out", a]
        let r1 = try runSuiteTool("multigoal-modes", grid + ["--steps", "120"])
        #expect(r1.code == 0, "\(r1.err)")
        let file = a + "/runs/sac_alpha1.0_seed0.h5"
        let before = try content(file)
        let r2 = try runSuiteTool("multigoal-modes", grid + ["--steps", "100"])
        #expect(r2.code == 2 && r2.err.contains("another configuration") && r2.err.contains("steps: 120 -> 100"), "\(r2.err)")
        #expect(r2.err.split(separator: "\n").count == 1, "\(r2.err)")
        #expect(try content(file) == before)
        let r3 = try runSuiteTool("multigoal-modes", grid + ["--steps", "100", "--force"])
        #expect(r3.code == 0, "\(r3.err)")
        #expect(try content(file) != before)
        let dup = try runSuiteTool("multigoal-modes", ["--preset", "smoke", "--agents", "sac", "--alphas", "1,1.0,1e0", "--out", a])
        #expect(dup.code == 2 && dup.err.contains("give each value once"), "\(dup.err)")
    }

    /// SIGTERM to a campaign reaches its running child (which sits in a process group of its
    /// own), and the campaign waits for it and exits with 128 + 15: no run is left orphaned.
    @Test func aStoppedCampaignStopsItsChildren() throws {
        let a = makeTemporaryFolder("multigoal")
        let p = Process()
        p.executableURL = builtProductsFolder.appendingPathComponent("multigoal-modes")
        p.arguments = ["--preset", "smoke", "--agents", "s2ac-phi", "--alphas", "1", "--seeds", "1", "--steps", "1000000",
                       "--quiet", "--out", a]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        /// Processes whose command line runs one run of this campaign.
        func children() -> [Int32] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            return entries.compactMap { Int32($0) }.filter { pid in
                guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return false }
                let args = data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
                return args.contains("--run-one") && args.contains(a)
            }
        }
        var waited = 0.0
        while children().isEmpty && waited < 60 { Thread.sleep(forTimeInterval: 0.1); waited += 0.1 }
        #expect(!children().isEmpty, "the campaign's child never started")
        kill(p.processIdentifier, SIGTERM)
        waited = 0
        while p.isRunning && waited < 60 { Thread.sleep(forTimeInterval: 0.1); waited += 0.1 }
        if p.isRunning {
            Issue.record("the campaign did not stop within 60 s of SIGTERM")
            for pid in children() + [p.processIdentifier] { kill(pid, SIGKILL) }
            p.waitUntilExit()
        }
        #expect(p.terminationStatus == 128 + SIGTERM)
        #expect(children().isEmpty, "children left running: \(children())")
        #expect(!FileManager.default.fileExists(atPath: a + "/runs/s2ac-phi_alpha1.0_seed0.h5"))
    }

    /// Ctrl-C stops a local campaign's runs at a checkpoint; the same command continues them
    /// from it, and the run files carry the parameters of a campaign never stopped.
    @Test func aStoppedCampaignContinuesFromItsCheckpoints() throws {
        let folder = makeTemporaryFolder("multigoal-resume")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let grid = ["--preset", "smoke", "--agents", "sac", "--alphas", "1", "--seeds", "1", "--steps", "6000",
                    "--checkpoint-every", "500", "--quiet", "--jobs", "1"]
        let whole = try runSuiteTool("multigoal-modes", grid + ["--out", folder + "/whole"])
        try #require(whole.code == 0, "\(whole.err)")
        let name = "sac_alpha1.0_seed0"
        #expect(!FileManager.default.fileExists(atPath: folder + "/whole/runs/\(name).ckpt.h5"), "a complete run keeps no checkpoint")

        /// Starts the campaign into `out`, stops it with `signal` once its run's first checkpoint
        /// is there, and returns its exit status.
        func stoppedAtFirstCheckpoint(_ out: String, _ signal: Int32) throws -> Int32 {
            let p = Process()
            p.executableURL = builtProductsFolder.appendingPathComponent("multigoal-modes")
            p.arguments = grid + ["--out", out]
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            var waited = 0.0
            while !FileManager.default.fileExists(atPath: out + "/runs/\(name).ckpt.h5") && p.isRunning && waited < 120 {
                Thread.sleep(forTimeInterval: 0.02); waited += 0.02
            }
            try #require(p.isRunning, "the campaign ended before its first checkpoint was seen")
            kill(p.processIdentifier, signal)
            p.waitUntilExit()
            return p.terminationStatus
        }

        let runs = folder + "/cut/runs"
        #expect(try stoppedAtFirstCheckpoint(folder + "/cut", SIGINT) == 128 + SIGINT)
        try #require(FileManager.default.fileExists(atPath: runs + "/\(name).ckpt.h5"))
        #expect(!FileManager.default.fileExists(atPath: runs + "/\(name).h5"))
        let rerun = try runSuiteTool("multigoal-modes", grid + ["--out", folder + "/cut"])
        #expect(rerun.code == 0, "\(rerun.err)")
        #expect(rerun.out.contains("\(name).h5 continues from its checkpoint") && rerun.err.contains("resumed at step"),
                "\(rerun.out) \(rerun.err)")
        #expect(try paramsSHA256(runs + "/\(name).h5") == paramsSHA256(folder + "/whole/runs/\(name).h5"))
        #expect(!FileManager.default.fileExists(atPath: runs + "/\(name).ckpt.h5"))

        // A checkpoint of another configuration (6000 steps, asked for 5000): refused without
        // --force, and kept; with --force, removed and the run started again.
        let other = folder + "/other"
        #expect(try stoppedAtFirstCheckpoint(other, SIGTERM) == 128 + SIGTERM)
        let shorter = grid.map { $0 == "6000" ? "5000" : $0 } + ["--out", other]
        let refused = try runSuiteTool("multigoal-modes", shorter)
        #expect(refused.code == 2 && refused.err.contains("checkpoint of another configuration")
                && refused.err.split(separator: "\n").count == 1, "\(refused.code) \(refused.err)")
        #expect(FileManager.default.fileExists(atPath: other + "/runs/\(name).ckpt.h5"))
        let forced = try runSuiteTool("multigoal-modes", shorter + ["--force"])
        #expect(forced.code == 0 && forced.out.contains("--force: \(name).ckpt.h5 is removed"), "\(forced.out) \(forced.err)")
        #expect(FileManager.default.fileExists(atPath: other + "/runs/\(name).h5"))
        #expect(!FileManager.default.fileExists(atPath: other + "/runs/\(name).ckpt.h5"))
    }

    /// A run file whose arrays disagree with each other (the entropy grid cut short, a goal
    /// index out of range) is named by `report` and left out; no value is read past an array.
    @Test func malformedRunFilesAreNamedNotReported() throws {
        let folder = makeTemporaryFolder("multigoal")
        let r = try runSuiteTool("multigoal-modes", ["--preset", "smoke", "--agents", "sac", "--alphas", "1", "--seeds", "1",
                                                     "--steps", "120", "--out", folder, "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let runs = folder + "/runs"
        let good = runs + "/sac_alpha1.0_seed0.h5"
        let grid = runs + "/grid.h5", goal = runs + "/goal.h5"
        try FileManager.default.copyItem(atPath: good, toPath: grid)
        try FileManager.default.copyItem(atPath: good, toPath: goal)
        do {
            let f = try HDF5File.open(at: grid, writable: true)
            defer { f.close() }
            let entropy = try f.root.group("entropy")
            try entropy.remove("grid")
            try entropy.write("grid", [Double](repeating: 1, count: 12))
        }
        do {
            let f = try HDF5File.open(at: goal, writable: true)
            defer { f.close() }
            let tests = try f.root.group("test")
            let g = try tests.group(try tests.memberNames().sorted()[0])
            let n = try g.read("goals", as: Int.self).values.count
            try g.remove("goals")
            try g.write("goals", [Int](repeating: 7, count: n))
        }
        let tables = folder + "/tables"
        let rep = try runSuiteTool("report", ["--results", folder, "--tables", tables, "--no-page"])
        #expect(rep.code == 1, "\(rep.err)")
        #expect(rep.err.contains("grid.h5") && rep.err.contains("entropy grid holds 12 values"), "\(rep.err)")
        #expect(rep.err.contains("goal.h5") && rep.err.contains("out of range"), "\(rep.err)")
        let goals = try String(contentsOfFile: tables + "/multigoal_goals.csv", encoding: .utf8)
        #expect(!goals.contains("nan") && !goals.contains("inf"))
    }

    @Test func smokeCampaignThroughObstacleAndReport() throws {
        let folder = makeTemporaryFolder("multigoal")
        let r = try runSuiteTool("multigoal-modes", ["--preset", "smoke", "--agents", "sac,s2ac-phi-theta", "--alphas", "1",
                                                     "--seeds", "1", "--steps", "150", "--out", folder, "--jobs", "2", "--quiet"])
        #expect(r.code == 0, "\(r.err)")
        let o = try runSuiteTool("obstacle-robustness", ["--runs", folder])
        #expect(o.code == 0 && o.out.contains("2 evaluated"), "\(o.err)")
        let again = try runSuiteTool("obstacle-robustness", ["--runs", folder])
        #expect(again.code == 0 && again.out.contains("0 evaluated"), "\(again.out)")
        let tables = folder + "/tables"
        let rep = try runSuiteTool("report", ["--results", folder, "--tables", tables])
        #expect(rep.code == 0, "\(rep.err)")

        func table(_ name: String) throws -> [[String: String]] {
            let lines = try String(contentsOfFile: tables + "/\(name).csv", encoding: .utf8).split(separator: "\n").map(String.init)
            let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return lines.dropFirst().map { line in
                Dictionary(uniqueKeysWithValues: zip(header, line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            }
        }
        // SAC is tested with its mean action, S2AC with the three particle rules, each on 20 episodes.
        let goals = try table("multigoal_goals")
        #expect(goals.count == (1 + 3) * 4 && goals.allSatisfy { $0["preset"] == "smoke" && $0["episodes"] == "20" })
        for (agent, rule) in [("sac", "mean"), ("s2ac-phi-theta", "random"), ("s2ac-phi-theta", "softmax"), ("s2ac-phi-theta", "max")] {
            let rows = goals.filter { $0["agent"] == agent && $0["selection"] == rule }
            #expect(rows.count == 4, "\(agent) \(rule)")
            let reached = rows.filter { $0["goal"] != "none" }.map { Double($0["share"]!)! }.reduce(0, +)
            let all = rows.map { Double($0["share"]!)! }.reduce(0, +)
            #expect(reached <= 1 + 1e-12 && Swift.abs(all - 1) < 1e-12)
        }
        // Every episode: the goal reached (or none), the final distance to the nearest goal
        // (under the 0.5 threshold exactly when a goal was reached) and the length.
        let episodes = try table("multigoal_episodes")
        #expect(episodes.count == (1 + 3) * 20)
        for row in episodes {
            let distance = Double(row["final_distance"]!)!, length = Int(row["length"]!)!
            #expect(distance >= 0 && (distance < 0.5) == (row["goal"] != "none"), "\(row)")
            #expect(length >= 1 && length <= 30)
        }
        let returns = try table("multigoal_returns")
        #expect(returns.count == 1 + 3)
        for row in returns {
            let mine = episodes.filter { $0["agent"] == row["agent"] && $0["selection"] == row["selection"] }
            let mean = mine.map { Double($0["final_distance"]!)! }.reduce(0, +) / Double(mine.count)
            #expect(Swift.abs(Double(row["mean_final_distance"]!)! - mean) < 1e-9 * Swift.max(1, mean))
        }
        // One seed: the pooled summary is each run's own shares and means.
        let summary = try table("multigoal_summary")
        #expect(summary.count == 1 + 3)
        for row in summary {
            #expect(row["seeds"] == "1" && row["episodes"] == "20", "\(row)")
            let mine = returns.first { $0["agent"] == row["agent"] && $0["selection"] == row["selection"] }!
            #expect(Swift.abs(Double(row["mean_final_distance"]!)! - Double(mine["mean_final_distance"]!)!) < 1e-12 * 30)
            for goal in ["G1", "G2", "G3", "none"] {
                let share = goals.first { $0["agent"] == row["agent"] && $0["selection"] == row["selection"] && $0["goal"] == goal }!
                #expect(row[goal] == share["share"], "\(row) \(goal)")
            }
        }
        let obstacle = try table("obstacle")
        #expect(obstacle.count == (1 + 3) * 4)
        for row in obstacle { #expect(Double(row["share_after_hit"]!)! <= Double(row["share"]!)! + 1e-12) }
        // Every obstacle episode, and at one seed the pooled obstacle table is the per-run one.
        let obstacleEpisodes = try table("obstacle_episodes")
        #expect(obstacleEpisodes.count == (1 + 3) * 20)
        for row in obstacleEpisodes {
            let length = Int(row["length"]!)!, hit = row["first_hit"]!
            #expect(hit.isEmpty || (1...length).contains(Int(hit)!), "\(row)")
            #expect((Double(row["final_distance"]!)! < 0.5) == (row["goal"] != "none"), "\(row)")
        }
        let obstacleSummary = try table("obstacle_summary")
        #expect(obstacleSummary.count == obstacle.count)
        for row in obstacleSummary {
            #expect(row["seeds"] == "1" && row["episodes"] == "20", "\(row)")
            let mine = obstacle.first { $0["agent"] == row["agent"] && $0["selection"] == row["selection"] && $0["goal"] == row["goal"] }!
            #expect(row["hit_share"] == mine["hit_share"] && row["share"] == mine["share"]
                    && row["share_after_hit"] == mine["share_after_hit"], "\(row) \(mine)")
        }
        let smooth = try table("multigoal_smoothness")
        #expect(smooth.count == 1 + 3 && smooth.allSatisfy { Double($0["m1"]!)!.isFinite && Double($0["m2"]!)! >= 0 })
        let entropy = try table("multigoal_entropy")
        #expect(entropy.count == 2 * (25 + 6) && entropy.allSatisfy { Double($0["entropy"]!)!.isFinite })
        let q0 = try table("multigoal_q0")
        #expect(q0.filter { $0["agent"] == "sac" }.count == 1 && q0.first { $0["agent"] == "sac" }!["reason"]!.contains("InitialDistributionProbe"))
        let timing = try table("multigoal_timing")
        #expect(timing.count == 2 && timing.allSatisfy { $0["steps"] == "150" && Double($0["cpu_seconds"]!)! > 0 })
        // Steps 0, 100 (q0Every of smoke) for the six states.
        #expect(q0.filter { $0["agent"] == "s2ac-phi-theta" }.count == 2 * 6)
        // The learning curves: every evaluation point of every run, with the mean of the test
        // returns its run file holds there.
        let curves = try table("multigoal_curves")
        var files = 0
        for name in try FileManager.default.contentsOfDirectory(atPath: folder + "/runs") where !name.hasSuffix(".ckpt.h5") {
            let file = try HDF5File.open(at: folder + "/runs/" + name)
            defer { file.close() }
            let spec = try JSONDecoder().decode(MultigoalRunSpec.self, from: Data(try Provenance.read(from: file).configJSON.utf8))
            let steps = try file.root.group("train").read("eval_steps", as: Int.self).values
            let returns = try file.root.group("train").read("eval_returns", as: Double.self)
            let mine = curves.filter { $0["agent"] == spec.agent }
            try #require(!steps.isEmpty && returns.shape == [steps.count, returns.shape[1]] && mine.count == steps.count)
            for (i, row) in mine.enumerated() {
                let episodes = returns.shape[1], xs = returns.values[(i * episodes)..<((i + 1) * episodes)]
                let mean = xs.reduce(0, +) / Double(episodes)
                #expect(row["step"] == String(steps[i]) && row["episodes"] == String(episodes)
                        && row["selection"] == spec.train.schedule.evaluationSelection.rawValue)
                #expect(Swift.abs(Double(row["mean_return"]!)! - mean) <= 1e-9 * Swift.max(1, Swift.abs(mean)), "\(row)")
            }
            #expect(steps.last! <= 150)
            files += 1
        }
        #expect(files == 2 && curves.count > 0)
    }

    /// The summary pools every seed's test episodes of an (agent, alpha, rule) cell, whatever
    /// the order of the rows: values worked out by hand.
    @Test func summaryPoolsEverySeedsEpisodes() throws {
        let reporter = MultigoalReporter()
        var episodes = CSVTable(columns: reporter.tables["multigoal_episodes"]!)
        for (seed, i, goal, distance, length, ret) in [("1", "0", "G2", "0.3", "7", "-20"), ("0", "1", "none", "1.5", "30", "-200"),
                                                       ("1", "1", "G2", "0.2", "9", "-30"), ("0", "0", "G1", "0.1", "5", "-10")] {
            episodes.append(["quick", "sql", "1", seed, "max", i, goal, distance, length, ret])
        }
        episodes.append(["quick", "sql", "10", "0", "max", "0", "G3", "0.4", "3", "-5"])
        let summary = try #require(try reporter.derivedTables(from: ["multigoal_episodes": episodes])["multigoal_summary"])
        #expect(summary.columns == ["preset", "agent", "alpha", "selection", "seeds", "episodes", "G1", "G2", "G3", "none",
                                    "mean_final_distance", "mean_length", "mean_return"])
        try #require(summary.rows.count == 2)
        #expect(Array(summary.rows[0][..<10]) == ["quick", "sql", "1", "max", "2", "4", "0.25", "0.5", "0.0", "0.25"])
        let means = summary.rows[0][10...].map { Double($0)! }
        #expect(Swift.abs(means[0] - 0.525) < 1e-15 && means[1] == 12.75 && means[2] == -65)
        #expect(Array(summary.rows[1][..<10]) == ["quick", "sql", "10", "max", "1", "1", "0.0", "0.0", "1.0", "0.0"])
        episodes.append(["quick", "sql", "10", "0", "max", "1", "G4", "0.4", "3", "-5"])
        #expect(throws: InputError.self) { try reporter.derivedTables(from: ["multigoal_episodes": episodes]) }
    }

    /// The obstacle summary pools every seed's obstacle episodes of a cell: values worked out
    /// by hand, rows given out of order.
    @Test func obstacleSummaryPoolsEverySeedsEpisodes() throws {
        let reporter = MultigoalReporter()
        var episodes = CSVTable(columns: reporter.tables["obstacle_episodes"]!)
        for (seed, i, goal, hit) in [("1", "0", "G2", "4"), ("0", "1", "none", "2"), ("1", "1", "G3", ""), ("0", "0", "G2", "")] {
            episodes.append(["quick", "sac", "10", seed, "mean", i, goal, hit, goal == "none" ? "1.2" : "0.3", "30"])
        }
        let summary = try #require(try reporter.derivedTables(from: ["obstacle_episodes": episodes])["obstacle_summary"])
        #expect(summary.columns == ["preset", "agent", "alpha", "selection", "seeds", "episodes", "hit_share", "goal", "share",
                                    "share_after_hit"])
        // 4 episodes of 2 seeds; 2 hit the wall (one then reached G2, one reached nothing).
        #expect(summary.rows == [["quick", "sac", "10", "mean", "2", "4", "0.5", "G1", "0.0", "0.0"],
                                 ["quick", "sac", "10", "mean", "2", "4", "0.5", "G2", "0.5", "0.25"],
                                 ["quick", "sac", "10", "mean", "2", "4", "0.5", "G3", "0.25", "0.0"],
                                 ["quick", "sac", "10", "mean", "2", "4", "0.5", "none", "0.25", "0.25"]])
        episodes.append(["quick", "sac", "10", "0", "mean", "2", "G1", "0", "0.3", "30"])
        #expect(throws: InputError.self) { try reporter.derivedTables(from: ["obstacle_episodes": episodes]) }
    }

    @Test func badInputExitsTwo() throws {
        let folder = makeTemporaryFolder("multigoal")
        for args in [["--preset", "nope"], ["--agents", "ppo"], ["--agents", "nope"], ["--jobs", "0"], ["--alphas", "x"],
                     ["--seeds", "0"], ["--agents", "sac,sac"], ["--agents", "sac", "--set", "sac.tau=9"],
                     ["--agents", "sac", "--set", "s2ac.particles=3"]] {
            let r = try runSuiteTool("multigoal-modes", args + ["--out", folder])
            #expect(r.code == 2 && r.err.split(separator: "\n").count == 1, "\(args): \(r.err)")
        }
        #expect(try runSuiteTool("multigoal-modes", ["--agents", "ddpg", "--out", folder]).err.contains("not a multigoal agent"))
        #expect(try runSuiteTool("obstacle-robustness", ["--runs", folder + "/none"]).code == 2)
        // A foreign HDF5 file and a corrupt one in the run folder.
        try FileManager.default.createDirectory(atPath: folder + "/runs", withIntermediateDirectories: true)
        let foreign = try HDF5File.create(at: folder + "/runs/a.h5")
        try foreign.root.write("x", [1.0])
        foreign.close()
        let r1 = try runSuiteTool("obstacle-robustness", ["--runs", folder])
        #expect(r1.code == 2 && r1.err.contains("a.h5") && r1.err.split(separator: "\n").count == 1, "\(r1.err)")
        try FileManager.default.removeItem(atPath: folder + "/runs/a.h5")
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: folder + "/runs/b.h5"))
        let r2 = try runSuiteTool("obstacle-robustness", ["--runs", folder])
        #expect(r2.code == 2 && r2.err.contains("b.h5"), "\(r2.err)")
    }

    /// Every agent of the campaign answers the probes it can: Q (differentiable in the action),
    /// particles inside the action square, a finite entropy (all but SQL, which has none), q0
    /// for the agents with a learned q0.
    @Test func everyCampaignAgentHasItsProbes() throws {
        for name in MultigoalPreset.allAgents {
            let config = try TrainRunConfig.resolve(agent: name, env: "Multigoal", preset: "smoke", seed: 1)
            var g = Xoshiro256(seed: 3)
            let agent = try config.makeAgent(observationDimension: 2, actionDimension: 2, actionLimit: 1, using: &g)
            let s = Tensor<Float>([0, 0, 1, -1], shape: [2, 2])
            let q = try #require(agent as? any CriticProbe, "\(name)")
            let a = Tensor<Float>([0.1, -0.2, 0.3, 0.4], shape: [2, 2])
            #expect(q.probeQ(observations: s, actions: a).shape == [2, 1], "\(name)")
            let p = try #require(agent as? any ParticleProbe, "\(name)")
            let particles = p.probeParticles(at: [0, 0], count: 5, using: &g)
            #expect(!particles.isEmpty && particles.count % 2 == 0 && particles.allSatisfy { abs($0) <= 1 }, "\(name)")
            if let e = agent as? any EntropyProbe {
                #expect(name != "sql")
                let h = e.probeEntropy(observations: s, samples: 3, using: &g)
                #expect(h.count == 2 && h.allSatisfy { $0.isFinite }, "\(name)")
            } else {
                #expect(name == "sql")
            }
            #expect((agent is any InitialDistributionProbe) == (name == "s2ac-phi-theta" || name == "s2ac-phi-theta-psi"), "\(name)")
        }
    }
}
