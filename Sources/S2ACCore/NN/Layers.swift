/// Layers with PyTorch's conventions (weight [out, in], y = x W^T + b, default initialisation),
/// so parameters and results can be compared with, and moved to and from, PyTorch models.

/// Something with trainable tensors, listed in a stable order under stable names.
public protocol Module {
    associatedtype Scalar: TensorScalar
    /// (name, tensor) pairs in a fixed order, named as PyTorch's `named_parameters()` would
    /// for the equivalent model, so checkpoints can be saved and loaded by name.
    var namedParameters: [(name: String, tensor: Tensor<Scalar>)] { get }
}

extension Module {
    public var parameters: [Tensor<Scalar>] { namedParameters.map(\.tensor) }

    public func zeroGrad() { for p in parameters { p.zeroGrad() } }

    /// Copies every parameter value from `other` (same architecture), e.g. to initialise a target network.
    public func copyParameters<M: Module>(from other: M) where M.Scalar == Scalar {
        let mine = namedParameters, theirs = other.namedParameters
        precondition(mine.map(\.name) == theirs.map(\.name), "copyParameters: architectures differ")
        for (a, b) in zip(mine, theirs) { a.tensor.assign(b.tensor) }
    }
}

/// How a layer's weights start.
public enum WeightInit: Sendable {
    /// PyTorch's `nn.Linear` default: kaiming-uniform with a = sqrt(5) for the weight, i.e.
    /// U(+-1/sqrt(fan_in)), and U(+-1/sqrt(fan_in)) for the bias.
    case pytorchDefault
    /// Glorot/Xavier uniform U(+-gain sqrt(6/(fan_in+fan_out))) for the weight, zero bias.
    case xavierUniform(gain: Double)
    /// PyTorch's `orthogonal_(weight, gain)` (Saxe et al. 2014) for the weight, zero bias
    /// (cleanrl's PPO `layer_init`): `orthogonalMatrix`.
    case orthogonal(gain: Double)
}

/// A [rows, cols] matrix with orthonormal rows (rows <= cols) or columns (rows >= cols), times
/// `gain`, as `torch.nn.init.orthogonal_` makes it: the Q of a QR factorisation of a standard
/// Gaussian matrix (transposed first when it is wide), its columns' signs chosen so R has a
/// positive diagonal, which is what Gram-Schmidt yields. Modified Gram-Schmidt in Double.
public func orthogonalMatrix<G: RandomNumberGenerator>(rows: Int, cols: Int, gain: Double, using rng: inout G) -> [Double] {
    let (m, n) = rows >= cols ? (rows, cols) : (cols, rows)
    var a = (0..<(m * n)).map { _ in rng.nextGaussian() }  // [m, n], row-major
    for j in 0..<n {
        for k in 0..<j {
            var dot = 0.0
            for i in 0..<m { dot += a[i * n + k] * a[i * n + j] }
            for i in 0..<m { a[i * n + j] -= dot * a[i * n + k] }
        }
        var norm = 0.0
        for i in 0..<m { norm += a[i * n + j] * a[i * n + j] }
        norm = norm.squareRoot()
        for i in 0..<m { a[i * n + j] /= norm }
    }
    if rows >= cols { return a.map { $0 * gain } }
    return (0..<(rows * cols)).map { idx in a[(idx % cols) * n + idx / cols] * gain }
}

/// Kaiming-uniform bound gain * sqrt(3/fan_in) with gain = sqrt(2/(1+a^2)) (leaky-ReLU slope a).
public func kaimingUniformBound(fanIn: Int, a: Double) -> Double {
    (2 / (1 + a * a)).squareRoot() * (3 / Double(fanIn)).squareRoot()
}

public func xavierUniformBound(fanIn: Int, fanOut: Int, gain: Double = 1) -> Double {
    gain * (6 / Double(fanIn + fanOut)).squareRoot()
}

public final class Linear<T: TensorScalar>: Module {
    public let weight: Tensor<T>
    public let bias: Tensor<T>?

    /// A layer with the given initial values (shapes [out, in] and [out]).
    public init(weight: Tensor<T>, bias: Tensor<T>?) {
        precondition(weight.rank == 2 && (bias == nil || bias!.shape == [weight.shape[0]]), "Linear: weight \(weight.shape)")
        self.weight = weight.detached().trackingGrad()
        self.bias = bias?.detached().trackingGrad()
    }

