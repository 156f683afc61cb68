import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn the HDF5 results under Results/ into CSV tables under Results/tables/.",
        discussion: """
            Every *.h5 file below the results folder is read through the reporter of its kind \
            (the /run attribute 'kind'). Unknown, foreign or corrupt files are named in a warning; \
            the rest are still reported, and the exit code is 1 when there were warnings. \
            Results/README.md documents every table and column.
            """)

    @Option(help: "The results folder to walk.")
    var results: String = "Results"

    @Option(help: "Where the CSV tables go (default: <results>/tables).")
    var tables: String?

    func run() throws {
        let outcome = try runReport(resultsFolder: results, tablesFolder: tables ?? results + "/tables")
        for w in outcome.warnings {
            FileHandle.standardError.write(Data("report: warning: \(w)\n".utf8))
        }
        print("report: \(outcome.filesReported) result files, \(outcome.tablesWritten.count) tables")
        for t in outcome.tablesWritten { print("  \(t)") }
        if !outcome.warnings.isEmpty { throw ExitCode(1) }
    }
}

Report.suiteMain()
