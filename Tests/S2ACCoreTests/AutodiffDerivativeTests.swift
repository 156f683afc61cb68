import Foundation
import Testing
import S2ACCore

/// One operation under test: input shapes and the function of those inputs.
struct OpCase: CustomTestStringConvertible, Sendable {
    let name: String
    let shapes: [[Int]]
    let f: @Sendable ([Tensor<Double>]) -> Tensor<Double>
    var testDescription: String { name }
    init(_ name: String, _ shapes: [[Int]], _ f: @escaping @Sendable ([Tensor<Double>]) -> Tensor<Double>) {
        self.name = name; self.shapes = shapes; self.f = f
    }
}

/// Maps x to x^2 + 0.5, so log, sqrt, pow and division see positive inputs.
func positive(_ x: Tensor<Double>) -> Tensor<Double> { x.square() + 0.5 }

let opCases: [OpCase] = [
    OpCase("add broadcast", [[3, 4], [4]]) { $0[0] + $0[1] },
    OpCase("sub broadcast", [[3, 4], [3, 1]]) { $0[0] - $0[1] },
    OpCase("mul broadcast", [[2, 3, 4], [3, 1]]) { $0[0] * $0[1] },
    OpCase("div", [[3, 4], [3, 4]]) { $0[0] / positive($0[1]) },
    OpCase("scalar ops", [[3, 4]]) { (2 - $0[0]) * 3 + 1 / positive($0[0]) - $0[0] / 4 },
    OpCase("neg", [[5]]) { -$0[0] },
    OpCase("exp", [[3, 4]]) { $0[0].exp() },
    OpCase("log", [[3, 4]]) { positive($0[0]).log() },
    OpCase("sqrt", [[3, 4]]) { positive($0[0]).sqrt() },
    OpCase("pow", [[3, 4]]) { positive($0[0]).pow(1.7) },
    OpCase("pow integer, negative base", [[3, 4]]) { $0[0].pow(3) },
    OpCase("pow negative integer", [[3, 4]]) { positive($0[0]).pow(-2) },
    OpCase("square", [[3, 4]]) { $0[0].square() },
    OpCase("tanh", [[3, 4]]) { $0[0].tanh() },
    OpCase("sigmoid", [[3, 4]]) { $0[0].sigmoid() },
    OpCase("softplus", [[3, 4]]) { ($0[0] * 3).softplus() },
    OpCase("relu", [[3, 4]]) { $0[0].relu() },
    OpCase("elu", [[3, 4]]) { $0[0].elu() },
    OpCase("elu alpha 0.7", [[3, 4]]) { $0[0].elu(alpha: 0.7) },
    OpCase("clamp", [[3, 4]]) { $0[0].clamped(min: -0.5, max: 0.5) },
    OpCase("minimum", [[3, 4], [4]]) { $0[0].minimum($0[1]) },
    OpCase("maximum", [[3, 4], [3, 4]]) { $0[0].maximum($0[1]) },
    OpCase("sum axes", [[2, 3, 4]]) { $0[0].sum(axes: [0, 2]) },
    OpCase("sum all", [[2, 3]]) { $0[0].sum() },
    OpCase("mean keepDims", [[2, 3, 4]]) { $0[0].mean(axis: 1, keepDims: true) },
    OpCase("max axis", [[3, 5]]) { $0[0].max(axis: 1) },
    OpCase("max all", [[3, 5]]) { $0[0].max() },
    OpCase("logsumexp axis", [[3, 5]]) { $0[0].logSumExp(axis: -1) },
    OpCase("logsumexp all", [[3, 5]]) { $0[0].logSumExp() },
    OpCase("softmax", [[3, 5]]) { $0[0].softmax(axis: 1) },
    OpCase("logSoftmax", [[3, 5]]) { $0[0].logSoftmax(axis: 0) },
    OpCase("abs", [[3, 4]]) { $0[0].abs() },
    OpCase("reshape", [[2, 6]]) { $0[0].reshaped([3, -1]) },
    OpCase("transpose", [[2, 3, 4]]) { $0[0].transposed() },
    OpCase("expand", [[3, 1]]) { $0[0].expanded(to: [2, 3, 4]) },
    OpCase("concat", [[2, 3], [2, 1], [2, 2]]) { Tensor.concat($0, axis: 1) },
    OpCase("slice", [[3, 5]]) { $0[0].slice(axis: 1, 1..<4) },
    OpCase("gather repeats", [[4, 3]]) { $0[0].gather([2, 0, 2, 3], axis: 0) },
    OpCase("matmul", [[3, 4], [4, 2]]) { $0[0].matmul($0[1]) },
    OpCase("matmul A^T", [[4, 3], [4, 2]]) { $0[0].matmul($0[1], transposeA: true) },
    OpCase("matmul B^T", [[3, 4], [2, 4]]) { $0[0].matmul($0[1], transposeB: true) },
    OpCase("matmul A^T B^T", [[4, 3], [2, 4]]) { $0[0].matmul($0[1], transposeA: true, transposeB: true) },
    OpCase("batched matmul", [[2, 3, 4], [2, 4, 2]]) { $0[0].matmul($0[1]) },
    OpCase("batched matmul A^T", [[2, 4, 3], [2, 4, 2]]) { $0[0].matmul($0[1], transposeA: true) },
    OpCase("linear", [[5, 3], [4, 3], [4]]) { $0[0].linear(weight: $0[1], bias: $0[2]) },
    OpCase("linear no bias", [[5, 3], [4, 3]]) { $0[0].linear(weight: $0[1], bias: nil) },
    OpCase("linear + relu fused", [[5, 3], [4, 3], [4]]) { $0[0].linearReLU(weight: $0[1], bias: $0[2]) },
]