    public convenience init<G: RandomNumberGenerator>(_ inputs: Int, _ outputs: Int, bias: Bool = true,
                                                      initialization: WeightInit = .pytorchDefault, using rng: inout G) {
        let wBound: Double, bBound: Double
        switch initialization {
        case .pytorchDefault:
            wBound = kaimingUniformBound(fanIn: inputs, a: 5.0.squareRoot())
            bBound = 1 / Double(inputs).squareRoot()
        case .xavierUniform(let gain):
            wBound = xavierUniformBound(fanIn: inputs, fanOut: outputs, gain: gain)
            bBound = 0
        case .orthogonal(let gain):
            let w = orthogonalMatrix(rows: outputs, cols: inputs, gain: gain, using: &rng).map { T($0) }
            self.init(weight: Tensor(w, shape: [outputs, inputs]), bias: bias ? Tensor.zeros([outputs]) : nil)
            return
        }
        let w = Tensor<T>.randomUniform([outputs, inputs], low: T(-wBound), high: T(wBound), using: &rng)
        let b = bias ? Tensor<T>.randomUniform([outputs], low: T(-bBound), high: T(bBound), using: &rng) : nil
        self.init(weight: w, bias: b)
    }

    public var inputs: Int { weight.shape[1] }
    public var outputs: Int { weight.shape[0] }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func callAsFunction(_ x: Tensor<T>) -> Tensor<T> { x.linear(weight: weight, bias: bias) }

    /// activation(layer(x)); ReLU fused into the product (`linearReLU`), the same values.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func callAsFunction(_ x: Tensor<T>, activation: Activation) -> Tensor<T> {
        activation == .relu ? x.linearReLU(weight: weight, bias: bias) : activation(x.linear(weight: weight, bias: bias))
    }

    public var namedParameters: [(name: String, tensor: Tensor<T>)] {
        [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
    }
}

public enum Activation: String, Sendable, CaseIterable, Codable {
    case relu, elu, tanh, identity

    public func callAsFunction<T>(_ x: Tensor<T>) -> Tensor<T> {
        switch self {
        case .relu: return x.relu()
        case .elu: return x.elu()
        case .tanh: return x.tanh()
        case .identity: return x
        }
    }
}

/// A multilayer perceptron: Linear, activation, ..., Linear, output activation.
/// Parameters are named `layers.<i>.weight` / `layers.<i>.bias`, i counting Linear layers.
public final class MLP<T: TensorScalar>: Module {
    public let layers: [Linear<T>]
    public let activation: Activation
    public let outputActivation: Activation

    public init(layers: [Linear<T>], activation: Activation, outputActivation: Activation = .identity) {
        precondition(!layers.isEmpty && zip(layers, layers.dropFirst()).allSatisfy { $0.outputs == $1.inputs },
                     "MLP: layer sizes do not chain")
        self.layers = layers; self.activation = activation; self.outputActivation = outputActivation
    }

    /// `inputs` -> hidden sizes -> `outputs`, each Linear initialised by `initialization`.
    public convenience init<G: RandomNumberGenerator>(inputs: Int, hidden: [Int], outputs: Int, activation: Activation,
                                                      outputActivation: Activation = .identity,
                                                      initialization: WeightInit = .pytorchDefault, using rng: inout G) {
        let sizes = [inputs] + hidden + [outputs]
        let layers = (0..<(sizes.count - 1)).map { Linear<T>(sizes[$0], sizes[$0 + 1], initialization: initialization, using: &rng) }
        self.init(layers: layers, activation: activation, outputActivation: outputActivation)
    }

    @_specialize(where T == Float) @_specialize(where T == Double)
    public func callAsFunction(_ x: Tensor<T>) -> Tensor<T> {
        var h = x
        for (i, layer) in layers.enumerated() {
            h = layer(h, activation: i == layers.count - 1 ? outputActivation : activation)
        }
        return h
    }

    /// The network on its inputs joined along the last axis, e.g. `critic(state, action)`.
    public func callAsFunction(_ first: Tensor<T>, _ second: Tensor<T>, _ rest: Tensor<T>...) -> Tensor<T> {
        self(Tensor.concat([first, second] + rest, axis: -1))
    }

    public var namedParameters: [(name: String, tensor: Tensor<T>)] {
        layers.enumerated().flatMap { i, l in l.namedParameters.map { ("layers.\(i).\($0.name)", $0.tensor) } }
    }
}

/// target <- tau * source + (1 - tau) * target, in place, parameter by parameter (Polyak
/// averaging; the authors' polyak = 0.995 is tau = 0.005).
public func polyakUpdate<M: Module, N: Module>(target: M, source: N, tau: Double) where M.Scalar == N.Scalar {
    let t = target.parameters, s = source.parameters
    precondition(t.count == s.count, "polyakUpdate: architectures differ")
    for (p, q) in zip(t, s) { average(into: p, q, tau: tau) }
}

/// p <- tau q + (1 - tau) p; specialised so the loop is compiled for the concrete type.
@_specialize(where T == Float) @_specialize(where T == Double)
func average<T: TensorScalar>(into p: Tensor<T>, _ q: Tensor<T>, tau: Double) {
    precondition(p.shape == q.shape, "polyakUpdate: shapes \(p.shape) and \(q.shape)")
    let a = T(tau), b = T(1 - tau)
    q.withUnsafeBufferPointer { src in
        p.withUnsafeMutableBufferPointer { dst in
            for i in 0..<dst.count { dst[i] = a * src[i] + b * dst[i] }
        }
    }
}

