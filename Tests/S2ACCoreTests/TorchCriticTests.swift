import Foundation
import Testing
import S2ACCore

/// The values written by scripts/reference/torch_critic_fixture.py (PyTorch 2.15.0).
struct CriticFixture: Decodable {
    let seed: UInt64
    let step: Double
    let batch: Int
    let sizes: [Int]
    let cases: [Case]

    struct Case: Decodable {
        let dtype: String
        let firstDrawn: [String: [Double]]
        let q, dqDa, hvp, lossGradAction: [Double]
        let loss: Double
        let lossGrads: [String: [Double]]
        let bigGrad: BigGrad
        let adam: AdamAfter?
        enum CodingKeys: String, CodingKey {
            case dtype, q, hvp, loss, adam
            case firstDrawn = "first_drawn", dqDa = "dq_da", lossGradAction = "loss_grad_action"
            case lossGrads = "loss_grads", bigGrad = "loss_grad_layers.1.weight"
        }
    }

    /// Parameters after `steps` torch.optim.Adam steps on the same loss (float64 case only).
    struct AdamAfter: Decodable {
        struct Settings: Decodable { let lr: Double; let betas: [Double]; let eps: Double; let weightDecay: Double; let steps: Int
            enum CodingKeys: String, CodingKey { case lr, betas, eps, steps, weightDecay = "weight_decay" }
        }
        struct Big: Decodable {
            let rowSums, values: [Double]
            enum CodingKeys: String, CodingKey { case rowSums = "row_sums", values }
        }
        let settings: Settings
        let params: [String: [Double]]
        let big: Big
        enum CodingKeys: String, CodingKey { case settings, params, big = "layers.1.weight" }
    }

    struct BigGrad: Decodable {
        let rowSums, columnSums, values: [Double]
        let indices: [Int]
        enum CodingKeys: String, CodingKey {
            case rowSums = "row_sums", columnSums = "column_sums", values, indices
        }
    }

    static func load() throws -> CriticFixture {
        let url = try #require(Bundle.module.url(forResource: "torch_critic", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(CriticFixture.self, from: Data(contentsOf: url))
    }
}

/// max |a - b| / max |b|: the norm-wise relative error of a whole tensor.
func relativeError<T: TensorScalar>(_ a: [T], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "\(a.count) values against \(b.count)")
    let scale = b.map(Swift.abs).max() ?? 0
    let diff = zip(a, b).map { Swift.abs(Double($0) - $1) }.max() ?? 0
    return scale == 0 ? diff : diff / scale
}

@Suite struct TorchCriticTests {
    /// Rebuilds the fixture's critic and inputs from its generator recipe, then computes
    /// Q, dQ/da, a Hessian-vector product and the gradients of a loss containing dQ/da.
    func check<T: TensorScalar>(_ c: CriticFixture.Case, _ f: CriticFixture, _: T.Type, tolerance: Double) {
        var rng = Xoshiro256(seed: f.seed)
        func draw(_ bound: Double, _ shape: [Int]) -> Tensor<T> {
            Tensor((0..<shape.reduce(1, *)).map { _ in T(bound * (2 * rng.nextUniform() - 1)) }, shape: shape)
        }
        let (nState, nAction, hidden) = (f.sizes[0], f.sizes[1], f.sizes[2])
        let sizes = [nState + nAction, hidden, hidden, 1]
        let layers = (0..<3).map { i -> Linear<T> in
            let bound = 1 / Double(sizes[i]).squareRoot()
            let w = draw(bound, [sizes[i + 1], sizes[i]])
            return Linear(weight: w, bias: draw(bound, [sizes[i + 1]]))
        }
        let critic = MLP(layers: layers, activation: .elu)
        for (name, p) in critic.namedParameters {
            #expect(p.scalars.prefix(4).map { Double($0) } == c.firstDrawn[name], "\(c.dtype) \(name): generator drift")
        }
        let state = draw(1, [f.batch, nState])
        let action = draw(1, [f.batch, nAction]).trackingGrad()
        let v = draw(1, [f.batch, nAction])

        let q = critic(state, action)
        let dqDa = grad(of: q.sum(), wrt: [action], createGraph: true)[0]
        let hvp = grad(of: (dqDa * v).sum(), wrt: [action])[0]
        let moved = action + dqDa * T(f.step)
        let loss = -critic(Tensor.concat([state, moved], axis: 1)).mean()
        let grads = grad(of: loss, wrt: critic.parameters + [action])

        let label = c.dtype
        #expect(relativeError(q.scalars, c.q) < tolerance, "\(label) Q")
        #expect(relativeError(dqDa.scalars, c.dqDa) < tolerance, "\(label) dQ/da")
        #expect(relativeError(hvp.scalars, c.hvp) < tolerance, "\(label) Hessian-vector product")
        #expect(relativeError([loss.item], [c.loss]) < tolerance, "\(label) loss")
        #expect(relativeError(grads.last!.scalars, c.lossGradAction) < tolerance, "\(label) dloss/da")
        for ((name, _), g) in zip(critic.namedParameters, grads) {
            if let expected = c.lossGrads[name] {
                #expect(relativeError(g.scalars, expected) < tolerance, "\(label) dloss/d\(name)")
            }
        }
        let big = grads[2]
        #expect(relativeError(big.sum(axis: 1).scalars, c.bigGrad.rowSums) < tolerance, "\(label) layers.1.weight rows")
        #expect(relativeError(big.sum(axis: 0).scalars, c.bigGrad.columnSums) < tolerance, "\(label) layers.1.weight columns")
        let all = big.scalars
        #expect(relativeError(c.bigGrad.indices.map { all[$0] }, c.bigGrad.values) < tolerance, "\(label) layers.1.weight samples")
        // The fixture's sampled indices come from the same generator, after the inputs.
        #expect(c.bigGrad.indices.prefix(3) == (0..<3).map { _ in Int(rng.next() % UInt64(all.count)) }[...])

        guard let after = c.adam else { return }
        let st = after.settings
        let adam = Adam(parameters: critic.parameters, learningRate: st.lr, beta1: st.betas[0], beta2: st.betas[1],
                        eps: st.eps, weightDecay: st.weightDecay)
        for _ in 0..<st.steps {
            adam.zeroGrad()
            let a = action.detached().trackingGrad()
            let dq = grad(of: critic(state, a).sum(), wrt: [a], createGraph: true)[0]
            (-critic(state, a + dq * T(f.step)).mean()).backward()
            adam.step()
        }
        for (name, p) in critic.namedParameters {
            if let expected = after.params[name] {
                #expect(relativeError(p.scalars, expected) < tolerance, "\(label) \(name) after Adam")
            }
        }
        let w = critic.layers[1].weight
        #expect(relativeError(w.sum(axis: 1).scalars, after.big.rowSums) < tolerance, "\(label) layers.1.weight rows after Adam")
        let ws = w.scalars
        #expect(relativeError(c.bigGrad.indices.map { ws[$0] }, after.big.values) < tolerance, "\(label) layers.1.weight after Adam")
    }

    @Test func float64MatchesPyTorch() throws {
        let f = try CriticFixture.load()
        let c = try #require(f.cases.first { $0.dtype == "float64" })
        #expect(c.adam != nil)
        check(c, f, Double.self, tolerance: 1e-10)
    }

    @Test func float32MatchesPyTorch() throws {
        let f = try CriticFixture.load()
        let c = try #require(f.cases.first { $0.dtype == "float32" })
        check(c, f, Float.self, tolerance: 1e-5)
    }
}
