import Foundation
import Testing
import S2ACCore

func close<T: TensorScalar>(_ a: [T], _ b: [T], _ tol: T) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol * Swift.max(1, Swift.abs($1)) }
}

/// Values and graph semantics: what the derivative checks cannot see.
@Suite struct AutodiffEngineTests {
    @Test func broadcastingValues() {
        let a = Tensor<Double>([1, 2, 3, 4, 5, 6], shape: [2, 3])
        let col = Tensor<Double>([10, 20], shape: [2, 1])
        let row = Tensor<Double>([100, 200, 300], shape: [3])
        #expect((a + col).scalars == [11, 12, 13, 24, 25, 26])
        #expect((a * row).scalars == [100, 400, 900, 400, 1000, 1800])
        #expect((col + row).shape == [2, 3])
        #expect((col + row).scalars == [110, 210, 310, 120, 220, 320])
        #expect((a - 1).scalars == [0, 1, 2, 3, 4, 5])
        #expect(a.expanded(to: [2, 2, 3]).scalars == a.scalars + a.scalars)
        // Pairwise differences within each batch, as a Stein kernel needs: [B, m, 1, d] - [B, 1, m, d].
        let (b, m, d) = (2, 3, 2)
        let x = Tensor<Double>((0..<(b * m * d)).map { Double($0 * $0 % 7) }, shape: [b, m, d])
        let diff = x.reshaped([b, m, 1, d]) - x.reshaped([b, 1, m, d])
        #expect(diff.shape == [b, m, m, d])
        for i in 0..<b { for j in 0..<m { for k in 0..<m { for l in 0..<d {
            #expect(diff[i, j, k, l] == x[i, j, l] - x[i, k, l])
        } } } }
    }

    @Test func reductionAndShapeValues() {
        let a = Tensor<Double>([1, 5, 3, 4, 2, 6], shape: [2, 3])
        #expect(a.sum(axis: 0).scalars == [5, 7, 9])
        #expect(a.sum(axis: 1, keepDims: true).shape == [2, 1])
        #expect(a.sum().item == 21)
        #expect(a.mean(axis: 1).scalars == [3, 4])
        #expect(a.max(axis: 1).scalars == [5, 6])
        #expect(a.max().item == 6)
        #expect(a.transposed().scalars == [1, 4, 5, 2, 3, 6])
        #expect(a.slice(axis: 1, 1..<3).scalars == [5, 3, 2, 6])
        #expect(a.gather([1, 1, 0], axis: 0).scalars == [4, 2, 6, 4, 2, 6, 1, 5, 3])
        #expect(Tensor.concat([a, a.slice(axis: 1, 0..<1)], axis: 1).scalars == [1, 5, 3, 1, 4, 2, 6, 4])
        let lse = a.logSumExp(axis: 1).scalars
        #expect(close(lse, [log(exp(1) + exp(5) + exp(3)), log(exp(4) + exp(2) + exp(6))], 1e-14))
        let p = a.softmax(axis: 1)
        #expect(close(p.sum(axis: 1).scalars, [1, 1], 1e-15))
        let e: [Double] = [exp(1), exp(5), exp(3)]
        let total = e.reduce(0, +)
        #expect(close(Array(p.scalars.prefix(3)), e.map { $0 / total }, 1e-15))
        #expect((-a).abs().scalars == a.scalars)
        #expect(Tensor<Double>([-2, 3], shape: [2]).pow(3).scalars == [-8, 27])
        #expect(Tensor<Float>([-2, 4], shape: [2]).pow(0.5).scalars[1] == 2)
        // Stable where exp would overflow.
        #expect(close(Tensor<Double>([1000, 1000], shape: [2]).logSumExp().scalars, [1000 + log(2)], 1e-14))
    }

