import Foundation
import XCTest

/// The cluster launcher on a real Slurm, not a mock: `scripts/slurm/array-test.sh` starts the
/// single-node cluster of `scripts/slurm/local-cluster.sh` (Debian's slurmctld, slurmd and
/// munge; `make test` installs them), submits a smoke multigoal campaign as one job array and
/// checks the run files against the local launcher's (params_sha256), a task stopped by SIGTERM
/// mid-run (requeued, resumed, the same bits), a resubmission of exactly the one missing run,
/// the report step naming a missing run, and bad input; then it stops the cluster it started.
/// When Slurm cannot start, it fails with the reason.
final class SlurmArrayTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func testCampaignAsOneJobArrayOnLocalSlurm() throws {
        let script = Self.repository + "/scripts/slurm/array-test.sh"
        let r = try runProgram("/bin/bash", [script, builtProductsFolder.path], timeout: 900)
        // The figures (task ids, times, the requeued task's checkpoint step, the hashes) go to
        // the test log.
        print(r.out, terminator: "")
        FileHandle.standardError.write(Data(r.err.utf8))
        let why = (r.err + r.out).split(separator: "\n").filter { $0.contains("FAILED") }.last.map(String.init)
        XCTAssertEqual(r.code, 0, why ?? "array-test.sh exited with \(r.code): \(r.err.suffix(2000))")
    }
}
