import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct ObstacleRobustness: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "obstacle-robustness",
        abstract: "Test the agents trained by multigoal-modes on Multigoal with the obstacle (Fig 7, 16).",
        discussion: """
            For every run file in RUNS/runs/ the trained agent is rebuilt from the file's \
            configuration and loaded (no retraining), then runs the preset's test episodes (20) \
            on Multigoal-obstacle with its test selection rules. RUNS/obstacle/<run file> records \
            the trajectories, the goal reached (or none) and the first blocked step of every \
            episode. Existing complete files are kept unless --force.
            """)

    @Option(help: "A multigoal-modes output folder.")
    var runs: String = "Results/multigoal/quick"

    @OptionGroup var forceOption: ForceOption

    var force: Bool { forceOption.force }

    func run() throws {
        let folder = runs + "/runs"
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw InputError("no run folder at \(folder) (run multigoal-modes first)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.hasSuffix(".h5") && !$0.hasPrefix(".") }.sorted()
        guard !names.isEmpty else { throw InputError("no run files in \(folder)") }
        var written = 0
        for name in names {
            let target = runs + "/obstacle/" + name
            if !force && MultigoalRun.obstacleIsCurrent(target, runFile: folder + "/" + name) { continue }
            try MultigoalRun.evaluateObstacle(runFile: folder + "/" + name, to: target, force: true)
            written += 1
        }
        print("obstacle-robustness: \(names.count) trained agents, \(written) evaluated on Multigoal-obstacle -> \(runs)/obstacle")
    }
}

ObstacleRobustness.suiteMain()