    @Test func comparisonMasksAreConstants() {
        let a = Tensor<Double>([1, 2, 3], shape: [3], requiresGrad: true)
        let b = Tensor<Double>([2, 2, 2], shape: [3])
        #expect(a.greater(b).scalars == [0, 0, 1])
        #expect(a.greaterEqual(b).scalars == [0, 1, 1])
        #expect(a.less(b).scalars == [1, 0, 0])
        #expect(a.lessEqual(b).scalars == [1, 1, 0])
        #expect(a.equal(b).scalars == [0, 1, 0])
        #expect(!a.greater(b).requiresGrad)
    }

    @Test func matmulMatchesNaiveProductInBothPrecisions() {
        var rng = SeedTree(seed: 3).stream(named: "matmul")
        let a = Tensor<Double>.randomNormal([5, 7], using: &rng), b = Tensor<Double>.randomNormal([7, 4], using: &rng)
        var naive = [Double](repeating: 0, count: 20)
        for i in 0..<5 { for j in 0..<4 { for k in 0..<7 { naive[i * 4 + j] += a[i, k] * b[k, j] } } }
        #expect(close(a.matmul(b).scalars, naive, 1e-13))
        #expect(close(a.transposed().matmul(b.transposed(), transposeA: true, transposeB: true).scalars, naive, 1e-13))
        let af = Tensor<Float>(a.scalars.map(Float.init), shape: a.shape)
        let bf = Tensor<Float>(b.scalars.map(Float.init), shape: b.shape)
        #expect(close(af.matmul(bf).scalars, naive.map(Float.init), 1e-5))
    }

    @Test func floatKernelsAgreeWithDouble() {
        var rng = SeedTree(seed: 4).stream(named: "kernels")
        let x = Tensor<Double>.randomNormal([1000], std: 8, using: &rng)
        let xf = Tensor<Float>(x.scalars.map(Float.init), shape: x.shape)
        let xd = Tensor<Double>(xf.scalars.map(Double.init), shape: x.shape)
        let pairs: [(Tensor<Float>, Tensor<Double>)] = [
            (xf.exp(), xd.exp()), (xf.elu(), xd.elu()), (xf.softplus(), xd.softplus()), (xf.sigmoid(), xd.sigmoid()),
            (xf.tanh(), xd.tanh()),
        ]
        for (f, d) in pairs {
            for (u, v) in zip(f.scalars, d.scalars) {
                #expect(Swift.abs(Double(u) - v) <= 4e-7 * Swift.max(1, Swift.abs(v)), "\(u) vs \(v)")
            }
        }
        // The exponent range ends: no overflow to inf below 88.7, underflow to 0 near -87.
        let ends = Tensor<Float>([88.5, -87, 0, 1], shape: [4]).exp().scalars
        #expect(ends[0].isFinite && Swift.abs(ends[0] / Float(exp(88.5)) - 1) < 1e-6)
        #expect(ends[2] == 1 && Swift.abs(ends[3] - Float(M_E)) < 3e-7)
        let extremes = Tensor<Float>([-.infinity, -100, 100, .infinity, .nan], shape: [5]).exp().scalars
        #expect(extremes[0] == 0 && extremes[1] == 0 && extremes[2] == .infinity && extremes[3] == .infinity)
        #expect(extremes[4].isNaN)
        #expect(Tensor<Float>([-.infinity, 0], shape: [2]).logSumExp().item == 0)
    }

