import Foundation

// Acting needs no graph: the sampler's score is only grad_u min(Q1, Q2), which a hand-written
// forward and input-gradient pass through the critics gives directly. The passes below make the
// same BLAS calls, elementwise kernels and summation orders as the tensor operations they
// replace, so they give the same bits as the graph path, in preallocated memory.

/// Float scratch memory kept between calls.
typealias FloatScratch = ScratchBuffer<Float>

/// `x W^T + b` on `rows` rows into `out`, as `Tensor.linear` computes it (bias first, then
/// the product added with beta = 1).
func linearRows(_ layer: Linear<Float>, _ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>) {
    let nIn = layer.inputs, nOut = layer.outputs
    var beta: Float = 0
    if let bias = layer.bias {
        for r in 0..<rows { (out + r * nOut).update(from: bias.storage.pointer, count: nOut) }
        beta = 1
    }
    Float.gemm(transposeA: false, transposeB: true, m: rows, n: nOut, k: nIn, alpha: 1, a: x, lda: nIn,
               b: layer.weight.storage.pointer, ldb: nIn, beta: beta, c: out, ldc: nOut)
}

/// An activation applied in place, with the values the tensor operation gives.
func activateInPlace(_ activation: Activation, _ x: UnsafeMutablePointer<Float>, count n: Int) {
    switch activation {
    case .relu: Float.unary(.relu, x, x, n, 0, 0)
    case .elu: eluInPlace(x, count: n)
    case .tanh: Float.unary(.tanh, x, x, n, 0, 0)
    case .identity: break
    }
}

/// ELU (alpha 1) in place, 16 lanes at a time: the operations of the tensor kernel
/// (`Float.unary(.elu)`, `expFloat`) in the same order on every lane, so the same bits, with the
/// comparisons of Swift.min and Swift.max spelled out so NaN and signed zeros go the same way.
/// The scalar loop does not vectorise, and on the acting path's 10-row batches it was a fifth of
/// an S2AC action (`table1`'s profile).
func eluInPlace(_ x: UnsafeMutablePointer<Float>, count n: Int) {
    typealias V = SIMD16<Float>
    typealias I = SIMD16<Int32>
    let p = UnsafeMutableRawPointer(x)
    var i = 0
    while i + 16 <= n {
        let v = p.loadUnaligned(fromByteOffset: i * 4, as: V.self)
        // e = expFloat(min(v, 0)), as `expFloat` computes it.
        let e = v.replacing(with: 0, where: V(repeating: 0) .< v)
        var xc = e.replacing(with: -87.3, where: V(repeating: -87.3) .>= e)
        xc = xc.replacing(with: 88.7, where: V(repeating: 88.7) .< xc)
        let shifter = V(repeating: 12_582_912)
        let t = xc * 1.442_695_04 + shifter
        let k = t - shifter
        let r = (xc - k * 0.693_359_375) + k * 2.121_944_4e-4
        var q = V(repeating: 1.987_569_1e-4)
        q = q * r + 1.398_199_9e-3
        q = q * r + 8.333_452e-3
        q = q * r + 4.166_579_6e-2
        q = q * r + 1.666_666_5e-1
        q = q * r + 5.000_000_1e-1
        let er = (q * r * r + r) + 1
        let m = unsafeBitCast(t, to: I.self) &- 0x4B40_0000
        let half = m &>> 1
        let s1 = unsafeBitCast((half &+ 127) &<< 23, to: V.self)
        let s2 = unsafeBitCast((m &- half &+ 127) &<< 23, to: V.self)
        var exp = er * s1 * s2
        exp = exp.replacing(with: Float.infinity, where: e .> 88.7)
        exp = exp.replacing(with: 0, where: e .< -87.3)
        let y = (1 * (exp - 1)).replacing(with: v, where: v .> 0)
        p.storeBytes(of: y, toByteOffset: i * 4, as: V.self)
        i += 16
    }
    if i < n { Float.unary(.elu, x + i, x + i, n - i, 1, 0) }
}

/// g <- g * activation'(x) in place, from the activation's output y (the graph's fused
/// backward kernels: ELU' = y + 1 below 0, ReLU' = [y > 0], tanh' = 1 - y^2).
func multiplyByDerivative(_ activation: Activation, _ g: UnsafeMutablePointer<Float>, output y: UnsafePointer<Float>, count n: Int) {
    switch activation {
    case .relu: Float.binary(.mulPositiveMask, g, 1, y, 1, g, n)
    case .elu: Float.binary(.mulEluPrime, g, 1, y, 1, g, n)
    case .tanh: Float.binary(.mulTanhPrime, g, 1, y, 1, g, n)
    case .identity: break
    }
}

