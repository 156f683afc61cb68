import Foundation

/// Owned scalar storage. Freed blocks go back to a shared pool keyed by size, because a
/// training step allocates the same shapes every time and fresh large blocks cost page faults.
final class Storage<T: TensorScalar> {
    let pointer: UnsafeMutablePointer<T>
    let count: Int

    init(uninitialized count: Int) {
        self.count = count
        pointer = BufferPool.shared.take(bytes: Storage.pooledBytes(count))
            .bindMemory(to: T.self, capacity: Swift.max(count, 1))
    }

    deinit { BufferPool.shared.give(UnsafeMutableRawPointer(pointer), bytes: Storage.pooledBytes(count)) }

    /// The block size that holds `count` scalars: exact up to 4 KiB, above that rounded up to
    /// an eighth of the largest power of two not above it (at most 12.5 % more). Shapes that
    /// vary a little from step to step (rows picked by a data-dependent rule) then reuse a
    /// few pooled blocks instead of each needing fresh pages.
    static func pooledBytes(_ count: Int) -> Int {
        let bytes = Swift.max(count, 1) * MemoryLayout<T>.stride
        if bytes <= 4096 { return bytes }
        let step = (1 << (Int.bitWidth - 1 - bytes.leadingZeroBitCount)) / 8
        return (bytes + step - 1) / step * step
    }
}

/// A size-keyed free list of raw blocks, bounded so a burst of odd shapes cannot hoard memory.
final class BufferPool: @unchecked Sendable {
    static let shared = BufferPool()
    private let lock = NSLock()
    private var free: [Int: [UnsafeMutableRawPointer]] = [:]
    private var pooledBytes = 0
    private let limitBytes = 512 << 20

    func take(bytes: Int) -> UnsafeMutableRawPointer {
        lock.lock()
        if let p = free[bytes]?.popLast() {  // in place: no copy of the list
            pooledBytes -= bytes
            lock.unlock()
            return p
        }
        lock.unlock()
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
    }

    func give(_ p: UnsafeMutableRawPointer, bytes: Int) {
        lock.lock()
        if pooledBytes + bytes <= limitBytes {
            free[bytes, default: []].append(p)
            pooledBytes += bytes
            lock.unlock()
        } else {
            lock.unlock()
            p.deallocate()
        }
    }
}

/// How a recorded operation sends the gradient of its output back to its inputs.
/// `needs[i]` says whether input i wants a gradient; rules return nil for the others.
/// The output is passed in rather than captured, so a node never keeps its own tensor alive.
typealias BackwardRule<T: TensorScalar> = (_ gradient: Tensor<T>, _ output: Tensor<T>, _ needs: [Bool]) -> [Tensor<T>?]

final class Node<T: TensorScalar> {
    let name: String
    private(set) var inputs: [Tensor<T>]
    private(set) var rule: BackwardRule<T>?
    init(name: String, inputs: [Tensor<T>], rule: @escaping BackwardRule<T>) {
        self.name = name; self.inputs = inputs; self.rule = rule
    }

    func backward(_ gradient: Tensor<T>, _ output: Tensor<T>, _ needs: [Bool]) -> [Tensor<T>?] {
        rule!(gradient, output, needs)
    }

    // Releasing a long chain the default way (tensor -> node -> input -> node ...) recurses
    // once per link and overflows the stack for deep graphs, such as many unrolled sampler
    // steps. So the ancestors only this node owns are unlinked here, iteratively.
    deinit {
        var pending: [Node] = []
        unlinkInputs(into: &pending)
        while let n = pending.popLast() { n.unlinkInputs(into: &pending) }
    }

    private func unlinkInputs(into pending: inout [Node]) {
        rule = nil  // drops the rule's references to the inputs, so the array's can be unique
        for i in inputs.indices where isKnownUniquelyReferenced(&inputs[i]) {
            if let n = inputs[i].node {
                inputs[i].node = nil
                pending.append(n)
            }
        }
        inputs = []
    }
}

/// Whether operations record the graph. A task-local value, so parallel tests and tasks each
/// have their own, and a no-grad region on one thread never switches recording off elsewhere.
public enum GradMode {
    @TaskLocal public static var isEnabled = true
}

/// Runs `body` without recording operations (PyTorch's `torch.no_grad()`).
public func withNoGrad<R>(_ body: () throws -> R) rethrows -> R {
    try GradMode.$isEnabled.withValue(false, operation: body)
}

/// A dense row-major tensor with reverse-mode automatic differentiation of any order.
/// The graph lives in the tensors: each result holds the operation that made it and that
/// operation's inputs, as in PyTorch.
///
///     var rng = SeedTree(seed: 1).stream(.networkInit)
///     let critic = MLP<Float>(inputs: 14, hidden: [256, 256], outputs: 1, activation: .elu, using: &rng)
///     let adam = Adam(parameters: critic.parameters, learningRate: 3e-4)
///     let a = actions.trackingGrad()                        // a leaf whose gradient we want
///     let q = critic(states, a)                             // joins the inputs along the last axis
///     let score = grad(of: q.sum(), wrt: [a], createGraph: true)[0]   // dQ/da, differentiable again
///     let loss = -critic(states, a + score * 0.1).mean()    // depends on second derivatives of Q
///     adam.zeroGrad()
///     loss.backward()                                       // accumulates into .grad of the parameters
///     adam.step()
///
/// `withNoGrad { }` records nothing (per task); `detached()` cuts a value from the graph.
public final class Tensor<T: TensorScalar> {
    public let shape: [Int]
    let storage: Storage<T>
    /// The operation that made this tensor; nil for leaves. Only cleared by graph teardown.
    var node: Node<T>?
    /// True for leaves whose gradient is wanted and for every result recorded from them.
    public let requiresGrad: Bool
    /// Accumulated gradient of a leaf after `backward()`.
    public var grad: Tensor<T>?

