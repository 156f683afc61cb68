/// Shape arithmetic and the strided loops behind broadcasting and axis reductions.

@inline(__always)
func shapeCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

/// NumPy's broadcasting rule: align trailing axes; a size-1 axis stretches.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    if a == b { return a }
    let r = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let da = i < r - a.count ? 1 : a[i - (r - a.count)]
        let db = i < r - b.count ? 1 : b[i - (r - b.count)]
        precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) do not broadcast")
        out[i] = da == 1 ? db : da
    }
    return out
}

func normalizedAxis(_ axis: Int, rank: Int) -> Int {
    let a = axis < 0 ? axis + rank : axis
    precondition(a >= 0 && a < rank, "axis \(axis) out of range for rank \(rank)")
    return a
}

/// Element strides of `shape` read as a tensor of shape `out` (rank-padded, 0 on stretched axes).
private func broadcastStrides(_ shape: [Int], _ out: [Int]) -> [Int] {
    let r = out.count
    let padded = [Int](repeating: 1, count: r - shape.count) + shape
    var strides = [Int](repeating: 0, count: r)
    var s = 1
    for i in (0..<r).reversed() {
        strides[i] = padded[i] == 1 ? 0 : s
        s *= padded[i]
    }
    return strides
}

/// y = op(a, b) with both read as `out`. Adjacent axes along which both operands are
/// contiguous (or both stretched) are merged, so common cases run as one or a few long loops.
func broadcastApply<T: TensorScalar>(_ op: BinaryKernel, _ a: UnsafePointer<T>, _ aShape: [Int],
                                     _ b: UnsafePointer<T>, _ bShape: [Int], _ out: [Int],
                                     _ y: UnsafeMutablePointer<T>) {
    let n = shapeCount(out)
    if n == 0 { return }
    if aShape == out && bShape == out {
        T.binary(op, a, 1, b, 1, y, n)
        return
    }
    let sa = broadcastStrides(aShape, out), sb = broadcastStrides(bShape, out)
    // Groups, innermost first: (size, stride in a, stride in b).
    var dims: [Int] = [], ga: [Int] = [], gb: [Int] = []
    for i in (0..<out.count).reversed() where out[i] != 1 {
        if let size = dims.last, sa[i] == ga[ga.count - 1] * size, sb[i] == gb[gb.count - 1] * size {
            dims[dims.count - 1] = size * out[i]
        } else {
            dims.append(out[i]); ga.append(sa[i]); gb.append(sb[i])
        }
    }
    if dims.isEmpty {
        T.binary(op, a, 1, b, 1, y, 1)
        return
    }
    // The two innermost groups go to the kernel in one call (rows of the innermost); an
    // odometer walks the rest.
    if dims.count == 1 { dims.append(1); ga.append(0); gb.append(0) }
    let inner = dims[0], rows = dims[1], block = inner * rows
    let outerDims = Array(dims.dropFirst(2))
    var index = [Int](repeating: 0, count: outerDims.count)
    var oa = 0, ob = 0, oy = 0
    for _ in 0..<(n / block) {
        T.binaryRows(op, a + oa, ga[0], ga[1], b + ob, gb[0], gb[1], y + oy, inner, rows: rows)
        oy += block
        var k = 0
        while k < outerDims.count {
            index[k] += 1; oa += ga[k + 2]; ob += gb[k + 2]
            if index[k] < outerDims[k] { break }
            oa -= ga[k + 2] * outerDims[k]; ob -= gb[k + 2] * outerDims[k]
            index[k] = 0
            k += 1
        }
    }
}

/// Reduces `x` over `axes` (sorted, unique) into `y`, whose shape is x's with those axes at 1.
/// Runs of adjacent axes are reduced in one pass.
func reduceAxes<T: TensorScalar>(_ op: ReduceKernel, _ x: Storage<T>, _ shape: [Int], _ axes: [Int]) -> Storage<T> {
    var current = x
    var currentShape = shape
    var i = axes.count - 1
    // From the last run to the first, so earlier axis numbers stay valid.
    while i >= 0 {
        var j = i
        while j > 0 && axes[j - 1] == axes[j] - 1 { j -= 1 }
        let first = axes[j], last = axes[i]
        let outer = shapeCount(Array(currentShape[..<first]))
        let length = shapeCount(Array(currentShape[first...last]))
        let inner = shapeCount(Array(currentShape[(last + 1)...]))
        let next = Storage<T>(uninitialized: outer * inner)
        if length == 0 {
            next.pointer.initialize(repeating: op == .sum ? 0 : -T.infinity, count: outer * inner)
        } else {
            T.reduce(op, current.pointer, outer: outer, length: length, inner: inner, next.pointer)
        }
        for a in first...last { currentShape[a] = 1 }
        current = next
        i = j - 1
    }
    return current
}
