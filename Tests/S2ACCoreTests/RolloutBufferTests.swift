import Foundation
import Testing
import S2ACCore

/// GAE of the rollout buffer and the running statistics of PPO's normalisers, each against a
/// direct loop in Double written another way.
@Suite struct RolloutBufferTests {
    struct Step { var reward, value: Double; var terminated = false, truncated = false; var bootstrap = 0.0 }

    func buffer(_ steps: [Step]) -> RolloutBuffer {
        var b = RolloutBuffer(capacity: steps.count, observationDim: 1, actionDim: 1)
        for (t, s) in steps.enumerated() {
            b.add(observation: [Float(t)], action: [0], logProb: 0, value: Float(s.value), reward: Float(s.reward),
                  terminated: s.terminated, truncated: s.truncated, bootstrapValue: Float(s.bootstrap))
        }
        return b
    }

    /// A_t as a forward sum over the rest of t's episode inside the rollout:
    /// sum_{k=t}^{e} (gamma lambda)^(k-t) delta_k, e the episode's last step in the rollout, with
    /// the value after e being 0 (terminated), V(s_T) (truncated) or `lastValue` (still running).
    func directAdvantages(_ steps: [Step], lastValue: Double, gamma: Double, lambda: Double) -> [Double] {
        let n = steps.count
        func nextValue(_ k: Int, last e: Int) -> Double {
            if k < e { return steps[k + 1].value }
            if steps[k].terminated { return 0 }
            if steps[k].truncated { return steps[k].bootstrap }
            return lastValue
        }
        return (0..<n).map { t in
            var e = t
            while e < n - 1 && !steps[e].terminated && !steps[e].truncated { e += 1 }
            var sum = 0.0, weight = 1.0
            for k in t...e {
                sum += weight * (steps[k].reward + gamma * nextValue(k, last: e) - steps[k].value)
                weight *= gamma * lambda
            }
            return sum
        }
    }

    func randomSteps(_ n: Int, seed: UInt64) -> [Step] {
        var g = Xoshiro256(seed: seed)
        // Values exactly representable in Float, so the buffer's Float storage loses nothing.
        func q() -> Double { Double(Float(g.nextUniform(-2, 2))) }
        return (0..<n).map { _ in Step(reward: q(), value: q()) }
    }

    /// Truncation inside the rollout (bootstraps from V(s_T)), termination inside (does not),
    /// and each of: truncated, terminated, still running at the rollout's end.
    @Test(arguments: ["truncated", "terminated", "running"])
    func gaeMatchesTheDirectSum(end: String) {
        var steps = randomSteps(40, seed: 7)
        steps[11].terminated = true
        steps[23].truncated = true; steps[23].bootstrap = 1.25
        steps[30].truncated = true; steps[30].terminated = true  // both: termination wins, no bootstrap
        if end == "truncated" { steps[39].truncated = true; steps[39].bootstrap = -0.75 }
        if end == "terminated" { steps[39].terminated = true }
        let (gamma, lambda, lastValue) = (0.99, 0.95, 0.5)
        var b = buffer(steps)
        b.computeAdvantages(lastValue: Float(lastValue), gamma: gamma, lambda: lambda)
        let want = directAdvantages(steps, lastValue: lastValue, gamma: gamma, lambda: lambda)
        #expect(relativeError(b.advantages, want) < 1e-6)
        #expect(relativeError(b.returns, zip(want, steps).map { $0 + $1.value }) < 1e-6)
    }

    /// The same step ended by truncation instead of termination differs by gamma V(s_T) in its
    /// own TD error and by (gamma lambda)^k gamma V(s_T) k steps before it; after it nothing changes.
    @Test func truncationAddsTheDiscountedFinalValue() {
        var steps = randomSteps(12, seed: 8)
        steps[6].terminated = true
        let (gamma, lambda, finalValue) = (0.9, 0.8, 3.0)
        var terminated = buffer(steps)
        terminated.computeAdvantages(lastValue: 0.25, gamma: gamma, lambda: lambda)
        steps[6].terminated = false; steps[6].truncated = true; steps[6].bootstrap = finalValue
        var truncated = buffer(steps)
        truncated.computeAdvantages(lastValue: 0.25, gamma: gamma, lambda: lambda)
        for t in 0..<12 {
            let expected = t <= 6 ? pow(gamma * lambda, Double(6 - t)) * gamma * finalValue : 0
            #expect(abs(Double(truncated.advantages[t] - terminated.advantages[t]) - expected) < 1e-5, "step \(t)")
        }
        // The last step open: it bootstraps from the value after the rollout.
        var open = buffer(Array(steps.prefix(3)))
        open.computeAdvantages(lastValue: 2, gamma: gamma, lambda: lambda)
        #expect(abs(Double(open.advantages[2]) - (steps[2].reward + gamma * 2 - steps[2].value)) < 1e-5)
    }

