import ArgumentParser
import S2ACCore

@main
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Turn the HDF5 results under Results/ into CSV tables under Results/tables/.")

    @Option(help: "The results folder to walk.")
    var results: String = "Results"

    func run() throws {
        print("report: nothing to report yet under \(results)")
    }
}
