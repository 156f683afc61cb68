/// Counts the floating-point operations of matrix products (2 m n k each) run inside a
/// region, for benchmarks that report achieved GFLOP/s. Task-local, so concurrent regions
/// never see each other's counts; outside a region counting costs one task-local read.
/// Child tasks inherit the counter, so count only bodies that do not run matmuls concurrently.
public final class MatmulFLOPCounter: @unchecked Sendable {
    public private(set) var flops = 0
    @TaskLocal static var current: MatmulFLOPCounter?

    init() {}

    func add(_ n: Int) { flops += n }

    /// Runs `body` and returns its result with the matmul FLOPs it performed on this task.
    public static func counting<R>(_ body: () throws -> R) rethrows -> (result: R, flops: Int) {
        let counter = MatmulFLOPCounter()
        let r = try $current.withValue(counter, operation: body)
        return (r, counter.flops)
    }
}
