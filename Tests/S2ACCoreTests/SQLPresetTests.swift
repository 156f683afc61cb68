import Foundation
import Testing
import S2ACCore

/// SQL's presets against the formulas they cite: the `paper` preset's soft value is importance
/// sampled from uniform draws on the action box (Haarnoja et al.'s softqlearning), so the target
/// is r + gamma V(s') with V(s') = alpha logsumexp_j(minQ'(s', a'_j) / alpha) + alpha (d log(2L) - log m),
/// a'_j = L (2 xi_j - 1), whatever the sampler; `authors-code` takes the sampler's particles.
@Suite struct SQLPresetTests {
    @Test(arguments: ["paper", "authors-code"])
    func softValueSamples(_ preset: String) throws {
        var config = preset == "paper" ? SQLConfig.paper(envID: "Multigoal") : SQLConfig.authorsCode
        config.criticHidden = [16, 16]; config.actorHidden = [16, 16]; config.particles = 5; config.alphaCritic = 0.7
        let (obs, d, m, b, limit): (Int, Int, Int, Int, Float) = (3, 2, 5, 4, 0.9)
        var rng = Xoshiro256(seed: 12)
        let sql = try SQL(observationDimension: obs, actionDimension: d, actionLimit: limit, config: config, using: &rng)
        var batch = ReplayBatch(batchSize: b, observationDim: obs, actionDim: d)
        batch.observations = (0..<(b * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.nextObservations = (0..<(b * obs)).map { _ in Float(rng.nextGaussian()) }
        batch.actions = (0..<(b * d)).map { _ in Float(rng.nextUniform(-0.9, 0.9)) }
        batch.rewards = (0..<b).map { _ in Float(rng.nextGaussian()) }
        batch.terminated = [0, 1, 0, 0]
        let noise = { (0..<(b * m * d)).map { _ in rng.nextUniformFloat() } }
        let next = noise(), fixed = noise(), moved = noise()
        // The expected target from the uniform draws, before the update changes the critics.
        var expected: [Double] = []
        let alpha = config.alphaCritic
        for i in 0..<b {
            let s = Tensor((0..<m).flatMap { _ in batch.nextObservations[(i * obs)..<((i + 1) * obs)] }, shape: [m, obs])
            let a = Tensor((0..<(m * d)).map { limit * (2 * next[i * m * d + $0] - 1) }, shape: [m, d])
            let q = withNoGrad { sql.critics.target1(s, a).minimum(sql.critics.target2(s, a)).scalars.map(Double.init) }
            let top = q.map { $0 / alpha }.max()!
            let lse = top + Foundation.log(q.map { Foundation.exp($0 / alpha - top) }.reduce(0, +))
            let v = alpha * lse + alpha * (Double(d) * Foundation.log(2 * Double(limit)) - Foundation.log(Double(m)))
            expected.append(Double(batch.rewards[i]) + config.gamma * (1 - Double(batch.terminated[i])) * v)
        }
        let t = sql.update(batch: batch, nextNoise: next, fixedNoise: fixed, movedNoise: moved)
        let error = relativeError(t.target, expected)
        if preset == "paper" {
            #expect(error < 1e-6, "paper: the target from uniform value samples, relative error \(error)")
        } else {
            #expect(error > 1e-3, "authors-code: the target from the sampler's particles differs from the uniform one")
        }
    }
}
