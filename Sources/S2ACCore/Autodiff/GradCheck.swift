/// Derivative checks against central differences, in Double. For any function built from
/// tensor operations, these compare what the engine computes with what finite differences
/// of the function's values say, along random directions.

/// One comparison: the engine's directional derivative and the central-difference estimate.
public struct DerivativeCheck: Sendable, CustomStringConvertible {
    public let analytic: Double
    public let numeric: Double
    /// |analytic - numeric| / max(1, |numeric|): relative for large values, absolute near 0.
    public var error: Double { Swift.abs(analytic - numeric) / Swift.max(1, Swift.abs(numeric)) }
    public var description: String { "analytic \(analytic) numeric \(numeric) error \(error)" }
}

/// sum over elements of a * b.
func dot(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
    precondition(a.shape == b.shape)
    return zip(a.scalars, b.scalars).reduce(0) { $0 + $1.0 * $1.1 }
}

/// The inputs moved by `step` along `directions`, as fresh leaves that track gradients.
func shifted(_ inputs: [Tensor<Double>], _ directions: [Tensor<Double>], _ step: Double) -> [Tensor<Double>] {
    zip(inputs, directions).map { x, v in
        Tensor(zip(x.scalars, v.scalars).map { $0 + step * $1 }, shape: x.shape, requiresGrad: true)
    }
}

/// (value(x + h v) - value(x - h v)) / 2h, evaluated without recording at the top level.
func centralDifference(_ value: ([Tensor<Double>]) -> Double, _ x: [Tensor<Double>], _ v: [Tensor<Double>],
                       _ h: Double) -> Double {
    (value(shifted(x, v, h)) - value(shifted(x, v, -h))) / (2 * h)
}

/// First order: for a random output seed u and random input directions v, compares
/// sum_i <d(u . f)/dx_i, v_i> with (u . f(x + h v) - u . f(x - h v)) / 2h. Repeats `trials` times.
public func checkFirstDerivatives<G: RandomNumberGenerator>(
    of f: ([Tensor<Double>]) -> Tensor<Double>, at point: [Tensor<Double>], trials: Int = 3, step h: Double = 1e-6,
    using rng: inout G
) -> [DerivativeCheck] {
    (0..<trials).map { _ in
        let x = point.map { $0.detached().trackingGrad() }
        let y = f(x)
        let u = Tensor<Double>.randomNormal(y.shape, using: &rng)
        let v = x.map { Tensor<Double>.randomNormal($0.shape, using: &rng) }
        let g = grad(of: y, wrt: x, seed: u)
        let analytic = zip(g, v).reduce(0) { $0 + dot($1.0, $1.1) }
        // Evaluated with recording on: f may itself take gradients (a score inside a sampler step).
        let numeric = centralDifference({ dot(u, f($0)) }, x, v, h)
        return DerivativeCheck(analytic: analytic, numeric: numeric)
    }
}

/// Second order: with s(x) = sum_i <d(u . f)/dx_i, w_i> computed by the engine with
/// createGraph, compares sum_i <ds/dx_i, v_i> (a Hessian-vector product through the recorded
/// backward pass) with central differences of s along v.
public func checkSecondDerivatives<G: RandomNumberGenerator>(
    of f: ([Tensor<Double>]) -> Tensor<Double>, at point: [Tensor<Double>], trials: Int = 3, step h: Double = 1e-5,
    using rng: inout G
) -> [DerivativeCheck] {
    (0..<trials).map { _ in
        let x = point.map { $0.detached().trackingGrad() }
        let u = Tensor<Double>.randomNormal(withNoGrad { f(x) }.shape, using: &rng)
        let v = x.map { Tensor<Double>.randomNormal($0.shape, using: &rng) }
        let w = x.map { Tensor<Double>.randomNormal($0.shape, using: &rng) }
        func s(_ at: [Tensor<Double>], createGraph: Bool) -> Tensor<Double> {
            let g = grad(of: f(at), wrt: at, seed: u, createGraph: createGraph)
            return zip(g, w).map { ($0 * $1).sum() }.reduce(Tensor(scalar: 0)) { $0 + $1 }
        }
        let sx = s(x, createGraph: true)
        let hv = sx.requiresGrad ? grad(of: sx, wrt: x) : x.map { Tensor<Double>.zeros($0.shape) }
        let analytic = zip(hv, v).reduce(0) { $0 + dot($1.0, $1.1) }
        let numeric = centralDifference({ s($0, createGraph: false).item }, x, v, h)
        return DerivativeCheck(analytic: analytic, numeric: numeric)
    }
}
