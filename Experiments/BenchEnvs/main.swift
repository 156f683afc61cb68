import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Environment steps per CPU second of the six MuJoCo environments: ours (`s2ac`), the bare
/// `mj_step` loop on the same library replaying the same actions and resets (`mujoco-raw`,
/// substeps / frame skip), and Gymnasium with pip mujoco (`gymnasium`, via the pinned venv).
/// Rounds interleave the three so they see the same machine load; CPU time rather than wall
/// time keeps other jobs on the cores out of the numbers; the best round of each is reported.
struct BenchEnvs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-envs",
        abstract: "Time the MuJoCo environments against the bare mj_step loop and Gymnasium; write Results/bench/envs.csv.")

    @Option(parsing: .upToNextOption, help: "Environments.")
    var envs: [String] = MuJoCoEnvs.ids

    @Option(parsing: .unconditional, help: "Interleaved rounds (the best of each implementation is reported).")
    var rounds: Int = 5

    @Option(parsing: .unconditional, help: "Scale of the step counts (1 = about a second per measurement).")
    var scale: Double = 1

    @Option(help: "Python of the pinned Gymnasium venv; empty to skip Gymnasium.")
    var python: String = ".venv-gym/bin/python"

    @Option(help: "The Gymnasium timing script.")
    var gymScript: String = "scripts/reference/bench_gym_env.py"

    @Option(help: "The CSV file to write.")
    var output: String = "Results/bench/envs.csv"

    func validate() throws {
        try requireRange(rounds, 1...100, flag: "rounds")
        try requireRange(scale, 0.001...1000, flag: "scale")
        for e in envs where !MuJoCoEnvs.ids.contains(e) {
            throw ValidationError("--envs: unknown environment '\(e)'; known: \(MuJoCoEnvs.ids.joined(separator: ", "))")
        }
    }

    /// The venv is checked when the run starts, not in `validate()`: ArgumentParser validates
    /// before it reports an unknown flag, which the user should hear of first.
    func requireVenv() throws {
        if !python.isEmpty && !FileManager.default.isExecutableFile(atPath: python) {
            throw InputError("--python \(python) is not executable (scripts/reference/gym_venv.sh makes it, or pass --python '')")
        }
    }

    /// Steps per measurement: about a second of physics for each environment on this machine.
    static let baseSteps = ["Hopper-v4": 40_000, "Walker2d-v4": 30_000, "HalfCheetah-v4": 20_000,
                            "Ant-v4": 6_000, "Ant-v4-contact": 6_000, "Humanoid-v4": 3_000]

    func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }

    func run() throws {
        try requireVenv()
        try requireWritableFolder(URL(fileURLWithPath: output).deletingLastPathComponent().path)
        var best: [String: [String: Double]] = [:]
        for round in 1...rounds {
            for id in envs {
                let steps = max(100, Int(Double(Self.baseSteps[id] ?? 10_000) * scale))
                let env = try MuJoCoEnvs.make(id)
                // Random actions, uniform in the action box, drawn before timing.
                var g = SeedTree(seed: UInt64(round)).stream(.exploration)
                let actions = (0..<steps).map { _ in
                    (0..<env.actionDimension).map { j in
                        env.actionLow[j] + (env.actionHigh[j] - env.actionLow[j]) * g.nextUniformFloat()
                    }
                }
                // An untimed pass (also the warm-up) finds where episodes start and their states,
                // so the bare loop resets at the same steps to the same states.
                var starts: [(step: Int, qpos: [Double], qvel: [Double])] = []
                var pass = g
                _ = env.reset(using: &pass)
                let first = (env.simulation.data.values(.qpos), env.simulation.data.values(.qvel))
                for i in 0..<steps {
                    let r = env.step(actions[i])
                    if r.terminated || r.truncated {
                        _ = env.reset(using: &pass)
                        starts.append((i + 1, env.simulation.data.values(.qpos), env.simulation.data.values(.qvel)))
                    }
                }
                // Ours: random actions, resets from the .envReset-style stream.
                func ours() -> Double {
                    var resets = g
                    let t0 = cpuSeconds()
                    _ = env.reset(using: &resets)
                    for i in 0..<steps {
                        let r = env.step(actions[i])
                        if r.terminated || r.truncated { _ = env.reset(using: &resets) }
                    }
                    return Double(steps) / (cpuSeconds() - t0)
                }
                // The bare loop: ctrl, mj_step x frame skip; at episode starts mj_resetData,
                // qpos, qvel, mj_forward.
                func raw() -> Double {
                    let sim = env.simulation
                    let d = sim.data
                    var next = 0
                    let t0 = cpuSeconds()
                    sim.setState(qpos: first.0, qvel: first.1)
                    for i in 0..<steps {
                        d.setControl(actions[i])
                        for _ in 0..<sim.frameSkip { d.step() }
                        if next < starts.count && starts[next].step == i + 1 {
                            sim.setState(qpos: starts[next].qpos, qvel: starts[next].qvel)
                            next += 1
                        }
                    }
                    return Double(steps) / (cpuSeconds() - t0)
                }
                // Alternate which goes first, so neither always gets the warmer caches.
                let (o, r) = round % 2 == 1 ? { let o = ours(); return (o, raw()) }() : { let r = raw(); return (ours(), r) }()
                var rates = ["s2ac": o, "mujoco-raw": r]
                if !python.isEmpty { rates["gymnasium"] = try gymnasiumRate(id, steps: steps, seed: round) }
                let line = rates.sorted { $0.key < $1.key }.map { "\($0.key) \(Int($0.value))" }.joined(separator: ", ")
                print("round \(round) \(id): \(line) steps/s (\(starts.count) resets)")
                for (k, v) in rates { best[id, default: [:]][k] = max(best[id]?[k] ?? 0, v) }
            }
        }
        var csv = "env,impl,steps_per_second\n"
        for id in envs {
            let b = best[id]!
            for impl in ["s2ac", "mujoco-raw", "gymnasium"] where b[impl] != nil {
                csv += "\(id),\(impl),\(String(format: "%.1f", b[impl]!))\n"
            }
            var summary = "\(id): raw/ours \(String(format: "%.3f", b["mujoco-raw"]! / b["s2ac"]!))"
            if let gym = b["gymnasium"] { summary += ", ours/gymnasium \(String(format: "%.2f", b["s2ac"]! / gym))" }
            print(summary)
        }
        let url = URL(fileURLWithPath: output)
        try writeFileAtomically(Data(csv.utf8), to: url.path)
        print("bench-envs: wrote \(output)")
    }

    func gymnasiumRate(_ id: String, steps: Int, seed: Int) throws -> Double {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [gymScript, id, String(steps), String(seed)]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0,
              let rate = Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw InputError("\(gymScript) failed for \(id) (exit \(p.terminationStatus)); is \(python) the pinned Gymnasium venv?")
        }
        return rate
    }
}

BenchEnvs.suiteMain()
