import CBLAS
import RealModule

/// Elementwise one-input kernels. `a` and `b` are per-call parameters (ELU alpha, clamp bounds,
/// power exponent); kernels that do not use them ignore them.
public enum UnaryKernel: Sendable {
    case neg, exp, log, sqrt, tanh, sigmoid, softplus, relu
    /// 1 where x > 0, else 0 (ReLU derivative, also the `> 0` mask).
    case positiveMask
    /// ELU(x) = x for x > 0, a (exp(x) - 1) otherwise.
    case elu
    /// ELU'(x) = 1 for x > 0, a exp(x) otherwise.
    case eluPrime
    /// ELU''(x) = 0 for x > 0, a exp(x) otherwise; its own derivative, so any order closes.
    case eluSecond
    case pow
    /// min(max(x, a), b).
    case clamp
    /// 1 where a <= x <= b, else 0 (clamp derivative, as PyTorch passes gradients at the bounds).
    case clampMask
    case square, abs
    /// -1, 0 or 1 by the sign of x (the derivative of abs, 0 at 0 as in PyTorch).
    case sign
}

/// Elementwise two-input kernels; comparison kernels write 1 or 0.
public enum BinaryKernel: Sendable {
    case add, sub, mul, div, min, max
    case greater, greaterEqual, less, lessEqual, equal
    /// a, ignoring b: the copy behind `expanded(to:)`.
    case first
    /// 1 where a > b, 1/2 where a == b, else 0: how maximum/minimum split a tie's gradient.
    case winShare
    /// g * ELU'(x) with a = g, b = y = ELU(x), using ELU'(x) = y + 1 for x <= 0: no exp
    /// (alpha = 1 only; other alphas go through the composite rule).
    case mulEluPrime
    /// g * (x > 0) with a = g, b = x.
    case mulPositiveMask
    /// g * (1 - y^2) with a = g, b = y = tanh(x).
    case mulTanhPrime
}

public enum ReduceKernel: Sendable { case sum, max }

/// The scalar types a `Tensor` can hold: `Float` for training, `Double` for checks.
/// Every per-element loop is reached through these requirements, so the loops are compiled
/// for the concrete type even when called from generic tensor code. The requirements that take
/// raw pointers are the engine's kernels: they are `@_spi(Kernels)`, seen only by code that
/// imports them by that name (the engine itself and its tests), not by the library's users.
public protocol TensorScalar: BinaryFloatingPoint, Real, SIMDScalar, Codable, Sendable, CustomStringConvertible {
    @_spi(Kernels) static var blasGemm: GemmFunction<Self> { get }
    @_spi(Kernels) static func unary(_ op: UnaryKernel, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                                     _ n: Int, _ a: Self, _ b: Self)
    /// y[i] = op(a[i * strideA], b[i * strideB]) for i in 0..<n; strides are 0 or 1.
    @_spi(Kernels) static func binary(_ op: BinaryKernel, _ a: UnsafePointer<Self>, _ strideA: Int,
                       _ b: UnsafePointer<Self>, _ strideB: Int, _ y: UnsafeMutablePointer<Self>, _ n: Int)
    /// `rows` consecutive `binary` calls, row r reading a + r * rowStrideA and b + r * rowStrideB
    /// and writing y + r * n: one dispatch for many short rows (broadcasts over small last axes).
    @_spi(Kernels) static func binaryRows(_ op: BinaryKernel, _ a: UnsafePointer<Self>, _ strideA: Int, _ rowStrideA: Int,
                           _ b: UnsafePointer<Self>, _ strideB: Int, _ rowStrideB: Int,
                           _ y: UnsafeMutablePointer<Self>, _ n: Int, rows: Int)
    /// Reduces x viewed as [outer, length, inner] over its middle axis into y [outer, inner].
    @_spi(Kernels) static func reduce(_ op: ReduceKernel, _ x: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
                                      _ y: UnsafeMutablePointer<Self>)
}

@inline(__always)
func blasTranspose(_ t: Bool) -> CBLAS_TRANSPOSE { t ? CblasTrans : CblasNoTrans }