@Suite struct AutodiffDerivativeTests {
    static func point(_ c: OpCase, seed: UInt64) -> [Tensor<Double>] {
        var rng = SeedTree(seed: seed).stream(named: "point-" + c.name)
        return c.shapes.map { Tensor<Double>.randomNormal($0, using: &rng) }
    }

    @Test(arguments: opCases)
    func firstDerivativesMatchCentralDifferences(_ c: OpCase) {
        var rng = SeedTree(seed: 11).stream(named: c.name)
        for check in checkFirstDerivatives(of: c.f, at: Self.point(c, seed: 1), using: &rng) {
            #expect(check.error < 1e-7, "\(c.name): \(check)")
        }
    }

    /// The op followed by a square, so that the op's backward rule itself gets differentiated
    /// (for linear ops the second derivative of the op alone is zero and would prove nothing).
    @Test(arguments: opCases)
    func secondDerivativesMatchCentralDifferences(_ c: OpCase) {
        var rng = SeedTree(seed: 12).stream(named: c.name)
        let squared: ([Tensor<Double>]) -> Tensor<Double> = { c.f($0).square() }
        for check in checkSecondDerivatives(of: c.f, at: Self.point(c, seed: 2), using: &rng) {
            #expect(check.error < 1e-6, "\(c.name) alone: \(check)")
        }
        for check in checkSecondDerivatives(of: squared, at: Self.point(c, seed: 2), using: &rng) {
            #expect(check.error < 1e-6, "\(c.name) squared: \(check)")
        }
    }

    /// The S2AC shape end to end: Q after one SVGD step with an RBF kernel whose driving term is
    /// the score dQ/da taken inside the function. Its first derivatives need Q's second
    /// derivatives, its second derivatives Q's third.
    @Test func steinStepThroughTheScore() {
        var rng = SeedTree(seed: 13).stream(named: "stein")
        let (m, d) = (4, 2)
        let critic = MLP<Double>(inputs: 2 + d, hidden: [8], outputs: 1, activation: .elu, using: &rng)
        let states = Tensor<Double>.randomNormal([m, 2], using: &rng)
        let step: @Sendable ([Tensor<Double>]) -> Tensor<Double> = { x in
            let a = x[0]
            let score = grad(of: critic(states, a).sum(), wrt: [a], createGraph: true)[0]
            let diff = a.reshaped([m, 1, d]) - a.reshaped([1, m, d])       // a_i - a_j
            let k = (diff.square().sum(axis: 2) * -0.5).exp()              // k(a_j, a_i), bandwidth 1
            let drive = k.matmul(score)                                    // sum_j k_ij score_j
            let repulse = (diff * k.reshaped([m, m, 1])).sum(axis: 1)      // sum_j grad_{a_j} k(a_j, a_i)
            return critic(states, a + (drive + repulse) * (0.1 / Double(m)))
        }
        let start = [Tensor<Double>.randomNormal([m, d], using: &rng)]
        for check in checkFirstDerivatives(of: step, at: start, using: &rng) { #expect(check.error < 1e-7, "\(check)") }
        for check in checkSecondDerivatives(of: step, at: start, using: &rng) { #expect(check.error < 1e-6, "\(check)") }
    }

    /// Third order through ELU: the derivative of a Hessian-vector product.
    @Test func thirdDerivativeOfElu() {
        let x = Tensor<Double>([-0.7, 0.3, -1.2], shape: [3], requiresGrad: true)
        let y = (x.elu() * x).sum()
        let g1 = grad(of: y, wrt: [x], createGraph: true)[0]
        let g2 = grad(of: g1.sum(), wrt: [x], createGraph: true)[0]
        let g3 = grad(of: g2.sum(), wrt: [x])[0]
        // For x < 0: d/dx (x (e^x - 1)) = e^x (1 + x) - 1; second e^x (2 + x); third e^x (3 + x).
        for (i, v) in x.scalars.enumerated() where v < 0 {
            #expect(Swift.abs(g3.scalars[i] - Foundation.exp(v) * (3 + v)) < 1e-12)
        }
        // For x > 0: x^2 has third derivative 0.
        #expect(g3.scalars[1] == 0)
    }
}
