/// The benchmarks' peak reference: one OpenBLAS sgemm of the critic's main shape, a 1000x256
/// by 256x256 product, on operands allocated once, so a call does nothing but multiply.
/// `make bench` divides what a case achieves by what this achieves in the same run.
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

    /// One product.
    public func run() {
        let (m, n, k) = (self.m, self.n, self.k)
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    Float.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!, lda: k,
                               b: b.baseAddress!, ldb: n, beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
    }
}