/// OpenBLAS's own threads are off from the process's first product on, not only once
/// `setEngineThreads` has run: OpenBLAS starts with one thread per core, and its fork handler
/// stops its worker threads, so a fork (the child that reads variable-length strings,
/// HDF5Group.readStringData) while another thread was inside a threaded OpenBLAS call left
/// that call waiting for its workers for ever. Seen as a hung `make test`: two tests inside
/// sgemm_thread_tn, no OpenBLAS worker left, after two forked readers.
let openBLASThreadsOff: Void = openblas_set_num_threads(1)

/// The BLAS general matrix product for one precision (cblas_sgemm or cblas_dgemm).
@_spi(Kernels) public typealias GemmFunction<T> = (CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, T,
                                    UnsafePointer<T>?, blasint, UnsafePointer<T>?, blasint, T,
                                    UnsafeMutablePointer<T>?, blasint) -> Void

extension Float: TensorScalar {
    @_spi(Kernels) public static var blasGemm: GemmFunction<Float> { cblas_sgemm }
}

extension Double: TensorScalar {
    @_spi(Kernels) public static var blasGemm: GemmFunction<Double> { cblas_dgemm }
}

// The loops are written once, generically; each concrete conformance's witness is a
// specialisation of these, so per-element code never goes through generic dispatch.
extension TensorScalar {
    /// C = alpha op(A) op(B) + beta C, row-major, op = transpose when the flag is set.
    @_spi(Kernels) public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                            a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                            beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int) {
        _ = openBLASThreadsOff
        MatmulFLOPCounter.current?.add(GemmCall(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                                lda: lda, ldb: ldb, ldc: ldc, alpha: Double(alpha), beta: Double(beta),
                                                isDouble: Self.self == Double.self))
        // Large products are cut into `gemmBlocks` blocks of C, rows when C is tall, columns when
        // it is wide, one single-threaded OpenBLAS call each: on one thread one after another,
        // on several side by side. The blocks depend on m, n and k alone, so the engine makes
        // the same BLAS calls on the same operands whatever the thread count. k is never cut:
        // each element of C is one OpenBLAS dot product over all of k, with no partial sums to
        // combine. Inner edges fall on OpenBLAS's register tiles (4 along rows of C, 16 along
        // columns, in its column-major view) only so that no block ends in a part-filled tile.
        let splitRows = m >= n
        let length = splitRows ? m : n, tile = splitRows ? 4 : 16
        forEachBlock(length, blockSize: blockSize(length, blocks: gemmBlocks, tile: tile),
                     blocked: m * n * k >= blockedGemmThreshold) { first, count in
            if splitRows {
                // Row r of op(A) starts at a + r * lda (stored [m, k]) or a + r (stored [k, m]).
                blasGemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB), blasint(count),
                         blasint(n), blasint(k), alpha, a + (transposeA ? first : first * lda), blasint(lda),
                         b, blasint(ldb), beta, c + first * ldc, blasint(ldc))
            } else {
                // Column j of op(B) starts at b + j (stored [k, n]) or b + j * ldb (stored [n, k]).
                blasGemm(CblasRowMajor, blasTranspose(transposeA), blasTranspose(transposeB), blasint(m),
                         blasint(count), blasint(k), alpha, a, blasint(lda),
                         b + (transposeB ? first * ldb : first), blasint(ldb), beta, c + first, blasint(ldc))
            }
        }
    }
    @_spi(Kernels) public static func unary(_ op: UnaryKernel, _ x: UnsafePointer<Self>, _ y: UnsafeMutablePointer<Self>,
                             _ n: Int, _ a: Self, _ b: Self) {
        splitLoop(n) { start, count in unaryLoop(op, x + start, y + start, count, a, b) }
    }
    @_spi(Kernels) public static func binary(_ op: BinaryKernel, _ a: UnsafePointer<Self>, _ strideA: Int,
                              _ b: UnsafePointer<Self>, _ strideB: Int, _ y: UnsafeMutablePointer<Self>, _ n: Int) {
        splitLoop(n) { start, count in
            binaryLoop(op, a + start * strideA, strideA, b + start * strideB, strideB, y + start, count)
        }
    }
    @_spi(Kernels) public static func binaryRows(_ op: BinaryKernel, _ a: UnsafePointer<Self>, _ strideA: Int, _ rowStrideA: Int,
                                  _ b: UnsafePointer<Self>, _ strideB: Int, _ rowStrideB: Int,
                                  _ y: UnsafeMutablePointer<Self>, _ n: Int, rows: Int) {
        splitRows(rows, n) { first, count in
            for r in first..<(first + count) {
                binaryLoop(op, a + r * rowStrideA, strideA, b + r * rowStrideB, strideB, y + r * n, n)
            }
        }
    }
    @_spi(Kernels) public static func reduce(_ op: ReduceKernel, _ x: UnsafePointer<Self>, outer: Int, length: Int, inner: Int,
                              _ y: UnsafeMutablePointer<Self>) {
        if outer == 1 && inner > 1 {
            // Columns are independent: split them, each part reading the whole length.
            splitRows(inner, length) { first, count in
                reduceColumns(op, x + first, length, inner, count, y + first)
            }
        } else {
            splitRows(outer, length * inner) { first, count in
                reduceLoop(op, x + first * length * inner, count, length, inner, y + first * inner)
            }
        }
    }
}


