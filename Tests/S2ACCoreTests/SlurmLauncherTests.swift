import Foundation
import XCTest
@testable import S2ACCore

/// The parts of the Slurm launcher that need no cluster: the manifest, the quoting of its
/// commands, Slurm's time limits and the checks of the options. The array itself is tested on
/// a real Slurm (`SlurmArrayTests`).
final class SlurmLauncherTests: XCTestCase {
    func testManifestHasOneLinePerTaskAndCommandsReadBackByAShell() throws {
        let runs = [ClusterRun(runID: "sac,1.0,0", agent: "sac", env: "Multigoal", seed: 0, preset: "smoke",
                               output: "/r/runs/sac_alpha1.0_seed0.h5", arguments: ["/bin/echo", "it's", "a b", "$HOME", "plain"]),
                    ClusterRun(runID: "sql,1.0,1", agent: "sql", env: "Multigoal", seed: 1, preset: "smoke",
                               output: "/r/runs/sql_alpha1.0_seed1.h5", arguments: ["/bin/true"])]
        let lines = try SlurmLauncher.manifest(runs).split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        XCTAssertEqual(lines.count, 3)
        XCTAssertEqual(lines[0].map(String.init), ["task", "run_id", "agent", "env", "seed", "preset", "output", "checkpoint", "command"])
        XCTAssertEqual(lines[2].prefix(8).map(String.init), ["1", "sql,1.0,1", "sql", "Multigoal", "1", "smoke",
                                                             "/r/runs/sql_alpha1.0_seed1.h5", "/r/runs/sql_alpha1.0_seed1.ckpt.h5"])
        // The batch script runs `eval "set -- $command"`: bash must give back the same words.
        let command = String(lines[1][8])
        let r = try runProgram("/bin/bash", ["-c", "eval \"set -- $1\"; printf '%s\\n' \"$@\"", "bash", command])
        XCTAssertEqual(r.out, "/bin/echo\nit's\na b\n$HOME\nplain\n")
        let tab = ClusterRun(runID: "x", agent: "a", env: "e", seed: 0, preset: "p", output: "/o\t.h5", arguments: ["/bin/true"])
        XCTAssertThrowsError(try SlurmLauncher.manifest([tab]))
    }

    func testTimeLimitsInSlurmsForms() throws {
        XCTAssertEqual(try SlurmLauncher.timeLimitSeconds("90"), 5400)
        XCTAssertEqual(try SlurmLauncher.timeLimitSeconds("10:30"), 630)
        XCTAssertEqual(try SlurmLauncher.timeLimitSeconds("12:00:00"), 43200)
        XCTAssertEqual(try SlurmLauncher.timeLimitSeconds("2-00"), 172_800)
        XCTAssertEqual(try SlurmLauncher.timeLimitSeconds("1-02:03"), 93780)
        XCTAssertEqual(try SlurmLauncher.timeLimitSeconds("1-02:03:04"), 93784)
        XCTAssertNil(try SlurmLauncher.timeLimitSeconds("UNLIMITED"))
        for bad in ["", "1-2-3", "a", "1:2:3:4", "-5", "1:-2"] {
            XCTAssertThrowsError(try SlurmLauncher.timeLimitSeconds(bad), bad)
        }
    }

    func testOptionsThatCannotWorkAreRefused() throws {
        var o = SlurmOptions()
        XCTAssertNoThrow(try SlurmLauncher(name: "c", folder: "/tmp/c", options: o))
        XCTAssertThrowsError(try SlurmLauncher(name: "c", folder: "relative/c", options: o))
        XCTAssertThrowsError(try SlurmLauncher(name: "c", folder: "/tmp/with blank", options: o))
        o.maxConcurrent = 0
        XCTAssertThrowsError(try SlurmLauncher(name: "c", folder: "/tmp/c", options: o))
        o = SlurmOptions(); o.time = "5"; o.signalMargin = 300
        XCTAssertThrowsError(try SlurmLauncher(name: "c", folder: "/tmp/c", options: o)) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("signal") ?? false, "\(error)")
        }
        o.time = "6"
        XCTAssertNoThrow(try SlurmLauncher(name: "c", folder: "/tmp/c", options: o))
    }

    func testBatchScriptAsksForOneArrayWithRequeueAndTheSignal() throws {
        var o = SlurmOptions()
        o.partition = "cpu"; o.time = "1:00:00"; o.cpusPerTask = 2; o.maxConcurrent = 5; o.signalMargin = 120
        let script = try SlurmLauncher(name: "camp", folder: "/tmp/c", options: o)
            .batchScript(taskCount: 12, manifestPath: "/tmp/c/slurm/1/manifest.tsv", logs: "/tmp/c/slurm/1/logs", workingFolder: "/w")
        for line in ["#SBATCH --array=0-11%5", "#SBATCH --requeue", "#SBATCH --signal=B:TERM@120", "#SBATCH --cpus-per-task=2",
                     "#SBATCH --partition=cpu", "#SBATCH --time=1:00:00", "#SBATCH --output=/tmp/c/slurm/1/logs/%A_%a.log",
                     "scontrol requeue \"$task_job\""] {
            XCTAssertTrue(script.contains(line), line)
        }
        let check = try runProgram("/bin/bash", ["-n", "-c", script])
        XCTAssertEqual(check.code, 0, check.err)
    }
}
