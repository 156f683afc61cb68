/// Every differentiable operation and its backward rule, in one place. Each rule is written
/// with differentiable tensor operations, so gradients can be differentiated again; when the
/// engine runs a rule without recording (createGraph false) it may use a fused kernel for the
/// same value instead.

// Every public operation carries `@_specialize` for Float and Double: callers in other modules
// then jump to a copy compiled for the concrete type, which avoids the generic-metadata lookups
// and witness calls that otherwise dominate small-tensor operations (measured: per-op backward
// cost about halves).

/// True when a rule's result will be recorded, i.e. a composite (differentiable) form is needed.
@inline(__always)
func recording<T>(_ tensors: Tensor<T>...) -> Bool {
    GradMode.isEnabled && tensors.contains { $0.requiresGrad }
}

// MARK: - Elementwise, one input

extension Tensor {
    func map(_ k: UnaryKernel, _ a: T = 0, _ b: T = 0) -> Storage<T> {
        let out = Storage<T>(uninitialized: count)
        T.unary(k, storage.pointer, out.pointer, count, a, b)
        return out
    }

    func unaryOp(_ name: String, _ k: UnaryKernel, _ a: T = 0, _ b: T = 0,
                 _ rule: @escaping (_ g: Tensor, _ y: Tensor) -> Tensor) -> Tensor {
        Tensor.result(shape, map(k, a, b), name, [self]) { g, y, _ in [rule(g, y)] }
    }