// MARK: - Loops (generic, always inlined into the concrete conformances above)

@inline(__always)
func mapLoop<T>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ f: (T) -> T) {
    for i in 0..<n { y[i] = f(x[i]) }
}

@inline(__always)
func unaryLoop<T: TensorScalar>(_ op: UnaryKernel, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>,
                                _ n: Int, _ a: T, _ b: T) {
    switch op {
    case .neg: mapLoop(x, y, n) { -$0 }
    case .exp: mapLoop(x, y, n) { fastExp($0) }
    case .log: mapLoop(x, y, n) { T.log($0) }
    case .sqrt: mapLoop(x, y, n) { $0.squareRoot() }
    case .tanh: mapLoop(x, y, n) { T.tanh($0) }
    case .sigmoid: mapLoop(x, y, n) { $0 >= 0 ? 1 / (1 + fastExp(-$0)) : fastExp($0) / (1 + fastExp($0)) }
    // softplus(x) = max(x, 0) + log1p(exp(-|x|)): no overflow for large |x|.
    case .softplus: mapLoop(x, y, n) { Swift.max($0, 0) + T.log(onePlus: fastExp(-Swift.abs($0))) }
    case .relu: mapLoop(x, y, n) { $0 > 0 ? $0 : 0 }
    case .positiveMask: mapLoop(x, y, n) { $0 > 0 ? 1 : 0 }
    case .elu: mapLoop(x, y, n) { v in v > 0 ? v : a * fastExpMinusOne(Swift.min(v, 0)) }
    case .eluPrime: mapLoop(x, y, n) { v in v > 0 ? 1 : a * fastExp(Swift.min(v, 0)) }
    case .eluSecond: mapLoop(x, y, n) { v in v > 0 ? 0 : a * fastExp(Swift.min(v, 0)) }
    case .pow:
        // swift-numerics' real power is NaN for every negative base; an integral exponent takes
        // the integer power instead, so (-2)^3 = -8 as in PyTorch.
        if a.rounded() == a && Swift.abs(a) < 1_000_000 {
            let k = Int(a)
            mapLoop(x, y, n) { T.pow($0, k) }
        } else {
            mapLoop(x, y, n) { T.pow($0, a) }
        }
    case .clamp: mapLoop(x, y, n) { Swift.min(Swift.max($0, a), b) }
    case .clampMask: mapLoop(x, y, n) { $0 >= a && $0 <= b ? 1 : 0 }
    case .square: mapLoop(x, y, n) { $0 * $0 }
    case .abs: mapLoop(x, y, n) { Swift.abs($0) }
    case .sign: mapLoop(x, y, n) { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }
    }
}

