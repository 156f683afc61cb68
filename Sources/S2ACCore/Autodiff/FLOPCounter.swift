/// Counts the floating-point operations of matrix products (2 m n k each) run inside a
/// region, for benchmarks that report achieved GFLOP/s, and keeps the shape of every product
/// so a benchmark can replay exactly those products alone (`GemmReplay`). Task-local, so
/// concurrent regions never see each other's counts; outside a region counting costs one
/// task-local read. Child tasks inherit the counter, so count only bodies that do not run
/// matmuls concurrently.
public final class MatmulFLOPCounter: @unchecked Sendable {
    public private(set) var flops = 0
    /// Every BLAS product of the region, in the order it ran.
    public private(set) var calls: [GemmCall] = []
    @TaskLocal static var current: MatmulFLOPCounter?

    init() {}

    func add(_ call: GemmCall) {
        flops += call.flops
        calls.append(call)
    }

    /// Runs `body` and returns its result with the matmul FLOPs it performed on this task.
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Int) {
        let (r, counter) = try recording(body)
        return (r, counter.flops)
    }

    /// Runs `body` and returns its result with the counter of its region (FLOPs and calls).
    public static func recording<R>(_ body: () throws -> R) rethrows -> (result: R, counter: MatmulFLOPCounter) {
        let counter = MatmulFLOPCounter()
        let r = try $current.withValue(counter, operation: body)
        return (r, counter)
    }
}

/// One general matrix product as the engine issued it to BLAS: row-major
/// C = alpha op(A) op(B) + beta C, op(A) m x k, op(B) k x n, with leading dimensions.
public struct GemmCall: Hashable, Sendable {
    public var transposeA: Bool, transposeB: Bool
    public var m: Int, n: Int, k: Int
    public var lda: Int, ldb: Int, ldc: Int
    public var alpha: Double, beta: Double
    /// dgemm when true, sgemm otherwise.
    public var isDouble: Bool

    public var flops: Int { 2 * m * n * k }
    /// Elements of the row-major A, B and C buffers the call reads and writes.
    var sizes: (a: Int, b: Int, c: Int) {
        ((transposeA ? k : m) * lda, (transposeB ? n : k) * ldb, m * ldc)
    }
}

/// Replays recorded matrix products on operands allocated once (filled with small values), so
/// a run does nothing but the products: the matmul floor of the region they were recorded
/// from, at the thread count OpenBLAS has when `run` is called. The products of a call share
/// three buffers (A, B, C), each as large as the largest of its kind.
public final class GemmReplay {
    public let calls: [GemmCall]
    private let floats: [UnsafeMutablePointer<Float>]
    private let doubles: [UnsafeMutablePointer<Double>]
    private let sizes: [Int]

    public init(_ calls: [GemmCall]) {
        self.calls = calls
        let s = calls.map(\.sizes)
        sizes = [s.map(\.a).max() ?? 1, s.map(\.b).max() ?? 1, s.map(\.c).max() ?? 1].map { Swift.max($0, 1) }
        func filled<T: TensorScalar>(_ n: Int, _: T.Type) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: n)
            // Values in [-0.5, 0.5): no denormals, and C stays bounded over repeated beta = 1 calls.
            for i in 0..<n { p[i] = T(i % 97) / 97 - 0.5 }
            return p
        }
        let anyFloat = calls.contains { !$0.isDouble }, anyDouble = calls.contains { $0.isDouble }
        floats = anyFloat ? sizes.map { filled($0, Float.self) } : []
        doubles = anyDouble ? sizes.map { filled($0, Double.self) } : []
    }

    deinit {
        for p in floats { p.deallocate() }
        for p in doubles { p.deallocate() }
    }

    /// Every recorded product once, in order (not counted by an enclosing `MatmulFLOPCounter`).
    public func run() {
        MatmulFLOPCounter.$current.withValue(nil) {
            for c in calls {
                if c.isDouble { replay(c, doubles) } else { replay(c, floats) }
            }
        }
    }

    private func replay<T: TensorScalar>(_ c: GemmCall, _ buffers: [UnsafeMutablePointer<T>]) {
        T.gemm(transposeA: c.transposeA, transposeB: c.transposeB, m: c.m, n: c.n, k: c.k, alpha: T(c.alpha),
               a: buffers[0], lda: c.lda, b: buffers[1], ldb: c.ldb, beta: T(c.beta), c: buffers[2], ldc: c.ldc)
    }
}