    @Test func noGradRegionsAndDetachedValuesRecordNothing() {
        let x = Tensor<Double>([1, 2], shape: [2], requiresGrad: true)
        let y = withNoGrad { (x * x).sum() }
        #expect(!y.requiresGrad && !y.hasGraph)
        let z = (x.detached() * x).sum()
        #expect(z.requiresGrad)
        // Only the tracked factor contributes: d/dx (c * x) = c.
        #expect(grad(of: z, wrt: [x])[0].scalars == [1, 2])
        withNoGrad { #expect(!GradMode.isEnabled) }
        #expect(GradMode.isEnabled)
    }

    @Test func noGradIsLocalToTheTask() async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { withNoGrad { (Tensor<Double>([1], shape: [1], requiresGrad: true) * 2).requiresGrad } }
            group.addTask {
                // Some time inside another task's no-grad region, this one must still record.
                var recorded = true
                for _ in 0..<1000 { recorded = recorded && (Tensor<Double>([1], shape: [1], requiresGrad: true) * 2).requiresGrad }
                return recorded
            }
            var results: [Bool] = []
            for await r in group { results.append(r) }
            #expect(results.filter { $0 }.count == 1 && results.count == 2)
        }
    }

    @Test func backwardAccumulatesIntoLeavesUntilZeroed() {
        let w = Tensor<Double>([1, 2, 3], shape: [3], requiresGrad: true)
        let c = Tensor<Double>([4, 5, 6], shape: [3])
        (w * c).sum().backward()
        #expect(w.grad?.scalars == [4, 5, 6])
        #expect(c.grad == nil)
        (w * w).sum().backward()
        #expect(w.grad?.scalars == [6, 9, 12])
        #expect(w.grad?.hasGraph == false)
        w.zeroGrad()
        #expect(w.grad == nil)
        // A seed makes backward a vector-Jacobian product.
        (w * c).backward(seed: Tensor([1, 0, 2], shape: [3]))
        #expect(w.grad?.scalars == [4, 0, 12])
    }

    @Test func gradientsWithAndWithoutGraph() {
        let x = Tensor<Double>([0.5, -1], shape: [2], requiresGrad: true)
        let unused = Tensor<Double>([3], shape: [1], requiresGrad: true)
        let y = (x * x * x).sum()
        let g = grad(of: y, wrt: [x, unused], createGraph: true)
        #expect(g[0].hasGraph)
        #expect(close(g[0].scalars, [0.75, 3], 1e-15))
        #expect(g[1].scalars == [0])
        let h = grad(of: g[0].sum(), wrt: [x])[0]
        #expect(!h.hasGraph)
        #expect(close(h.scalars, [3, -6], 1e-15))
        #expect(!grad(of: y, wrt: [x])[0].hasGraph)
        // A VJP with an explicit seed, and several outputs at once.
        let v = vjp(of: x * 2, wrt: x, seed: Tensor([1, 10], shape: [2]))
        #expect(v.scalars == [2, 20])
        let both = grad(of: [x.sum(), (x * 3).sum()], wrt: [x])[0]
        #expect(both.scalars == [4, 4])
    }

    @Test func gradientThroughAnIntermediateTensor() {
        // d/da of a loss, where a itself depends on a parameter: the walk stops at a.
        let p = Tensor<Double>([2], shape: [1], requiresGrad: true)
        let a = p * 3
        let loss = (a * a).sum()
        #expect(grad(of: loss, wrt: [a])[0].scalars == [12])
        #expect(grad(of: loss, wrt: [p])[0].scalars == [36])
    }

    @Test func deepChainsDoNotOverflowTheStack() {
        var x = Tensor<Double>([1], shape: [1], requiresGrad: true)
        let leaf = x
        for _ in 0..<50_000 { x = x * 1.0001 }
        let g = grad(of: x.sum(), wrt: [leaf])[0].item
        #expect(Swift.abs(g - pow(1.0001, 50_000)) < 1e-9 * g)
    }
}

@Suite struct AutodiffMemoryTests {
    /// Rules receive their output instead of capturing it, so a graph holds no cycles and is
    /// freed as soon as its last result is.
    @Test func graphsAreFreedWithTheirResults() {
        weak var intermediate: Tensor<Double>?
        weak var gradient: Tensor<Double>?
        do {
            let x = Tensor<Double>([0.1, 0.2], shape: [2], requiresGrad: true)
            let h = x.elu().tanh()
            intermediate = h
            let g = grad(of: (h * h).sum(), wrt: [x], createGraph: true)[0]
            gradient = g
            #expect(intermediate != nil && gradient != nil)
        }
        #expect(intermediate == nil)
        #expect(gradient == nil)
    }
}