/// x = relu(x) in place (NaN to 0, as `.relu`). Float goes eight lanes at a time on a concrete
/// SIMD type: written as a plain loop, the compiler turns `x[i] = x[i] > 0 ? x[i] : 0` into a
/// conditional store, a branch per element that mispredicts on half of them.
@inline(__always)
func reluInPlace<T: TensorScalar>(_ x: UnsafeMutablePointer<T>, _ n: Int) {
    var i = 0
    if T.self == Float.self {
        typealias V = SIMD8<Float>
        let p = UnsafeMutableRawPointer(x)
        while i + 8 <= n {
            let v = p.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            p.storeBytes(of: v.replacing(with: 0, where: .!(v .> 0)), toByteOffset: i * 4, as: V.self)
            i += 8
        }
    }
    while i < n {
        x[i] = x[i] > 0 ? x[i] : 0
        i += 1
    }
}

@inline(__always)
func zipLoop<T>(_ a: UnsafePointer<T>, _ sa: Int, _ b: UnsafePointer<T>, _ sb: Int,
                _ y: UnsafeMutablePointer<T>, _ n: Int, _ f: (T, T) -> T) {
    // Separate loops per stride pattern so each one is a plain vectorisable loop.
    if sa == 1 && sb == 1 {
        for i in 0..<n { y[i] = f(a[i], b[i]) }
    } else if sa == 1 {
        let bv = b[0]
        for i in 0..<n { y[i] = f(a[i], bv) }
    } else if sb == 1 {
        let av = a[0]
        for i in 0..<n { y[i] = f(av, b[i]) }
    } else {
        let v = f(a[0], b[0])
        for i in 0..<n { y[i] = v }
    }
}

@inline(__always)
func binaryLoop<T: TensorScalar>(_ op: BinaryKernel, _ a: UnsafePointer<T>, _ sa: Int,
                                 _ b: UnsafePointer<T>, _ sb: Int, _ y: UnsafeMutablePointer<T>, _ n: Int) {
    switch op {
    case .add: zipLoop(a, sa, b, sb, y, n) { $0 + $1 }
    case .sub: zipLoop(a, sa, b, sb, y, n) { $0 - $1 }
    case .mul: zipLoop(a, sa, b, sb, y, n) { $0 * $1 }
    case .div: zipLoop(a, sa, b, sb, y, n) { $0 / $1 }
    case .min: zipLoop(a, sa, b, sb, y, n) { Swift.min($0, $1) }
    case .max: zipLoop(a, sa, b, sb, y, n) { Swift.max($0, $1) }
    case .greater: zipLoop(a, sa, b, sb, y, n) { $0 > $1 ? 1 : 0 }
    case .greaterEqual: zipLoop(a, sa, b, sb, y, n) { $0 >= $1 ? 1 : 0 }
    case .less: zipLoop(a, sa, b, sb, y, n) { $0 < $1 ? 1 : 0 }
    case .lessEqual: zipLoop(a, sa, b, sb, y, n) { $0 <= $1 ? 1 : 0 }
    case .equal: zipLoop(a, sa, b, sb, y, n) { $0 == $1 ? 1 : 0 }
    case .first: zipLoop(a, sa, b, sb, y, n) { v, _ in v }
    case .winShare: zipLoop(a, sa, b, sb, y, n) { $0 > $1 ? 1 : ($0 == $1 ? 0.5 : 0) }
    case .mulEluPrime: zipLoop(a, sa, b, sb, y, n) { g, e in e > 0 ? g : g * (e + 1) }
    case .mulPositiveMask: zipLoop(a, sa, b, sb, y, n) { g, x in x > 0 ? g : 0 }
    case .mulTanhPrime: zipLoop(a, sa, b, sb, y, n) { g, t in g * (1 - t * t) }
    }
}