    /// A saved rollout loads into a buffer of its capacity only, with the same contents.
    @Test func checkpointRoundTrip() throws {
        let steps = randomSteps(5, seed: 9)
        var b = RolloutBuffer(capacity: 6, observationDim: 1, actionDim: 1)
        for (t, s) in steps.enumerated() {
            b.add(observation: [Float(t)], action: [1], logProb: -1, value: Float(s.value), reward: Float(s.reward),
                  terminated: t == 1, truncated: t == 3, bootstrapValue: 2.5)
        }
        let path = makeTemporaryFolder("rollout") + "/r.h5"
        let file = try HDF5File.create(at: path)
        try b.save(to: file.root.createGroup("rollout"))
        file.close()
        let read = try HDF5File.open(at: path)
        defer { read.close() }
        var same = RolloutBuffer(capacity: 6, observationDim: 1, actionDim: 1)
        try same.load(from: read.root.group("rollout"))
        #expect(same.contentsSHA256 == b.contentsSHA256 && same.count == 5 && same.bootstrapValues[3] == 2.5)
        var smaller = RolloutBuffer(capacity: 5, observationDim: 1, actionDim: 1)
        #expect(throws: InputError.self) { try smaller.load(from: read.root.group("rollout")) }
    }
}

@Suite struct RunningStatisticsTests {
    /// Prior (mean 0, variance 1, count eps) pooled with the data's mean and population variance.
    func direct(_ xs: [[Double]], epsilon: Double = 1e-4) -> (mean: [Double], variance: [Double]) {
        let n = Double(xs.count), d = xs[0].count
        var mean = [Double](repeating: 0, count: d), variance = mean
        for i in 0..<d {
            let m = xs.map { $0[i] }.reduce(0, +) / n
            let v = xs.map { ($0[i] - m) * ($0[i] - m) }.reduce(0, +) / n
            let total = n + epsilon
            mean[i] = n * m / total
            variance[i] = (epsilon * 1 + n * v + m * m * epsilon * n / total) / total
        }
        return (mean, variance)
    }

    @Test func runningMeanStdMatchesTheDirectPooledMoments() {
        var g = Xoshiro256(seed: 21)
        var s = RunningMeanStd(dimension: 3)
        var seen: [[Double]] = []
        for k in 1...200 {
            let x = [g.nextGaussian() * 3 + 1, g.nextUniform(-5, 5), 100 + g.nextGaussian()]
            s.update(x); seen.append(x)
            if [1, 2, 17, 200].contains(k) {
                let (m, v) = direct(seen)
                #expect(relativeError(s.mean, m) < 1e-12 && relativeError(s.variance, v) < 1e-10, "after \(k)")
                #expect(abs(s.count - (Double(k) + 1e-4)) < 1e-12)
            }
        }
    }

    @Test func observationNormalizerTakesTheObservationInFirstAndClips() {
        var norm = ObservationNormalizer(dimension: 2, clip: 10)
        var seen: [[Double]] = []
        var g = Xoshiro256(seed: 22)
        for _ in 0..<50 {
            let x = [g.nextGaussian(), 5 + 0.01 * g.nextGaussian()]
            seen.append(x)
            let z = norm(x, updating: true)
            let (m, v) = direct(seen)
            let want = (0..<2).map { i in min(max((x[i] - m[i]) / (v[i] + 1e-8).squareRoot(), -10), 10) }
            #expect(relativeError(z, want) < 1e-6)
        }
        let frozen = norm.statistics
        let outlier = norm.normalized([0, 1000])
        #expect(outlier[1] == 10 && norm.statistics == frozen)
    }

    /// G_t = gamma G_{t-1} (1 - terminated) + r_t; each reward divided by the std of all G so far
    /// (the prior included), clipped; a truncation keeps G, a termination restarts it.
    @Test func rewardScalerMatchesTheDirectDiscountedReturn() {
        var scaler = RewardScaler(gamma: 0.9, clip: 10)
        var g = Xoshiro256(seed: 23)
        var returns: [[Double]] = [], running = 0.0
        for t in 0..<60 {
            let r = g.nextUniform(-1, 3)
            let terminated = t % 17 == 16
            let got = scaler(r, terminated: terminated)
            running = (terminated ? 0 : 0.9 * running) + r
            returns.append([running])
            let v = direct(returns).variance[0]
            #expect(abs(Double(got) - min(max(r / (v + 1e-8).squareRoot(), -10), 10)) < 1e-6 * max(1, abs(Double(got))), "step \(t)")
            #expect(abs(scaler.discountedReturn - running) < 1e-12)
        }
        var tiny = RewardScaler(gamma: 0.99, clip: 10)
        for _ in 0..<100 { _ = tiny(1e-3, terminated: false) }
        #expect(tiny(1e6, terminated: false) == 10)
    }
}

@Suite struct OrthogonalInitTests {
    /// W W^T (wide) or W^T W (tall) equals gain^2 I, as `torch.nn.init.orthogonal_` makes it.
    @Test(arguments: [(64, 11), (2, 64), (16, 16)])
    func orthogonalRowsOrColumns(shape: (Int, Int)) {
        var g = Xoshiro256(seed: 31)
        let gain = 2.0.squareRoot()
        let l = Linear<Double>(shape.1, shape.0, initialization: .orthogonal(gain: gain), using: &g)
        let w = l.weight.scalars, (rows, cols) = shape
        let k = min(rows, cols)
        var worst = 0.0
        for i in 0..<k {
            for j in 0..<k {
                var dot = 0.0
                for r in 0..<max(rows, cols) {
                    dot += rows >= cols ? w[r * cols + i] * w[r * cols + j] : w[i * cols + r] * w[j * cols + r]
                }
                worst = max(worst, abs(dot - (i == j ? gain * gain : 0)))
            }
        }
        #expect(worst < 1e-12)
        #expect(l.bias!.scalars.allSatisfy { $0 == 0 })
    }
}
