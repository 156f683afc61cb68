import S2ACCore
import Testing

/// The library is built with its bounds and precondition checks (`-O`, not `-Ounchecked`,
/// Package.swift): a violated precondition and an out-of-range index stop the process instead
/// of reading or writing past an array. Under `-Ounchecked` both bodies below would return.
@Suite struct BuildChecksTests {
    @Test func aViolatedPreconditionStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            _ = ScoreMatrix(runs: 2, tasks: 2, taskMajor: [1, 2, 3])
        }
    }

    @Test func anOutOfRangeIndexStopsTheProcess() async {
        await #expect(processExitsWith: .failure) {
            let m = ScoreMatrix(runs: 2, tasks: 1, taskMajor: [1, 2])
            // run 2 of 2 runs, task 0: index 2 of a 2-element array.
            _ = m[2, 0]
        }
    }
}