    /// A constant (never recorded) elementwise result, for masks.
    func constant(_ k: UnaryKernel, _ a: T = 0, _ b: T = 0) -> Tensor {
        Tensor(shape: shape, storage: map(k, a, b), node: nil, requiresGrad: false)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static prefix func - (x: Tensor) -> Tensor { x.unaryOp("neg", .neg) { g, _ in -g } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func exp() -> Tensor { unaryOp("exp", .exp) { g, y in g * y } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func log() -> Tensor { unaryOp("log", .log) { g, _ in g / self } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func sqrt() -> Tensor { unaryOp("sqrt", .sqrt) { g, y in (g / y) * 0.5 } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func square() -> Tensor { unaryOp("square", .square) { g, _ in g * self * 2 } }

    /// |x|; the gradient at 0 is 0, as in PyTorch.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func abs() -> Tensor { unaryOp("abs", .abs) { g, _ in g * self.constant(.sign) } }

    /// x^p for a constant exponent.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func pow(_ p: T) -> Tensor {
        unaryOp("pow", .pow, p) { g, _ in g * self.pow(p - 1) * p }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func tanh() -> Tensor {
        unaryOp("tanh", .tanh) { g, y in
            recording(g, y) ? g * (1 - y.square()) : g.fused(.mulTanhPrime, y)
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func sigmoid() -> Tensor { unaryOp("sigmoid", .sigmoid) { g, y in g * y * (1 - y) } }

    /// log(1 + exp(x)), computed without overflow.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func softplus() -> Tensor { unaryOp("softplus", .softplus) { g, _ in g * self.sigmoid() } }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func relu() -> Tensor {
        unaryOp("relu", .relu) { g, _ in
            recording(g) ? g * self.constant(.positiveMask) : g.fused(.mulPositiveMask, self)
        }
    }

    /// ELU with scale `alpha` (PyTorch's `F.elu`).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func elu(alpha: T = 1) -> Tensor {
        unaryOp("elu", .elu, alpha) { g, y in
            alpha == 1 && !recording(g, self) ? g.fused(.mulEluPrime, y) : g * self.eluPrime(alpha: alpha)
        }
    }

    /// ELU'(x): 1 for x > 0, alpha exp(x) otherwise.
    func eluPrime(alpha: T) -> Tensor {
        unaryOp("eluPrime", .eluPrime, alpha) { g, _ in g * self.eluSecond(alpha: alpha) }
    }

    /// ELU''(x) = 0 for x > 0, alpha exp(x) otherwise; its derivative is itself.
    func eluSecond(alpha: T) -> Tensor {
        unaryOp("eluSecond", .eluSecond, alpha) { g, y in g * y }
    }

    /// min(max(x, low), high); the gradient passes where low <= x <= high, as in PyTorch.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func clamped(min low: T = -.infinity, max high: T = .infinity) -> Tensor {
        unaryOp("clamp", .clamp, low, high) { g, _ in g * self.constant(.clampMask, low, high) }
    }

    /// Same-shape g * kernel(x) without recording: the fast path of rules that run without a graph.
    func fused(_ k: BinaryKernel, _ x: Tensor) -> Tensor {
        precondition(shape == x.shape)
        let out = Storage<T>(uninitialized: count)
        T.binary(k, storage.pointer, 1, x.storage.pointer, 1, out.pointer, count)
        return Tensor(shape: shape, storage: out, node: nil, requiresGrad: false)
    }
}

// MARK: - Elementwise, two inputs (broadcasting)

extension Tensor {
    func zipStorage(_ k: BinaryKernel, _ other: Tensor) -> (Storage<T>, [Int]) {
        let out = broadcastShape(shape, other.shape)
        let s = Storage<T>(uninitialized: shapeCount(out))
        broadcastApply(k, storage.pointer, shape, other.storage.pointer, other.shape, out, s.pointer)
        return (s, out)
    }

    func binaryOp(_ name: String, _ k: BinaryKernel, _ other: Tensor,
                  _ rule: @escaping (_ g: Tensor, _ y: Tensor, _ needs: [Bool]) -> [Tensor?]) -> Tensor {
        let (s, out) = zipStorage(k, other)
        return Tensor.result(out, s, name, [self, other]) { g, y, needs in
            let r = rule(g, y, needs)
            return [needs[0] ? r[0]?.summed(to: self.shape) : nil, needs[1] ? r[1]?.summed(to: other.shape) : nil]
        }
    }

    func compare(_ k: BinaryKernel, _ other: Tensor) -> Tensor {
        let (s, out) = zipStorage(k, other)
        return Tensor(shape: out, storage: s, node: nil, requiresGrad: false)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        a.binaryOp("add", .add, b) { g, _, _ in [g, g] }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        a.binaryOp("sub", .sub, b) { g, _, needs in [g, needs[1] ? -g : nil] }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        a.binaryOp("mul", .mul, b) { g, _, needs in [needs[0] ? g * b : nil, needs[1] ? g * a : nil] }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        a.binaryOp("div", .div, b) { g, y, needs in [needs[0] ? g / b : nil, needs[1] ? -(g * y) / b : nil] }
    }

    /// Elementwise minimum; a tie splits the gradient in half, as PyTorch does.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func minimum(_ other: Tensor) -> Tensor {
        binaryOp("minimum", .min, other) { g, _, _ in
            let share = other.compare(.winShare, self)
            return [g * share, g * (1 - share)]
        }
    }

    /// Elementwise maximum; a tie splits the gradient in half, as PyTorch does.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func maximum(_ other: Tensor) -> Tensor {
        binaryOp("maximum", .max, other) { g, _, _ in
            let share = self.compare(.winShare, other)
            return [g * share, g * (1 - share)]
        }
    }

    // Comparison masks: 1 where true, 0 elsewhere; constants, never differentiated.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func greater(_ other: Tensor) -> Tensor { compare(.greater, other) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func greaterEqual(_ other: Tensor) -> Tensor { compare(.greaterEqual, other) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func less(_ other: Tensor) -> Tensor { compare(.less, other) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func lessEqual(_ other: Tensor) -> Tensor { compare(.lessEqual, other) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func equal(_ other: Tensor) -> Tensor { compare(.equal, other) }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func + (a: Tensor, b: T) -> Tensor { a + Tensor(scalar: b) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func + (a: T, b: Tensor) -> Tensor { Tensor(scalar: a) + b }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func - (a: Tensor, b: T) -> Tensor { a - Tensor(scalar: b) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func - (a: T, b: Tensor) -> Tensor { Tensor(scalar: a) - b }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func * (a: Tensor, b: T) -> Tensor { a * Tensor(scalar: b) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func * (a: T, b: Tensor) -> Tensor { Tensor(scalar: a) * b }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func / (a: Tensor, b: T) -> Tensor { a / Tensor(scalar: b) }
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func / (a: T, b: Tensor) -> Tensor { Tensor(scalar: a) / b }
}

// MARK: - Reductions

extension Tensor {
    func reductionAxes(_ axes: [Int]?) -> [Int] {
        guard let axes else { return Array(0..<rank) }
        return Array(Set(axes.map { normalizedAxis($0, rank: rank) })).sorted()
    }

    /// The reduced axes, the shape with them kept as 1, and the result's shape.
    func reductionPlan(_ axes: [Int]?, _ keepDims: Bool) -> (axes: [Int], kept: [Int], out: [Int]) {
        let ax = reductionAxes(axes)
        var kept = shape
        for a in ax { kept[a] = 1 }
        return (ax, kept, keepDims ? kept : Tensor.dropAxes(shape, ax))
    }

    static func dropAxes(_ shape: [Int], _ axes: [Int]) -> [Int] {
        shape.enumerated().filter { !axes.contains($0.offset) }.map(\.element)
    }

    /// Sum over `axes` (all axes when nil); `keepDims` leaves them as size 1.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let (ax, kept, out) = reductionPlan(axes, keepDims)
        if ax.isEmpty { return self }
        return Tensor.result(out, reduceAxes(.sum, storage, shape, ax), "sum", [self]) { g, _, _ in
            [g.reshaped(kept).expanded(to: self.shape)]
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func sum(axis: Int, keepDims: Bool = false) -> Tensor { sum(axes: [axis], keepDims: keepDims) }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes)
        let n = ax.reduce(1) { $0 * shape[$1] }
        return sum(axes: ax, keepDims: keepDims) / T(n)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func mean(axis: Int, keepDims: Bool = false) -> Tensor { mean(axes: [axis], keepDims: keepDims) }

    /// Maximum over `axes`; tied maxima share the gradient equally (PyTorch's `amax`).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func max(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let (ax, kept, out) = reductionPlan(axes, keepDims)
        if ax.isEmpty { return self }
        return Tensor.result(out, reduceAxes(.max, storage, shape, ax), "max", [self]) { g, y, _ in
            let weight: Tensor = withNoGrad {
                let winners = self.equal(y.detached().reshaped(kept))
                return winners / winners.sum(axes: ax, keepDims: true)
            }
            return [g.reshaped(kept) * weight]
        }
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func max(axis: Int, keepDims: Bool = false) -> Tensor { max(axes: [axis], keepDims: keepDims) }

    /// log(sum(exp(x))) over `axes`, shifted by the (detached) maximum for stability; the shift
    /// cancels exactly in value and gradient.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func logSumExp(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let ax = reductionAxes(axes)
        let m = withNoGrad { detached().max(axes: ax, keepDims: true) }
        let finiteM = withNoGrad { m.constant(.clamp, -T.greatestFiniteMagnitude, T.greatestFiniteMagnitude) }
        let r = (self - finiteM).exp().sum(axes: ax, keepDims: true).log() + finiteM
        return keepDims ? r : r.reshaped(Tensor.dropAxes(shape, ax))
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func logSumExp(axis: Int, keepDims: Bool = false) -> Tensor { logSumExp(axes: [axis], keepDims: keepDims) }

    /// exp(x - logsumexp(x)) along `axis`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func softmax(axis: Int) -> Tensor { logSoftmax(axis: axis).exp() }

    /// x - logsumexp(x) along `axis`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func logSoftmax(axis: Int) -> Tensor { self - logSumExp(axis: axis, keepDims: true) }

    /// Sums a broadcast result back to `target` (the gradient of broadcasting).
    func summed(to target: [Int]) -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        var axes = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}

// MARK: - Shape

extension Tensor {
    /// The same scalars with a new shape; one entry may be -1 (inferred). Shares storage.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var s = newShape
        if let i = s.firstIndex(of: -1) {
            let known = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            s[i] = known == 0 ? 0 : count / known
        }
        precondition(shapeCount(s) == count, "cannot reshape \(shape) to \(newShape)")
        if s == shape { return self }
        let old = shape
        return Tensor.result(s, storage, "reshape", [self]) { g, _, _ in [g.reshaped(old)] }
    }

    /// Broadcasts to `target` (PyTorch's `expand`, materialised).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func expanded(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(broadcastShape(shape, target) == target, "cannot expand \(shape) to \(target)")
        let s = Storage<T>(uninitialized: shapeCount(target))
        broadcastApply(.first, storage.pointer, shape, storage.pointer, shape, target, s.pointer)
        return Tensor.result(target, s, "expand", [self]) { g, _, _ in [g.summed(to: self.shape)] }
    }

