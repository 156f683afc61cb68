import CBLAS

/// The benchmarks' peak reference: one OpenBLAS sgemm of the critic's main shape, a 1000x256
/// by 256x256 product, on operands allocated once, so a call does nothing but multiply.
/// `make bench` divides what a case achieves by what this achieves in the same run.
/// The peak is the better of the engine's blocked product and one OpenBLAS call (threaded by
/// OpenBLAS when the engine has several threads), so the reference never flatters the engine.
public final class SGEMMPeakProbe {
    public let m = 1000, n = 256, k = 256
    private let a: Tensor<Float>, b: Tensor<Float>, c: Tensor<Float>

    public init(using rng: inout Xoshiro256) {
        a = Tensor<Float>.randomNormal([m, k], using: &rng)
        b = Tensor<Float>.randomNormal([k, n], using: &rng)
        c = Tensor<Float>.zeros([m, n])
    }

    /// Floating-point operations of one product.
    public var flops: Double { 2 * Double(m * n * k) }

    /// GFLOP/s of the better way to run the product on the engine's threads: the median of
    /// `repetitions` timings (by `seconds`) after a long warm-up, as the engine runs it (in
    /// blocks) and as one OpenBLAS call on that many OpenBLAS threads, so the peak a benchmark
    /// divides by never flatters the engine.
    public func peakGFLOPS(repetitions: Int = 100, seconds: (() -> Void) -> Double) -> Double {
        let r = rates(repetitions: repetitions, seconds: seconds)
        return Swift.max(r.engine, r.whole)
    }

    /// The two rates `peakGFLOPS` takes the better of: the engine's blocked product and one
    /// OpenBLAS call (threaded as the engine is), so a benchmark can show what blocking costs.
    public func rates(repetitions: Int = 100, seconds: (() -> Void) -> Double) -> (engine: Double, whole: Double) {
        func rate(_ body: @escaping () -> Void) -> Double {
            // The first products run before the core has reached its clock speed.
            for _ in 0..<50 { body() }
            var times = (0..<repetitions).map { _ in seconds(body) }
            times.sort()
            return flops / times[times.count / 2] / 1e9
        }
        let engine = rate { [self] in run() }
        let threads = WorkerPool.shared.parts
        openblas_set_num_threads(Int32(threads))
        defer { openblas_set_num_threads(1) }
        return (engine, rate { [self] in runUnsplit() })
    }

    /// One product, as the engine runs it.
    public func run() { multiply(split: true) }

    /// One product in a single OpenBLAS call, on as many threads as OpenBLAS is set to use.
    public func runUnsplit() { multiply(split: false) }

    private func multiply(split: Bool) {
        let (m, n, k) = (self.m, self.n, self.k)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    let (a, b, c) = (a.baseAddress!, b.baseAddress!, c.baseAddress!)
                    if split {
                        Float.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k,
                                   b: b, ldb: n, beta: 0, c: c, ldc: n)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(m), blasint(n), blasint(k), 1,
                                    a, blasint(k), b, blasint(n), 0, c, blasint(n))
                    }
                }
            }
        }
    }
}
