import Foundation
import Testing
import S2ACCore

@Suite struct BenchEngineTests {
    @Test func smokeRunWritesTheCSV() throws {
        let csv = makeTemporaryFolder("bench") + "/engine.csv"
        let r = try runSuiteTool("bench-engine", ["--repetitions", "1", "--warmup", "0", "--batches", "3", "--output", csv])
        #expect(r.code == 0, "\(r.err)")
        let lines = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "case,batch,seconds,gflops,peak_gflops,fraction_of_peak,blocked_gemm_gflops,whole_gemm_gflops,threads,blas_core")
        #expect(lines.dropFirst().map { $0.split(separator: ",").first! } == ["forward", "forward_backward", "input_grad", "second_order"])
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",")
            #expect(fields.count == 10 && fields[1] == "3" && fields[8] == "1")
            #expect(fields.dropFirst(2).prefix(6).allSatisfy { (Double($0) ?? -1) > 0 }, "\(line)")
            // The OpenBLAS kernel's name, as the result files record it.
            #expect(fields.count == 10 && fields[9] == Substring(blasCoreName) && blasCoreName != "unknown", "\(line)")
        }
    }

    @Test(arguments: [["--threads", "0"], ["--cases", "backward"], ["--clock", "sundial"], ["--repetitions", "x"]])
    func badFlagsExitWithCode2(_ arguments: [String]) throws {
        let r = try runSuiteTool("bench-engine", arguments + ["--output", makeTemporaryFolder("bench") + "/e.csv"])
        #expect(r.code == 2)
        #expect(r.err.hasPrefix("bench-engine: error: ") && r.err.split(separator: "\n").count == 1, "\(r.err)")
    }
}
