import ArgumentParser
import ExperimentSupport
import S2ACCore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn the HDF5 results under Results/ into CSV tables under Results/tables/.")

    @Option(help: "The results folder to walk.")
    var results: String = "Results"

    func run() throws {
        print("report: nothing to report yet under \(results)")
    }
}

Report.suiteMain()
