import ArgumentParser
import ExperimentSupport
import Foundation
import S2ACCore

/// Speed of the tensor engine on the suite's hot path: a 2x256 ELU critic on input 14
/// (state 11 + action 3) at batch 100 and 1000 (100 states x 10 particles), against the
/// machine's own sgemm speed measured in the same run with the same thread setting.
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-engine",
        abstract: "Time the autodiff engine on a 2x256 critic; write Results/bench/engine.csv.")

    @OptionGroup var threadsOption: ThreadsOption

    var threads: Int { threadsOption.count(default: 1) }

    @Option(parsing: .unconditional, help: "Timed repetitions per case (the median is reported).")
    var repetitions: Int = 50

    @Option(parsing: .unconditional, help: "Untimed repetitions before timing.")
    var warmup: Int = 10

    @Option(parsing: .upToNextOption, help: "Batch sizes.")
    var batches: [Int] = [100, 1000]

    @Option(parsing: .upToNextOption, help: "Cases to run: forward, forward_backward, input_grad, second_order.")
    var cases: [String] = BenchEngine.caseNames

    static let caseNames = ["forward", "forward_backward", "input_grad", "second_order"]

    @Option(help: """
        cpu: process CPU time, immune to other jobs taking the cores, but summed over threads; \
        wall: elapsed time; auto: cpu with one thread, wall with several.
        """)
    var clock: String = "auto"

    /// The clock in use once `auto` is resolved.
    var resolvedClock: String { clock == "auto" ? (threads == 1 ? "cpu" : "wall") : clock }

    @Option(help: "The CSV file to write.")
    var output: String = "Results/bench/engine.csv"

    func validate() throws {
        try requireRange(repetitions, 1...100_000, flag: "repetitions")
        try requireRange(warmup, 0...100_000, flag: "warmup")
        guard ["auto", "cpu", "wall"].contains(clock) else {
            throw ValidationError("--clock must be auto, cpu or wall, got '\(clock)'")
        }
        for b in batches { try requireRange(b, 1...1_000_000, flag: "batches") }
        for c in cases where !Self.caseNames.contains(c) {
            throw ValidationError("--cases: unknown case '\(c)'; known: \(Self.caseNames.joined(separator: ", "))")
        }
    }

    /// Median wall times in seconds of `body` and of `reference`, timed alternately after
    /// `warmup` untimed rounds, so both see the same machine load (other jobs share the cores).
    func medians(_ body: () -> Void, _ reference: () -> Void) -> (body: Double, reference: Double) {
        for _ in 0..<warmup { body(); reference() }
        let cpu = resolvedClock == "cpu"
        var t: [Double] = [], r: [Double] = []
        for _ in 0..<repetitions {
            t.append(benchSeconds(cpu: cpu, body))
            r.append(benchSeconds(cpu: cpu, reference))
        }
        return (median(t), median(r))
    }

    /// Bytes one batch row takes at the peak: the second-order case keeps about 18 tensors of
    /// the critic's width (256, float32) alive; measured 18.4 KB a row at batch 20000.
    static let bytesPerBatchRow = 18.0 * 256 * 4

    func run() throws {
        try requireWritableFolder(URL(fileURLWithPath: output).deletingLastPathComponent().path)
        let largest = batches.max() ?? 0
        try requireMemory(Double(largest) * Self.bytesPerBatchRow, for: "--batches \(largest)", flagHint: "give smaller batches")
        var rng = SeedTree(seed: 1).stream(.networkInit)
        setEngineThreads(threads)
        let probe = SGEMMPeakProbe(using: &rng)
        let peakGEMM = { probe.run() }
        // The engine's blocked product and one whole OpenBLAS call (threaded by OpenBLAS when
        // there are several threads): the peak is never below either, and the pair shows what
        // cutting products into fixed blocks costs.
        let probeRates = probe.rates { benchSeconds(cpu: resolvedClock == "cpu", $0) }
        let probePeak = max(probeRates.engine, probeRates.whole)
        let critic = MLP<Float>(inputs: 14, hidden: [256, 256], outputs: 1, activation: .elu, using: &rng)
        let bodies: [(String, (Tensor<Float>, Tensor<Float>) -> Void)] = [
            ("forward", { s, a in _ = withNoGrad { critic(Tensor.concat([s, a], axis: 1)) } }),
            ("forward_backward", { s, a in
                critic.zeroGrad()
                critic(Tensor.concat([s, a], axis: 1)).mean().backward()
            }),
            ("input_grad", { s, a in
                let a = a.trackingGrad()
                _ = grad(of: critic(Tensor.concat([s, a], axis: 1)).sum(), wrt: [a])
            }),
            // The S2AC actor-loss shape: one Stein-like step along dQ/da, then the parameter
            // gradient of -mean Q at the moved actions (second derivatives of Q).
            ("second_order", { s, a in
                let a = a.trackingGrad()
                let dq = grad(of: critic(Tensor.concat([s, a], axis: 1)).sum(), wrt: [a], createGraph: true)[0]
                let loss = -critic(Tensor.concat([s, a + dq * 0.1], axis: 1)).mean()
                _ = grad(of: loss, wrt: critic.parameters)
            }),
        ]
        var lines = ["case,batch,seconds,gflops,peak_gflops,fraction_of_peak,blocked_gemm_gflops,whole_gemm_gflops,threads,blas_core"]
        for batch in batches {
            let s = Tensor<Float>.randomNormal([batch, 11], using: &rng)
            let a = Tensor<Float>.randomNormal([batch, 3], using: &rng)
            for (name, body) in bodies where cases.contains(name) {
                let flops = MatmulFLOPCounter.counting { body(s, a) }.flops
                let (seconds, peakSeconds) = medians({ body(s, a) }, peakGEMM)
                let gflops = Double(flops) / seconds / 1e9
                let peak = max(probe.flops / peakSeconds / 1e9, probePeak)
                let line = "\(name),\(batch),\(fmt(seconds)),\(fmt(gflops)),\(fmt(peak)),\(fmt(gflops / peak)),"
                    + "\(fmt(probeRates.engine)),\(fmt(probeRates.whole)),\(threads),\(blasCoreName)"
                print(line)
                lines.append(line)
            }
        }
        try writeFileAtomically(Data((lines.joined(separator: "\n") + "\n").utf8), to: output)
        print("bench-engine: wrote \(output) (threads \(threads), \(resolvedClock) time, median of \(repetitions);"
              + " OpenBLAS core \(blasCoreName); 1000x256x256 sgemm: \(fmt(probeRates.engine)) GFLOP/s in the engine's blocks,"
              + " \(fmt(probeRates.whole)) as one call)")
    }

    func fmt(_ x: Double) -> String { String(format: "%.6g", x) }
}

BenchEngine.suiteMain()