    init(shape: [Int], storage: Storage<T>, node: Node<T>?, requiresGrad: Bool) {
        self.shape = shape; self.storage = storage; self.node = node; self.requiresGrad = requiresGrad
    }

    /// A leaf tensor holding `scalars` in row-major order.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public convenience init(_ scalars: [T], shape: [Int], requiresGrad: Bool = false) {
        precondition(scalars.count == shape.reduce(1, *), "\(scalars.count) scalars do not fill shape \(shape)")
        let s = Storage<T>(uninitialized: scalars.count)
        scalars.withUnsafeBufferPointer { s.pointer.update(from: $0.baseAddress!, count: scalars.count) }
        self.init(shape: shape, storage: s, node: nil, requiresGrad: requiresGrad)
    }

    /// A rank-0 tensor.
    public convenience init(scalar: T, requiresGrad: Bool = false) {
        self.init([scalar], shape: [], requiresGrad: requiresGrad)
    }

    /// A leaf filled with `value`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public convenience init(repeating value: T, shape: [Int], requiresGrad: Bool = false) {
        let n = shape.reduce(1, *)
        let s = Storage<T>(uninitialized: n)
        s.pointer.initialize(repeating: value, count: n)
        self.init(shape: shape, storage: s, node: nil, requiresGrad: requiresGrad)
    }

    public static func zeros(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 0, shape: shape, requiresGrad: requiresGrad)
    }

    public static func ones(_ shape: [Int], requiresGrad: Bool = false) -> Tensor {
        Tensor(repeating: 1, shape: shape, requiresGrad: requiresGrad)
    }

    /// Independent N(mean, std^2) entries drawn from `rng`.
    public static func randomNormal<G: RandomNumberGenerator>(_ shape: [Int], mean: T = 0, std: T = 1,
                                                              using rng: inout G) -> Tensor {
        let n = shape.reduce(1, *)
        var values = [T](repeating: 0, count: n)
        var i = 0
        while i < n {
            let (a, b) = rng.nextGaussianPair()
            values[i] = mean + std * T(a)
            if i + 1 < n { values[i + 1] = mean + std * T(b) }
            i += 2
        }
        return Tensor(values, shape: shape)
    }

    /// Independent uniform entries in [low, high) drawn from `rng`.
    public static func randomUniform<G: RandomNumberGenerator>(_ shape: [Int], low: T, high: T,
                                                               using rng: inout G) -> Tensor {
        let n = shape.reduce(1, *)
        let values = (0..<n).map { _ in low + (high - low) * T(rng.nextUniform()) }
        return Tensor(values, shape: shape)
    }

    public var count: Int { storage.count }
    public var rank: Int { shape.count }
    /// True when the tensor was made by a recorded operation (not a leaf).
    public var hasGraph: Bool { node != nil }

    /// The scalars in row-major order.
    public var scalars: [T] { Array(UnsafeBufferPointer(start: storage.pointer, count: count)) }

    /// The single value of a one-element tensor.
    public var item: T {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return storage.pointer[0]
    }

    /// The scalar at a multi-index.
    public subscript(_ index: Int...) -> T {
        precondition(index.count == rank, "index \(index) does not match shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) { precondition(i >= 0 && i < d, "index \(index) out of shape \(shape)"); flat = flat * d + i }
        return storage.pointer[flat]
    }

    /// The same values, cut from the graph (PyTorch's `detach()`); shares storage.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage, node: nil, requiresGrad: false)
    }

    /// A leaf sharing these values whose gradient will be tracked (`detach().requires_grad_()`).
    public func trackingGrad() -> Tensor {
        Tensor(shape: shape, storage: storage, node: nil, requiresGrad: true)
    }

    /// Read access to the scalars without copying.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.pointer, count: count))
    }

    /// Writes into the values in place, outside the graph: for optimisers and target networks.
    /// Preconditions that the tensor is a leaf, as a recorded value changed in place would
    /// silently corrupt the gradients that depend on it.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<T>) throws -> R) rethrows -> R {
        precondition(node == nil, "only leaf tensors may be modified in place")
        return try body(UnsafeMutableBufferPointer(start: storage.pointer, count: count))
    }

    /// Copies `other`'s values into this leaf (same shape).
    public func assign(_ other: Tensor) {
        precondition(other.shape == shape, "assign: shape \(other.shape) into \(shape)")
        withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: other.storage.pointer, count: count) }
    }

    /// Clears the accumulated gradient.
    public func zeroGrad() { grad = nil }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let shown = scalars.prefix(8).map { "\($0)" }.joined(separator: ", ")
        return "Tensor\(shape)[\(shown)\(count > 8 ? ", ..." : "")]"
    }
}

// MARK: - Recording

extension Tensor {
    /// Wraps a freshly computed storage as the result of an operation, recording the
    /// operation only when gradients are enabled and some input needs one.
    static func result(_ shape: [Int], _ storage: Storage<T>, _ name: String, _ inputs: [Tensor],
                       _ rule: @escaping BackwardRule<T>) -> Tensor {
        let record = GradMode.isEnabled && inputs.contains { $0.requiresGrad }
        return Tensor(shape: shape, storage: storage, node: record ? Node(name: name, inputs: inputs, rule: rule) : nil,
                      requiresGrad: record)
    }
}