    /// Swaps the last two axes (a matrix transpose, batched over leading axes).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func transposed() -> Tensor {
        precondition(rank >= 2, "transposed needs rank >= 2, shape is \(shape)")
        let r = shape[rank - 2], c = shape[rank - 1], batch = count / Swift.max(r * c, 1)
        var out = shape
        out.swapAt(rank - 2, rank - 1)
        let s = Storage<T>(uninitialized: count)
        let src = storage.pointer, dst = s.pointer
        for b in 0..<batch {
            let o = b * r * c
            for i in 0..<r { for j in 0..<c { dst[o + j * r + i] = src[o + i * c + j] } }
        }
        return Tensor.result(out, s, "transpose", [self]) { g, _, _ in [g.transposed()] }
    }

    /// Views `shape` as [outer, shape[axis], inner].
    func around(_ axis: Int) -> (outer: Int, length: Int, inner: Int) {
        (shapeCount(Array(shape[..<axis])), shape[axis], shapeCount(Array(shape[(axis + 1)...])))
    }

    /// Joins tensors along `axis`; the other axes must agree.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public static func concat(_ parts: [Tensor], axis: Int) -> Tensor {
        precondition(!parts.isEmpty, "concat needs at least one tensor")
        let ax = normalizedAxis(axis, rank: parts[0].rank)
        var out = parts[0].shape
        out[ax] = parts.reduce(0) { $0 + $1.shape[ax] }
        for p in parts {
            var s = p.shape; s[ax] = out[ax]
            precondition(s == out, "concat: shape \(p.shape) does not fit \(out) along axis \(ax)")
        }
        let s = Storage<T>(uninitialized: shapeCount(out))
        let (outer, total, inner) = (shapeCount(Array(out[..<ax])), out[ax], shapeCount(Array(out[(ax + 1)...])))
        var offset = 0
        var starts: [Int] = []
        for p in parts {
            starts.append(offset)
            let len = p.shape[ax] * inner
            for o in 0..<outer {
                (s.pointer + o * total * inner + offset * inner).update(from: p.storage.pointer + o * len, count: len)
            }
            offset += p.shape[ax]
        }
        return Tensor.result(out, s, "concat", parts) { g, _, needs in
            parts.indices.map { i in needs[i] ? g.slice(axis: ax, starts[i]..<(starts[i] + parts[i].shape[ax])) : nil }
        }
    }

    /// The sub-tensor with indices `range` along `axis`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = normalizedAxis(axis, rank: rank)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax], "slice \(range) out of axis size \(shape[ax])")
        var out = shape
        out[ax] = range.count
        let (outer, length, inner) = around(ax)
        let s = Storage<T>(uninitialized: shapeCount(out))
        for o in 0..<outer {
            (s.pointer + o * range.count * inner).update(from: storage.pointer + (o * length + range.lowerBound) * inner,
                                                        count: range.count * inner)
        }
        let full = shape
        return Tensor.result(out, s, "slice", [self]) { g, _, _ in [g.embedded(in: full, axis: ax, at: range.lowerBound)] }
    }

    /// Zeros of shape `full` with self placed at `start` along `axis` (the gradient of slice).
    func embedded(in full: [Int], axis: Int, at start: Int) -> Tensor {
        let s = Storage<T>(uninitialized: shapeCount(full))
        s.pointer.initialize(repeating: 0, count: shapeCount(full))
        let outer = shapeCount(Array(full[..<axis])), length = full[axis], inner = shapeCount(Array(full[(axis + 1)...]))
        let n = shape[axis]
        for o in 0..<outer {
            (s.pointer + (o * length + start) * inner).update(from: storage.pointer + o * n * inner, count: n * inner)
        }
        return Tensor.result(full, s, "embed", [self]) { g, _, _ in [g.slice(axis: axis, start..<(start + n))] }
    }

    /// The entries at `indices` along `axis` (PyTorch's `index_select`); indices may repeat.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func gather(_ indices: [Int], axis: Int) -> Tensor {
        let ax = normalizedAxis(axis, rank: rank)
        let (outer, length, inner) = around(ax)
        var out = shape
        out[ax] = indices.count
        let s = Storage<T>(uninitialized: shapeCount(out))
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                precondition(i >= 0 && i < length, "gather index \(i) out of axis size \(length)")
                (s.pointer + (o * indices.count + k) * inner).update(from: storage.pointer + (o * length + i) * inner, count: inner)
            }
        }
        let full = shape
        return Tensor.result(out, s, "gather", [self]) { g, _, _ in [g.scatterAdd(into: full, indices, axis: ax)] }
    }

    /// Zeros of shape `full` plus self's slices added at `indices` along `axis` (the gradient of gather).
    func scatterAdd(into full: [Int], _ indices: [Int], axis: Int) -> Tensor {
        let s = Storage<T>(uninitialized: shapeCount(full))
        s.pointer.initialize(repeating: 0, count: shapeCount(full))
        let outer = shapeCount(Array(full[..<axis])), length = full[axis], inner = shapeCount(Array(full[(axis + 1)...]))
        for o in 0..<outer {
            for (k, i) in indices.enumerated() {
                let dst = s.pointer + (o * length + i) * inner
                T.binary(.add, dst, 1, storage.pointer + (o * indices.count + k) * inner, 1, dst, inner)
            }
        }
        return Tensor.result(full, s, "scatterAdd", [self]) { g, _, _ in [g.gather(indices, axis: axis)] }
    }
}

