import Foundation
import Testing
@_spi(Kernels) import S2ACCore

/// The engine's threads change no bit, by construction: products and long loops are cut into
/// the same blocks (the same BLAS calls and loops) on any thread count, and the threads only
/// share the blocks out. Checked both ways: the list of blocks, and the bits of the results.
@Suite struct EngineThreadsTests {
    /// Every product shape class the split treats differently (rows or columns of C, each
    /// operand transposed or not, lengths that do not divide evenly, beta = 1), and the long
    /// elementwise, broadcast and reduction loops, at 1 and at 3 threads. No other test in this
    /// target changes the engine's thread count; `train` runs are separate processes.
    @Test func splitWorkIsBitIdentical() {
        var rng = Xoshiro256(seed: 11)
        let x = Tensor<Float>.randomNormal([1000, 256], using: &rng)
        let w = Tensor<Float>.randomNormal([256, 256], using: &rng)
        let wide = Tensor<Float>.randomNormal([37, 64], using: &rng)
        let wideB = Tensor<Float>.randomNormal([64, 3001], using: &rng)
        let tall = Tensor<Float>.randomNormal([1000, 300], using: &rng)
        let row = Tensor<Float>.randomNormal([1, 256], using: &rng)
        let batch = Tensor<Float>.randomNormal([330, 256], using: &rng)

        func compute() -> [[Float]] {
            let products = [
                x.matmul(w),                                   // rows of C
                batch.matmul(w, transposeB: true),             // 330 rows: uneven parts
                x.matmul(w, transposeB: true),
                x.matmul(tall, transposeA: true),              // [256, 300], k = 1000 (weight gradients)
                wide.matmul(wideB),                            // columns of C
                wideB.matmul(wide, transposeA: true, transposeB: true),
            ]
            var accumulated = [Float](repeating: 0.5, count: 1000 * 256)
            x.withUnsafeBufferPointer { a in
                w.withUnsafeBufferPointer { b in
                    accumulated.withUnsafeMutableBufferPointer { c in
                        Float.gemm(transposeA: false, transposeB: false, m: 1000, n: 256, k: 256, alpha: 0.5,
                                   a: a.baseAddress!, lda: 256, b: b.baseAddress!, ldb: 256, beta: 1,
                                   c: c.baseAddress!, ldc: 256)
                    }
                }
            }
            let loops = [x.elu(), x.exp(), x.tanh(), x * x, x + row, x.sum(axis: 0), x.sum(axis: 1),
                         x.sum(), x.elu().linearReLU(weight: w, bias: row.reshaped([256]))]
            return products.map(\.scalars) + [accumulated] + loops.map(\.scalars)
        }
        // The blocks every product and loop was cut into, as (length, start, count): the same
        // list on 1 and 3 threads, or the engine would make different BLAS calls and loops.
        var one: [[Float]] = [], three: [[Float]] = []
        setEngineThreads(1)
        let oneBlocks = EngineTrace.recording { one = compute() }
        setEngineThreads(3)
        let threeBlocks = EngineTrace.recording { three = compute() }
        setEngineThreads(1)
        #expect(oneBlocks.contains { $0[2] < $0[0] }, "no product or loop was cut into blocks")
        let moved = Set(oneBlocks.map { $0.description }).symmetricDifference(threeBlocks.map { $0.description })
        #expect(oneBlocks == threeBlocks,
                "blocks differ between 1 and 3 threads (length, start, count): \(moved.sorted().prefix(6))")
        #expect(one.count == three.count)
        for (i, (a, b)) in zip(one, three).enumerated() {
            let differing = zip(a, b).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(a.count == b.count && differing == 0, "result \(i): \(differing) of \(a.count) values differ with 3 threads")
        }
    }

    /// Training on two threads writes the same parameters as on one, for agents whose updates
    /// split (critics of 2 x 256 on 1000 rows: 100 states x 10 particles).
    @Test(arguments: ["sql", "s2ac-phi-theta"])
    func trainingIsBitIdenticalAcrossThreads(agent: String) throws {
        let folder = makeTemporaryFolder("threads-\(agent)")
        var hashes: [String?] = []
        for threads in ["1", "2"] {
            let out = folder + "/t\(threads).h5"
            let r = try runSuiteTool("train", ["--agent", agent, "--env", "Multigoal", "--steps", "130",
                                               "--eval-every", "0", "--threads", threads, "--out", out, "--quiet"])
            #expect(r.code == 0, "\(r.err)")
            let file = try HDF5File.open(at: out)
            defer { file.close() }
            let g = try file.root.group("train")
            hashes.append(try g.attribute("params_sha256")?.stringValue)
            #expect(try g.attribute("engine_threads") == .int(Int(threads)!))
        }
        #expect(hashes[0] != nil && hashes[0] == hashes[1])
    }
}

/// `bench-agents` times each agent at every requested thread count, and refuses bad counts.
@Suite struct BenchAgentsCommandTests {
    @Test func rowsPerThreadCount() throws {
        let folder = makeTemporaryFolder("bench-agents")
        let r = try runSuiteTool("bench-agents", ["--agents", "sac", "--threads", "1,2", "--rounds", "1", "--repetitions", "1",
                                                  "--warmup", "0", "--torch-python", "", "--output", folder + "/a.csv"])
        #expect(r.code == 0, "\(r.err)")
        let rows = try String(contentsOfFile: folder + "/a.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",") }
        #expect(rows.count == 5)
        #expect(rows.dropFirst().map { "\($0[0]) \($0[1]) \($0[5])" } == ["sac 11x3 1", "sac 2x2 1", "sac 11x3 2", "sac 2x2 2"])
        for bad in ["0", "1,x", "", "1,,2"] {
            let b = try runSuiteTool("bench-agents", ["--agents", "sac", "--threads", bad, "--output", folder + "/b.csv"])
            #expect(b.code == 2, "--threads '\(bad)': \(b.err)")
        }
        #expect(!FileManager.default.fileExists(atPath: folder + "/b.csv"))
        // Other environments' sizes, and the batched action selection of an evaluation step.
        let d = try runSuiteTool("bench-agents", ["--agents", "sac", "--dims", "376x17", "--action-batch", "7", "--preset", "smoke", "--rounds", "1",
                                                  "--repetitions", "1", "--warmup", "0", "--torch-python", "", "--output", folder + "/d.csv"])
        #expect(d.code == 0, "\(d.err)")
        let lines = try String(contentsOfFile: folder + "/d.csv", encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let row = Dictionary(uniqueKeysWithValues: zip(lines[0], lines[1]))
        #expect(lines.count == 2 && row["env_dims"] == "376x17" && row["action_batch"] == "7" && (Double(row["action_batch_ms"] ?? "") ?? 0) > 0
                && row["preset"] == "smoke" && row["torch_update_ms"] == "nan")
        for bad in [["--dims", "11"], ["--dims", "0x3"], ["--action-batch", "0"], ["--preset", "fast"]] {
            let b = try runSuiteTool("bench-agents", ["--agents", "sac"] + bad + ["--output", folder + "/b.csv"])
            #expect(b.code == 2, "\(bad): \(b.err)")
        }
    }
}