/// Forward and input-gradient passes of an `MLP<Float>` on raw rows, without a graph. Reads
/// the parameters at every call, so it follows the network's updates.
final class MLPEvaluator {
    let network: MLP<Float>
    /// Each layer's activated output, kept for the backward pass.
    private let outputs: [FloatScratch]
    private let gradientA = FloatScratch(), gradientB = FloatScratch()

    /// The largest input or output width of any layer.
    private let widest: Int

    init(_ network: MLP<Float>) {
        self.network = network
        widest = network.layers.reduce(1) { Swift.max($0, $1.inputs, $1.outputs) }
        outputs = network.layers.map { _ in FloatScratch() }
    }

    func activation(_ i: Int) -> Activation { i == network.layers.count - 1 ? network.outputActivation : network.activation }

    /// The network on `rows` rows of `x` ([rows, inputs]); the result ([rows, outputs]) stays
    /// valid until the next forward call.
    @discardableResult
    func forward(_ x: UnsafePointer<Float>, rows: Int) -> UnsafeMutablePointer<Float> {
        var input = x
        for (i, layer) in network.layers.enumerated() {
            let out = outputs[i].reserve(rows * layer.outputs)
            linearRows(layer, input, rows: rows, into: out)
            activateInPlace(activation(i), out, count: rows * layer.outputs)
            input = UnsafePointer(out)
        }
        return outputs[outputs.count - 1].pointer
    }

    /// sum_r <seed_r, y_r> differentiated with respect to the inputs of the last `forward`,
    /// for the rows `rows` of that call only (others are left out: their seed is zero); the
    /// result is [rows.count, inputs], row i for input row rows[i], valid until the next call.
    /// `seed` is [rows.count, outputs]. Each row's gradient is independent of the others, so
    /// leaving rows out changes none of the values.
    func inputGradient(seed: UnsafePointer<Float>, rows: UnsafeBufferPointer<Int>) -> UnsafeMutablePointer<Float> {
        let layers = network.layers, n = rows.count
        var g = gradientA.reserve(n * widest), next = gradientB.reserve(n * widest)
        g.update(from: seed, count: n * layers[layers.count - 1].outputs)
        for i in stride(from: layers.count - 1, through: 0, by: -1) {
            let layer = layers[i], width = layer.outputs, y = outputs[i].pointer
            let act = activation(i)
            if act != .identity {
                for (r, row) in rows.enumerated() {
                    multiplyByDerivative(act, g + r * width, output: y + row * width, count: width)
                }
            }
            Float.gemm(transposeA: false, transposeB: false, m: n, n: layer.inputs, k: width, alpha: 1,
                       a: g, lda: width, b: layer.weight.storage.pointer, ldb: layer.inputs,
                       beta: 0, c: next, ldc: layer.inputs)
            swap(&g, &next)
        }
        return g
    }
}

/// The acting path of `SteinPolicy.sample` with twin critics: L SVGD steps on min(Q1, Q2),
/// the squash, and min(Q1, Q2) at the final actions, in buffers kept between calls (nothing
/// is allocated once the sizes have been seen). Gives the bits of the graph path.
final class SteinActingSampler {
    let policy: SteinPolicy
    let q1: MLPEvaluator, q2: MLPEvaluator
    let observationDimension: Int, actionDimension: Int
    private let input = FloatScratch(), u = FloatScratch(), score = FloatScratch(), squashed = FloatScratch()
    private let seed1 = FloatScratch(), seed2 = FloatScratch()
    private var rows1: [Int] = [], rows2: [Int] = []
    private let stein = SteinDirectionWorkspace<Float>()

    init(policy: SteinPolicy, critics: CriticEnsemble, observationDimension: Int, actionDimension: Int) {
        self.policy = policy
        q1 = MLPEvaluator(critics.q1); q2 = MLPEvaluator(critics.q2)
        self.observationDimension = observationDimension; self.actionDimension = actionDimension
    }

