// Savitzky-Golay smoothing of a learning curve (appendix K: Fig 8's curves, window of 10
// evaluations), defined as `scipy.signal.savgol_filter(x, window, order)` with its default
// mode 'interp' computes it, even windows included; checked against scipy 1.14.1 by
// `SavitzkyGolayTests` (fixture: scripts/reference/savgol_fixture.py).
//
// What the filter computes, for a window of w samples and h = w / 2 (integer division):
// - Interior, outputs h ..< n - h: the least-squares polynomial of degree `order` through the
//   w samples starting at i - h + (w even ? 1 : 0), evaluated at that window's centre. For an
//   odd window that centre is sample i; for an even window it is i + 0.5, half a sample ahead
//   (scipy's even-length convolution puts the extra sample after i).
// - Edges: the polynomial fitted to the first w samples, evaluated at samples 0 ..< h, and the
//   one fitted to the last w samples, evaluated at samples n - h ..< n (at the samples
//   themselves, so an even window's edges carry no half-sample shift).
// - A series shorter than the window is refused, as scipy refuses it in mode 'interp'; one of
//   exactly w samples is that one polynomial evaluated at every sample.
// By symmetry, a fit of odd degree 2k + 1 has the same value at the window's centre as the fit
// of degree 2k: orders 0 and 1 give the moving average in the interior, orders 2 and 3 agree
// there too, and they differ only at the edges.

/// The polynomial order this suite smooths Fig 8's curves with, and the window appendix K
/// gives. The paper states no order. Order 2 is the lowest for which Savitzky-Golay is not a
/// moving average in the interior (orders 0 and 1 are), so it keeps the peaks and bends of a
/// learning curve that a 10-point mean flattens; order 3 has the same interior values and only
/// noisier edges (a cubic through the last 10 evaluations extrapolates the curve's end harder).
public enum Fig8Smoothing {
    /// Appendix K: a window of 10 evaluations.
    public static let window = 10
    /// Ours (the paper gives none): quadratic.
    public static let order = 2
}

/// `scipy.signal.savgol_filter(x, window, order)` (mode 'interp', deriv 0, delta 1): each value
/// replaced by a local least-squares polynomial fit (see the file's header for which window
/// and which point). Throws `InputError` when `window < 1`, `order < 0`, `order >= window`,
/// `x` holds fewer than `window` values (scipy refuses these too) or a value that is not finite
/// (scipy would spread it over its neighbours).
public func savitzkyGolay(_ x: [Double], window: Int, order: Int) throws -> [Double] {
    guard window >= 1 else { throw InputError("Savitzky-Golay: the window must be at least 1, got \(window)") }
    guard order >= 0 else { throw InputError("Savitzky-Golay: the polynomial order must be at least 0, got \(order)") }
    guard order < window else {
        throw InputError("Savitzky-Golay: the polynomial order (\(order)) must be less than the window (\(window))")
    }
    guard x.count >= window else {
        throw InputError("Savitzky-Golay: a series of \(x.count) values is shorter than the window (\(window)); "
                         + "smooth only series of at least \(window) values")
    }
    if let bad = x.firstIndex(where: { !$0.isFinite }) {
        throw InputError("Savitzky-Golay: value \(bad) of the series is \(x[bad]); every value must be finite")
    }
    let n = x.count, half = window / 2, centre = Double(window - 1) / 2
    var y = [Double](repeating: 0, count: n)
    // Interior: one set of weights at the window's centre.
    let middle = savitzkyGolayWeights(window: window, order: order, at: 0)
    let shift = window % 2 == 0 ? 1 : 0
    for i in half..<(n - half) {
        let start = i - half + shift
        var s = 0.0
        for j in 0..<window { s += middle[j] * x[start + j] }
        y[i] = s
    }
    // Edges: the first and the last window's fit, at the samples themselves.
    for k in 0..<half {
        let head = savitzkyGolayWeights(window: window, order: order, at: Double(k) - centre)
        let tail = savitzkyGolayWeights(window: window, order: order, at: Double(window - half + k) - centre)
        var a = 0.0, b = 0.0
        for j in 0..<window {
            a += head[j] * x[j]
            b += tail[j] * x[n - window + j]
        }
        y[k] = a
        y[n - half + k] = b
    }
    return y
}

/// The weights c with `sum_j c[j] x[j]` = the least-squares polynomial of degree `order`
/// through the points (j, x[j]), j = 0 ..< window, evaluated at `t` samples from the window's
/// centre: c = A (A^T A)^{-1} v(t) with A the Vandermonde matrix of the centred, scaled sample
/// positions and v(t) the powers of t on the same scale, computed from A = Q R (modified
/// Gram-Schmidt, done twice) as c = Q R^{-T} v(t), which never forms A^T A.
func savitzkyGolayWeights(window: Int, order: Int, at t: Double) -> [Double] {
    let columns = order + 1, centre = Double(window - 1) / 2
    let scale = max(centre, 1)
    // Q starts as A, column-major: q[k] holds ((j - centre) / scale)^k over j.
    var q = (0..<columns).map { k in
        (0..<window).map { j -> Double in
            let u = (Double(j) - centre) / scale
            var p = 1.0
            for _ in 0..<k { p *= u }
            return p
        }
    }
    var r = [[Double]](repeating: [Double](repeating: 0, count: columns), count: columns)
    for k in 0..<columns {
        for _ in 0..<2 {  // a second pass restores orthogonality lost to rounding
            for i in 0..<k {
                var dot = 0.0
                for j in 0..<window { dot += q[i][j] * q[k][j] }
                r[i][k] += dot
                for j in 0..<window { q[k][j] -= dot * q[i][j] }
            }
        }
        var norm = 0.0
        for j in 0..<window { norm += q[k][j] * q[k][j] }
        norm = norm.squareRoot()
        r[k][k] = norm
        for j in 0..<window { q[k][j] /= norm }
    }
    // R^T z = v(t): forward substitution.
    let u = t / scale
    var z = [Double](repeating: 0, count: columns)
    var power = 1.0
    for k in 0..<columns {
        var s = power
        for i in 0..<k { s -= r[i][k] * z[i] }
        z[k] = s / r[k][k]
        power *= u
    }
    var c = [Double](repeating: 0, count: window)
    for k in 0..<columns {
        for j in 0..<window { c[j] += q[k][j] * z[k] }
    }
    return c
}
