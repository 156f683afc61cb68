import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Turn the HDF5 results under Results/ into CSV tables and the reviewer's page.",
        discussion: """
            Every *.h5 file below the results folder is read through the reporter of its kind \
            (the /run attribute 'kind') into CSV tables under <results>/tables. Then every claim of \
            the claims file is decided by its rule on the same files, and the reviewer's page is \
            written to <results>/report/index.html and REPORT.md: per paper artefact, the claim, the \
            paper's value, ours, the verdict, the run files and our pictures. Unknown, foreign or \
            corrupt files are named in a warning; the rest are still reported, and the exit code is \
            1 when there were warnings. Results/README.md documents every table and column.
            """)

    @Option(help: "The results folder to walk.")
    var results: String = "Results"

    @Option(help: "Where the CSV tables go (default: <results>/tables).")
    var tables: String?

    @Option(help: "The paper's claims and their rules (default: scripts/reference/paper_claims.csv from the repository root).")
    var claims: String?

    @Flag(help: "Write the CSV tables only, not the reviewer's page.")
    var noPage = false

    func run() throws {
        // Read the claims before writing anything: a bad claims file changes nothing on disk.
        let claimsPath = claims ?? Self.defaultClaims
        // Without --claims, a folder that is not the repository root has no claims file: tables only.
        let page = !noPage && (claims != nil || FileManager.default.fileExists(atPath: claimsPath))
        let claimList = page ? try PaperClaim.load(path: claimsPath) : []
        let outcome = try runReport(resultsFolder: results, tablesFolder: tables ?? results + "/tables")
        Temporaries.report(outcome.removedTemporaries)
        for w in outcome.warnings {
            FileHandle.standardError.write(Data("report: warning: \(w)\n".utf8))
        }
        print("report: \(outcome.filesReported) result files, \(outcome.tablesWritten.count) tables")
        for t in outcome.tablesWritten { print("  \(t)") }
        if page {
            let data = try ResultData.load(resultsFolder: results)
            let page = ReviewPage(claims: claimList, data: data, resultsFolder: results, claimsFile: claimsPath)
            try page.write(to: results + "/report")
            print("report: \(page.summaryText)")
            print("  \(results)/report/index.html")
            print("  \(results)/report/REPORT.md")
        } else if !noPage {
            print("report: no claims file at \(claimsPath) (run from the repository root or pass --claims): the reviewer's page is not written")
        }
        if !outcome.warnings.isEmpty { throw ExitCode(1) }
    }

    static let defaultClaims = "scripts/reference/paper_claims.csv"
}

Report.suiteMain()
