import CBLAS
import Foundation

/// `log |det A|` of a row-major n x n matrix by LU with partial pivoting, overwriting `a`.
/// Returns -infinity for a singular matrix. Used for the exact change of variables of
/// Thm 3.1 (`log|det(I + eps grad h)|`), where Eq. 10 only keeps the trace.
func logAbsDeterminant(_ a: UnsafeMutablePointer<Double>, order n: Int) -> Double {
    if n >= lapackThreshold { return lapackLogAbsDeterminant(a, order: n) }
    var logDet = 0.0
    for k in 0..<n {
        var pivot = k
        var best = abs(a[k * n + k])
        for r in (k + 1)..<max(k + 1, n) where abs(a[r * n + k]) > best { best = abs(a[r * n + k]); pivot = r }
        if best == 0 { return -.infinity }
        if pivot != k {
            let pk = a + k * n, pp = a + pivot * n
            for c in k..<n { let t = pk[c]; pk[c] = pp[c]; pp[c] = t }
        }
        let rowK = a + k * n
        let diag = rowK[k]
        logDet += Foundation.log(abs(diag))
        let inv = 1 / diag
        for r in (k + 1)..<max(k + 1, n) {
            let row = a + r * n
            let f = row[k] * inv
            if f == 0 { continue }
            for c in (k + 1)..<n { row[c] -= f * rowK[c] }
        }
    }
    return logDet
}

/// `log |det A|` of a row-major n x n matrix given as an array (copied; for tests and small cases).
public func logAbsDeterminant(_ matrix: [Double], order n: Int) -> Double {
    precondition(matrix.count == n * n, "logAbsDeterminant needs n*n entries")
    var copy = matrix
    return copy.withUnsafeMutableBufferPointer { logAbsDeterminant($0.baseAddress!, order: n) }
}

/// From this order on, `logAbsDeterminant` calls LAPACK's blocked LU (OpenBLAS `dgetrf`).
let lapackThreshold = 24

/// `log |det A|` by OpenBLAS's `dgetrf`. LAPACK is column-major, so it factors A^T, whose
/// determinant is the same.
func lapackLogAbsDeterminant(_ a: UnsafeMutablePointer<Double>, order n: Int) -> Double {
    var rows = blasint(n), cols = blasint(n), lda = blasint(n), info = blasint(0)
    return withUnsafeTemporaryAllocation(of: blasint.self, capacity: n) { pivots in
        _ = dgetrf_(&rows, &cols, a, &lda, pivots.baseAddress!, &info)
        precondition(info >= 0, "dgetrf rejected argument \(-info)")
        if info > 0 { return -.infinity }
        var logDet = 0.0
        for k in 0..<n { logDet += Foundation.log(abs(a[k * n + k])) }
        return logDet
    }
}