/// Reduces columns 0..<count of x viewed as [length, stride] into y[0..<count], rows in order
/// (the same order as `reduceLoop` with outer = 1, so the sums are bit-identical).
@inline(__always)
func reduceColumns<T: TensorScalar>(_ op: ReduceKernel, _ x: UnsafePointer<T>, _ length: Int, _ stride: Int,
                                    _ count: Int, _ y: UnsafeMutablePointer<T>) {
    if count == 0 { return }
    for i in 0..<count { y[i] = x[i] }
    for l in 1..<Swift.max(length, 1) {
        let row = x + l * stride
        if op == .sum { for i in 0..<count { y[i] += row[i] } } else { for i in 0..<count { y[i] = Swift.max(y[i], row[i]) } }
    }
}

@inline(__always)
func reduceLoop<T: TensorScalar>(_ op: ReduceKernel, _ x: UnsafePointer<T>, _ outer: Int, _ length: Int,
                                 _ inner: Int, _ y: UnsafeMutablePointer<T>) {
    for o in 0..<outer {
        let src = x + o * length * inner, dst = y + o * inner
        if inner == 1 {
            var acc: T = op == .sum ? 0 : src[0]
            if op == .sum { for l in 0..<length { acc += src[l] } } else { for l in 0..<length { acc = Swift.max(acc, src[l]) } }
            dst[0] = acc
        } else {
            // Row-wise accumulation keeps the innermost loop contiguous.
            for i in 0..<inner { dst[i] = src[i] }
            for l in 1..<Swift.max(length, 1) {
                let row = src + l * inner
                if op == .sum { for i in 0..<inner { dst[i] += row[i] } } else { for i in 0..<inner { dst[i] = Swift.max(dst[i], row[i]) } }
            }
        }
    }
}

// MARK: - exp

/// exp(x). Float uses a branch-free Cody-Waite reduction and a degree-6 polynomial (error about
/// 1 ulp) so elementwise loops vectorise; libm's expf is a call per element. Double keeps libm
/// because the Double path is for derivative checks where the last bits matter.
@inline(__always)
func fastExp<T: TensorScalar>(_ x: T) -> T {
    if T.self == Float.self { return unsafeBitCast(expFloat(unsafeBitCast(x, to: Float.self)), to: T.self) }
    return T.exp(x)
}

/// exp(x) - 1, accurate near 0 for Double (expm1); for Float the polynomial exp is within
/// 1e-7 absolute, which is what the ELU values need.
@inline(__always)
func fastExpMinusOne<T: TensorScalar>(_ x: T) -> T {
    if T.self == Float.self { return unsafeBitCast(expFloat(unsafeBitCast(x, to: Float.self)) - 1, to: T.self) }
    return T.expMinusOne(x)
}

@inline(__always)
func expFloat(_ x: Float) -> Float {
    let xc = Swift.min(Swift.max(x, -87.3), 88.7)
    // Round x / ln 2 to nearest with the 1.5 * 2^23 trick (no rounding instruction needed).
    let shifter: Float = 12_582_912
    let t = xc * 1.442_695_04 + shifter
    let k = t - shifter
    let r = (xc - k * 0.693_359_375) + k * 2.121_944_4e-4
    // exp(r) on |r| <= ln2/2 (Cephes expf coefficients).
    var p: Float = 1.987_569_1e-4
    p = p * r + 1.398_199_9e-3
    p = p * r + 8.333_452e-3
    p = p * r + 4.166_579_6e-2
    p = p * r + 1.666_666_5e-1
    p = p * r + 5.000_000_1e-1
    let er = (p * r * r + r) + 1
    let n = Int32(bitPattern: t.bitPattern) &- 0x4B40_0000
    // 2^n in two halves so n = 128 (x near 88.7) does not overflow the exponent field.
    let half = n >> 1
    let s1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) << 23))
    let s2 = Float(bitPattern: UInt32(bitPattern: (n &- half &+ 127) << 23))
    let r2 = er * s1 * s2
    // Outside the clamped range: 0 below (true values are denormal, under 1.2e-38), inf above;
    // NaN passes through the clamps and the arithmetic unchanged.
    return x < -87.3 ? 0 : (x > 88.7 ? .infinity : r2)
}