// MARK: - Matrix products

extension Tensor {
    /// op(self) op(other) with op = transpose of the last two axes where asked, without
    /// materialising the transpose. Rank 2, or rank 3 with a shared leading batch axis.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func matmul(_ other: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition((rank == 2 && other.rank == 2) || (rank == 3 && other.rank == 3 && shape[0] == other.shape[0]),
                     "matmul needs two matrices or two equal-batch stacks, got \(shape) and \(other.shape)")
        let batch = rank == 3 ? shape[0] : 1
        let (ar, ac) = (shape[rank - 2], shape[rank - 1])
        let (br, bc) = (other.shape[rank - 2], other.shape[rank - 1])
        let m = transposeA ? ac : ar, k = transposeA ? ar : ac
        let k2 = transposeB ? bc : br, n = transposeB ? br : bc
        precondition(k == k2, "matmul inner sizes differ: \(shape)\(transposeA ? "^T" : "") x \(other.shape)\(transposeB ? "^T" : "")")
        let s = Storage<T>(uninitialized: batch * m * n)
        for b in 0..<batch {
            T.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 1,
                   a: storage.pointer + b * ar * ac, lda: ac, b: other.storage.pointer + b * br * bc, ldb: bc,
                   beta: 0, c: s.pointer + b * m * n, ldc: n)
        }
        let out = rank == 3 ? [batch, m, n] : [m, n]
        return Tensor.result(out, s, "matmul", [self, other]) { g, _, needs in
            let ga: Tensor? = !needs[0] ? nil : transposeA
                ? other.matmul(g, transposeA: transposeB, transposeB: true)
                : g.matmul(other, transposeB: !transposeB)
            let gb: Tensor? = !needs[1] ? nil : transposeB
                ? g.matmul(self, transposeA: true, transposeB: transposeA)
                : self.matmul(g, transposeA: !transposeA)
            return [ga, gb]
        }
    }

    /// x W^T + b for x [batch, in], W [out, in], b [out] (PyTorch's `F.linear`): the bias is
    /// written first and the product added onto it, one pass fewer than matmul then add.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func linear(weight w: Tensor, bias: Tensor?) -> Tensor {
        let s = linearProduct(w, bias)
        return Tensor.result([shape[0], w.shape[0]], s, "linear", linearInputs(w, bias)) { g, _, needs in
            self.linearBackward(g, w, bias, needs)
        }
    }

    /// relu(x W^T + b): `linear` with the ReLU applied in place on its product, one buffer and
    /// one pass fewer than `linear(...).relu()` and the same values and gradients (the mask
    /// y > 0 is x W^T + b > 0).
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func linearReLU(weight w: Tensor, bias: Tensor?) -> Tensor {
        let s = linearProduct(w, bias)
        splitLoop(shape[0] * w.shape[0]) { start, count in reluInPlace(s.pointer + start, count) }
        return Tensor.result([shape[0], w.shape[0]], s, "linearReLU", linearInputs(w, bias)) { g, y, needs in
            let gz = recording(g) ? g * y.constant(.positiveMask) : g.fused(.mulPositiveMask, y)
            return self.linearBackward(gz, w, bias, needs)
        }
    }

    /// x W^T + b: the bias is written first and the product added onto it, one pass fewer
    /// than matmul then add.
    private func linearProduct(_ w: Tensor, _ bias: Tensor?) -> Storage<T> {
        precondition(rank == 2 && w.rank == 2 && shape[1] == w.shape[1], "linear: input \(shape), weight \(w.shape)")
        let (batch, nIn, nOut) = (shape[0], shape[1], w.shape[0])
        let s = Storage<T>(uninitialized: batch * nOut)
        var beta: T = 0
        if let bias {
            precondition(bias.shape == [nOut], "linear: bias \(bias.shape) for \(nOut) outputs")
            for r in 0..<batch { (s.pointer + r * nOut).update(from: bias.storage.pointer, count: nOut) }
            beta = 1
        }
        T.gemm(transposeA: false, transposeB: true, m: batch, n: nOut, k: nIn, alpha: 1, a: storage.pointer, lda: nIn,
               b: w.storage.pointer, ldb: nIn, beta: beta, c: s.pointer, ldc: nOut)
        return s
    }

    private func linearInputs(_ w: Tensor, _ bias: Tensor?) -> [Tensor] { bias.map { [self, w, $0] } ?? [self, w] }

    /// Gradients of x W^T + b for the gradient g of the product.
    private func linearBackward(_ g: Tensor, _ w: Tensor, _ bias: Tensor?, _ needs: [Bool]) -> [Tensor?] {
        var r: [Tensor?] = [needs[0] ? g.matmul(w) : nil, needs[1] ? g.matmul(self, transposeA: true) : nil]
        if bias != nil { r.append(needs[2] ? g.sum(axes: [0]) : nil) }
        return r
    }
}
