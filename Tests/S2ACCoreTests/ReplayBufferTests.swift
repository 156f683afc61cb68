import Foundation
import S2ACCore
import Testing

@Suite struct ReplayBufferTests {
    private func filled(_ n: Int, capacity: Int) -> ReplayBuffer {
        var buffer = ReplayBuffer(capacity: capacity, observationDim: 2, actionDim: 1)
        for i in 0..<n {
            let x = Float(i)
            buffer.add(observation: [x, -x], action: [x / 10], reward: x, nextObservation: [x + 1, -x - 1],
                       terminated: i % 5 == 4, truncated: i % 7 == 6)
        }
        return buffer
    }

    @Test func ringOverwritesOldest() {
        let b = filled(13, capacity: 10)
        #expect(b.count == 10 && b.position == 3)
        var batch = ReplayBatch(batchSize: 200, observationDim: 2, actionDim: 1)
        var rng = SeedTree(seed: 1).stream(.minibatch)
        b.sample(into: &batch, using: &rng)
        // Rows 0-2 now hold transitions 10-12; transitions 0-2 are gone.
        #expect(Set(batch.rewards).isSubset(of: Set((3..<13).map(Float.init))))
        #expect(Set(batch.rewards).count == 10)  // 200 draws from 10 rows hit them all
        for k in 0..<batch.batchSize {
            let r = batch.rewards[k]
            #expect(batch.observations[2 * k] == r && batch.nextObservations[2 * k + 1] == -r - 1)
            #expect(batch.terminated[k] == (Int(r) % 5 == 4 ? 1 : 0))
            #expect(batch.truncated[k] == (Int(r) % 7 == 6 ? 1 : 0))
        }
    }

    @Test func seededSamplingIsReproducible() {
        let b = filled(50, capacity: 100)
        var x = ReplayBatch(batchSize: 32, observationDim: 2, actionDim: 1), y = x
        var g1 = SeedTree(seed: 8).stream(.minibatch), g2 = SeedTree(seed: 8).stream(.minibatch)
        b.sample(into: &x, using: &g1)
        b.sample(into: &y, using: &g2)
        #expect(x.indices == y.indices && x.observations == y.observations)
    }

    @Test func truncationBootstrapsTerminationDoesNot() {
        let gamma: Float = 0.99, next: Float = 10
        #expect(bellmanTarget(reward: 1, terminated: 0, nextValue: next, gamma: gamma) == 1 + gamma * next)
        // A time-limit cut stores truncated = 1, terminated = 0: still bootstraps.
        let b = filled(7, capacity: 10)
        var batch = ReplayBatch(batchSize: 64, observationDim: 2, actionDim: 1)
        var rng = SeedTree(seed: 2).stream(.minibatch)
        b.sample(into: &batch, using: &rng)
        for k in 0..<64 {
            let t = bellmanTarget(reward: batch.rewards[k], terminated: batch.terminated[k], nextValue: next, gamma: gamma)
            if batch.rewards[k] == 4 { #expect(t == 4) }                       // terminated
            if batch.rewards[k] == 6 { #expect(t == 6 + gamma * next) }        // truncated
        }
    }

    @Test func checkpointRoundTrip() throws {
        let folder = makeTemporaryFolder("replay")
        let b = filled(13, capacity: 10)
        do {
            let f = try HDF5File.create(at: folder + "/r.h5")
            try b.save(to: try f.root.createGroup("replay"))
        }
        var restored = ReplayBuffer(capacity: 10, observationDim: 2, actionDim: 1)
        try restored.load(from: try HDF5File.open(at: folder + "/r.h5").root.group("replay"))
        #expect(restored.count == b.count && restored.position == b.position)
        var x = ReplayBatch(batchSize: 40, observationDim: 2, actionDim: 1), y = x
        var g1 = SeedTree(seed: 4).stream(.minibatch), g2 = g1
        b.sample(into: &x, using: &g1)
        restored.sample(into: &y, using: &g2)
        #expect(x.observations == y.observations && x.rewards == y.rewards && x.truncated == y.truncated)
        var wrong = ReplayBuffer(capacity: 20, observationDim: 2, actionDim: 1)
        #expect(throws: InputError.self) { try wrong.load(from: try HDF5File.open(at: folder + "/r.h5").root.group("replay")) }
    }
}