extension Activation {
    /// g * f'(x) from the activation's output y = f(x), with the kernels the engine's backward
    /// uses (ReLU: y > 0 exactly where x > 0; ELU with alpha 1: y + 1 below 0; tanh: 1 - y^2).
    func backward<T>(_ g: Tensor<T>, output y: Tensor<T>) -> Tensor<T> {
        switch self {
        case .relu: return g.fused(.mulPositiveMask, y)
        case .elu: return g.fused(.mulEluPrime, y)
        case .tanh: return g.fused(.mulTanhPrime, y)
        case .identity: return g
        }
    }
}

extension MLP {
    /// The input followed by every layer's activated output (the last is the network's
    /// output), computed without recording, for `inputGradient(rows:seed:activations:)`.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func activations(_ x: Tensor<T>) -> [Tensor<T>] {
        withNoGrad {
            var hs = [x]
            for (i, layer) in layers.enumerated() {
                hs.append(layer(hs[i], activation: i == layers.count - 1 ? outputActivation : activation))
            }
            return hs
        }
    }

    /// seed^T d net(x)/dx for the rows `rows` of x alone ([rows.count, inputs]; `seed` is
    /// [rows.count, outputs]), from `activations(x)`: the same products and kernels as the
    /// engine's backward over all rows, restricted to these, so rows whose gradient is zero
    /// need not be differentiated at all.
    @_specialize(where T == Float) @_specialize(where T == Double)
    public func inputGradient(rows: [Int], seed: Tensor<T>, activations hs: [Tensor<T>]) -> Tensor<T> {
        precondition(hs.count == layers.count + 1 && seed.shape == [rows.count, layers.last!.outputs],
                     "inputGradient: \(hs.count) activations, seed \(seed.shape) for \(rows.count) rows")
        let all = rows.count == hs[0].shape[0] && rows.enumerated().allSatisfy { $0.offset == $0.element }
        return withNoGrad {
            var g = seed
            for i in layers.indices.reversed() {
                let y = all ? hs[i + 1] : hs[i + 1].gather(rows, axis: 0)
                g = (i == layers.count - 1 ? outputActivation : activation).backward(g, output: y)
                g = g.matmul(layers[i].weight)
            }
            return g
        }
    }
}

/// min(f(x), g(x)) ([n, 1]) for two one-output networks, and its input gradient ([n, inputs])
/// for the gradient `upstream` on every row: what the engine's backward of
/// `f(x).minimum(g(x))` gives, each row differentiated through the network attaining its
/// minimum only (through both, with `upstream / 2` each, on a tie; rows where f is NaN go to
/// g, as `minimum` sends them), instead of through both networks with a zero gradient on the
/// rows a network does not attain. Nothing is recorded.
@_specialize(where T == Float) @_specialize(where T == Double)
public func minimumWithInputGradient<T>(_ f: MLP<T>, _ g: MLP<T>, _ x: Tensor<T>, upstream: T) -> (value: Tensor<T>, gradient: Tensor<T>) {
    let n = x.shape[0], width = x.shape[1]
    let hf = f.activations(x), hg = g.activations(x)
    precondition(hf.last!.shape == [n, 1] && hg.last!.shape == [n, 1], "minimumWithInputGradient needs one-output networks")
    // The rows and seeds of each network: `minimum`'s winShare(g, f) for f, 1 - share for g.
    var rows: ([Int], [Int]) = ([], []), seeds: ([T], [T]) = ([], [])
    hf.last!.withUnsafeBufferPointer { qf in
        hg.last!.withUnsafeBufferPointer { qg in
            for i in 0..<n {
                let share: T = qg[i] > qf[i] ? 1 : (qg[i] == qf[i] ? 0.5 : 0)
                if share > 0 { rows.0.append(i); seeds.0.append(upstream * share) }
                if share < 1 { rows.1.append(i); seeds.1.append(upstream * (1 - share)) }
            }
        }
    }
    var out = [T](repeating: 0, count: n * width)
    for (net, hs, r, seed) in [(f, hf, rows.0, seeds.0), (g, hg, rows.1, seeds.1)] where !r.isEmpty {
        net.inputGradient(rows: r, seed: Tensor(seed, shape: [r.count, 1]), activations: hs).withUnsafeBufferPointer { d in
            for (k, i) in r.enumerated() {
                for c in 0..<width { out[i * width + c] += d[k * width + c] }
            }
        }
    }
    return (withNoGrad { hf.last!.minimum(hg.last!) }, Tensor(out, shape: [n, width]))
}