    /// The squashed final particles ([states * m, d]) and, with `needQ`, min(Q1, Q2) at them
    /// ([states * m]), from the states `s` ([states, obs]) and the initial particles `initial`
    /// ([states * m, d]). The results stay valid until the next call.
    func run(observations s: UnsafePointer<Float>, states b: Int, initial: UnsafePointer<Float>,
             needQ: Bool) -> (actions: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>?) {
        let m = policy.particles, d = actionDimension, o = observationDimension, w = o + d, n = b * m
        let x = input.reserve(n * w), u = u.reserve(n * d), score = score.reserve(n * d)
        let seed1 = seed1.reserve(n), seed2 = seed2.reserve(n)
        for r in 0..<n { (x + r * w).update(from: s + (r / m) * o, count: o) }
        u.update(from: initial, count: n * d)
        let eps = Float(policy.stepSize), limit = Float(policy.actionLimit)
        let t = policy.squashedScore ? squashed.reserve(n * d) : u
        for _ in 0..<policy.steps {
            if policy.squashedScore {
                // The critics see a = L tanh(u) (SteinPolicy.score).
                Float.unary(.tanh, u, t, n * d, 0, 0)
                for r in 0..<n { for c in 0..<d { x[r * w + o + c] = t[r * d + c] * limit } }
            } else {
                for r in 0..<n { (x + r * w + o).update(from: u + r * d, count: d) }
            }
            let y1 = q1.forward(x, rows: n), y2 = q2.forward(x, rows: n)
            // minimum's gradient: all to the smaller critic, a tie split in half. Each critic's
            // backward runs on the rows it receives a gradient from; the other rows get zeros,
            // and x + 0 = x, so the score has the bits of the graph's sum of both critics.
            rows1.removeAll(keepingCapacity: true); rows2.removeAll(keepingCapacity: true)
            for r in 0..<n {
                let share: Float = y2[r] > y1[r] ? 1 : (y2[r] == y1[r] ? 0.5 : 0)
                if share != 0 { seed1[rows1.count] = share; rows1.append(r) }
                if share != 1 { seed2[rows2.count] = 1 - share; rows2.append(r) }
            }
            for i in 0..<(n * d) { score[i] = 0 }
            func addGradient(_ evaluator: MLPEvaluator, _ seed: UnsafePointer<Float>, _ rows: [Int]) {
                guard !rows.isEmpty else { return }
                rows.withUnsafeBufferPointer { rows in
                    let g = evaluator.inputGradient(seed: seed, rows: rows)
                    for (i, r) in rows.enumerated() {
                        for c in 0..<d { score[r * d + c] = score[r * d + c] + g[i * w + o + c] }
                    }
                }
            }
            addGradient(q1, seed1, rows1)
            addGradient(q2, seed2, rows2)
            if policy.squashedScore {
                // g = L (1 - t^2) * grad_a Q - 2 alpha t, as SteinPolicy.score computes it.
                let twoAlpha = Float(2 * (policy.temperature ?? 1))
                for i in 0..<(n * d) { score[i] = score[i] * ((1 - t[i] * t[i]) * limit) - t[i] * twoAlpha }
            }
            for state in 0..<b {
                stein.move(u + state * m * d, scores: score + state * m * d, count: m, dimension: d,
                           bandwidth: policy.bandwidth, repulsionWeight: policy.temperature, stepSize: eps)
            }
        }
        // actions = actionLimit * tanh(u), in place.
        Float.unary(.tanh, u, u, n * d, 0, 0)
        for i in 0..<(n * d) { u[i] = u[i] * limit }
        guard needQ else { return (u, nil) }
        for r in 0..<n { (x + r * w + o).update(from: u + r * d, count: d) }
        let y1 = q1.forward(x, rows: n), y2 = q2.forward(x, rows: n)
        for r in 0..<n { y1[r] = Swift.min(y1[r], y2[r]) }
        return (u, y1)
    }
}

/// An S2AC agent that acts through the graph-free sampler: its noise, q0 and sampler give
/// `actingSample`; the pick and the test view of the particles are the same for every such agent.
protocol SteinActingAgent: AnyObject {
    var config: S2ACConfig { get }
    var actionDimension: Int { get }
    /// The sampler's particles ([states * m, d]) and, with `needQ`, min(Q1, Q2) at them, in the
    /// sampler's own buffers (valid until the next call).
    func actingSample(observations: Tensor<Float>, needQ: Bool, using rng: inout Xoshiro256)
        -> (actions: UnsafeMutablePointer<Float>, q: UnsafeMutablePointer<Float>?)
}

extension SteinActingAgent {
    /// One action per state, picked from the graph-free sampler's particles.
    func steinAct(observations: Tensor<Float>, selection: ActionSelection, using rng: inout Xoshiro256) -> Tensor<Float> {
        let out = actingSample(observations: observations, needQ: selection != .random, using: &rng)
        return selectParticle(actions: out.actions, q: out.q, states: observations.shape[0], dimension: actionDimension,
                              particles: config.particles, selection: selection, using: &rng)
    }

    /// Copies of every particle and its Q value, drawing what `steinAct` draws: for tests.
    func graphFreeParticles(observations: Tensor<Float>, using rng: inout Xoshiro256) -> (actions: [Float], q: [Float]) {
        let n = observations.shape[0] * config.particles
        let out = actingSample(observations: observations, needQ: true, using: &rng)
        return (Array(UnsafeBufferPointer(start: out.actions, count: n * actionDimension)),
                Array(UnsafeBufferPointer(start: out.q!, count: n)))
    }
}
