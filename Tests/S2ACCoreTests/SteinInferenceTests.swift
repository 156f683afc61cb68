import Foundation
import Testing
@_spi(Kernels) @testable import S2ACCore

/// The graph-free acting paths of S2AC(phi,theta) and S2AC(phi) against the tensor-graph ones.
/// The two compute the same particles by different routes (other matrix products, other
/// loops), so what is guaranteed is agreement to rounding, not equal bits: from the same
/// generator state, every particle within `actionTolerance`, every Q within `qTolerance`
/// (relative to the largest |Q| of the set, at least 1), the same particle picked under every
/// selection rule, and the same generator state after. `act` itself is the graph-free pick.
@Suite struct SteinInferenceTests {
    /// Actions are at most `actionLimit` (0.8, 0.7) in size; Float rounding over a few SVGD steps
    /// moves them by about 1e-6.
    let actionTolerance: Float = 1e-5
    let qTolerance: Float = 1e-4

    func agent(_ preset: S2ACConfig, seed: UInt64) throws -> (S2ACPhiTheta, ReplayBatch) {
        var config = preset
        config.criticHidden = [32, 32]; config.actorHidden = [24, 24, 24]; config.particles = 6; config.stepsPhiTheta = 3
        config.actionLimit = 0.8
        var rng = Xoshiro256(seed: seed)
        let a = try S2ACPhiTheta(observationDimension: 5, actionDimension: 3, config: config, using: &rng)
        var batch = ReplayBatch(batchSize: 8, observationDim: 5, actionDim: 3)
        batch.observations = (0..<40).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<40).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<24).map { _ in Float(rng.nextUniform(-0.8, 0.8)) }
        batch.rewards = (0..<8).map { _ in Float(rng.nextGaussian()) }
        return (a, batch)
    }

    /// Compares the two acting paths of `agent` at `states` states from generator `seed`.
    func compare(states s: Tensor<Float>, particles m: Int, dimension d: Int, seed: UInt64, label: String,
                 paths: (inout Xoshiro256, Bool) -> (actions: [Float], q: [Float]),
                 act: (ActionSelection, inout Xoshiro256) -> Tensor<Float>) {
        let b = s.shape[0]
        for selection in [ActionSelection.random, .softmax, .max] {
            var fast = Xoshiro256(seed: seed), graph = fast, acting = fast
            let f = paths(&fast, false), g = paths(&graph, true)
            #expect(f.actions.count == b * m * d && g.actions.count == b * m * d && f.q.count == b * m && g.q.count == b * m)
            let actionError = zip(f.actions, g.actions).map { abs($0 - $1) }.max() ?? .infinity
            let qScale = max(1, f.q.map(abs).max() ?? 1)
            let qError = (zip(f.q, g.q).map { abs($0 - $1) }.max() ?? .infinity) / qScale
            #expect(actionError <= actionTolerance, "\(label) \(selection): particles differ by \(actionError)")
            #expect(qError <= qTolerance, "\(label) \(selection): Q differs by \(qError) relative")
            let pickFast = selectedParticles(q: f.q, states: b, particles: m, selection: selection, using: &fast)
            let pickGraph = selectedParticles(q: g.q, states: b, particles: m, selection: selection, using: &graph)
            #expect(pickFast == pickGraph, "\(label) \(selection): picks \(pickFast) vs \(pickGraph)")
            #expect(fast.next() == graph.next(), "\(label) \(selection): different random draws")
            // `act` is exactly the graph-free sampler and its pick (the same computation, so the same bits).
            let a = act(selection, &acting)
            let expected = pickFast.enumerated().flatMap { i, k in f.actions[((i * m + k) * d)..<((i * m + k + 1) * d)] }
            #expect(a.shape == [b, d] && a.scalars == expected, "\(label) \(selection): act is not the graph-free pick")
        }
    }

    /// The presets, and the paper's sampler at a temperature other than 1 (alpha on the
    /// repulsion and in the squashed score).
    static let presetsAndTemperature: [(String, S2ACConfig)] = [
        ("authors-code", .authorsCode), ("paper", .paper),
        ("paper, temperature 0.5", { var c = S2ACConfig.paper; c.svgdTemperature = 0.5; return c }()),
    ]

    @Test(arguments: presetsAndTemperature)
    func sameActionsAsTheGraphPath(_ preset: (String, S2ACConfig)) throws {
        let (agent, batch) = try agent(preset.1, seed: 41)
        var rng = Xoshiro256(seed: 3)
        for round in 0..<3 {
            // After updates too: the fast path reads the parameters as they are now.
            if round > 0 { _ = agent.update(batch: batch, using: &rng) }
            for states in [1, 4] {
                let s = Tensor<Float>.randomNormal([states, 5], std: 1.5, using: &rng)
                for draw in 0..<4 {
                    compare(states: s, particles: 6, dimension: 3, seed: UInt64(100 * round + 10 * states + draw),
                            label: "\(preset.0) states \(states) round \(round) draw \(draw)",
                            paths: { agent.actingParticles(observations: s, usingGraph: $1, using: &$0) },
                            act: { agent.act(observations: s, selection: $0, using: &$1) })
                }
            }
        }
    }

    @Test(arguments: [("authors-code", S2ACConfig.authorsCode), ("paper", S2ACConfig.paper)])
    func phiSameActionsAsTheGraphPath(_ preset: (String, S2ACConfig)) throws {
        var config = preset.1
        config.criticHidden = [32, 32]; config.particles = 5; config.stepsPhi = 6; config.actionLimit = 0.7
        var rng = Xoshiro256(seed: 8)
        let agent = try S2ACPhi(observationDimension: 4, actionDimension: 2, config: config, using: &rng)
        for states in [1, 3] {
            let s = Tensor<Float>.randomNormal([states, 4], using: &rng)
            compare(states: s, particles: 5, dimension: 2, seed: UInt64(10 * states), label: "\(preset.0) states \(states)",
                    paths: { agent.actingParticles(observations: s, usingGraph: $1, using: &$0) },
                    act: { agent.act(observations: s, selection: $0, using: &$1) })
        }
    }

    /// The acting path's 16-lane ELU gives the bits of the tensor kernel on every value: the
    /// edges of its exp (-87.3, 88.7), zeros of both signs, infinities, NaN, denormals, random
    /// values over the range and random bit patterns, at lengths with and without a tail.
    @Test func laneELUGivesTheBitsOfTheTensorKernel() {
        var values: [Float] = [0, -0.0, 1, -1, .infinity, -.infinity, .nan, -.nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                               -87.3, -87.29999, -87.30001, 88.7, 88.70001, -1e-8, 1e-8, -100, -1e30, .greatestFiniteMagnitude,
                               -.greatestFiniteMagnitude, -0.5, -3.0e-3, -12.25]
        var rng = Xoshiro256(seed: 9)
        values += (0..<50_000).map { _ in Float(rng.nextUniform(-100, 100)) }
        values += (0..<50_000).map { _ in Float(rng.nextUniform(-8, 2)) }
        values += (0..<50_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        for n in [values.count, values.count - 7, 15, 16, 17, 3] {
            let input = Array(values.prefix(n))
            var lanes = input, scalar = input
            lanes.withUnsafeMutableBufferPointer { eluInPlace($0.baseAddress!, count: n) }
            scalar.withUnsafeMutableBufferPointer { Float.unary(.elu, $0.baseAddress!, $0.baseAddress!, n, 1, 0) }
            let differ = zip(lanes, scalar).filter { $0.bitPattern != $1.bitPattern }.count
            #expect(differ == 0, "\(differ) of \(n) values differ")
        }
    }
}
