import Testing
import S2ACCore

@Suite struct RandomTests {
    @Test func xoshiroMatchesReferenceOutput() throws {
        // Reference: xoshiro256starstar.c (Blackman & Vigna) started from state {1, 2, 3, 4}.
        var g = try Xoshiro256(state: [1, 2, 3, 4])
        let expected: [UInt64] = [11520, 0, 1509978240, 1215971899390074240]
        #expect((0..<4).map { _ in g.next() } == expected)
    }

    @Test func sameSeedSameBits() {
        let a = SeedTree(seed: 42), b = SeedTree(seed: 42)
        for name in StreamName.allCases {
            var x = a.stream(name), y = b.stream(name)
            #expect((0..<100).map { _ in x.next() } == (0..<100).map { _ in y.next() })
        }
        var g1 = a.stream(.particleInit), g2 = b.stream(.particleInit)
        var u = [Double](repeating: 0, count: 101), v = u
        g1.fillGaussian(&u)
        g2.fillGaussian(&v)
        #expect(u.map(\.bitPattern) == v.map(\.bitPattern))
    }

    @Test func streamsAreDistinct() {
        let t = SeedTree(seed: 1)
        var firsts = Set<UInt64>()
        for name in StreamName.allCases {
            for i in 0..<4 as Range<UInt64> { var g = t.stream(name, index: i); firsts.insert(g.next()) }
        }
        #expect(firsts.count == StreamName.allCases.count * 4)
        var s1 = SeedTree(seed: 1).stream(.minibatch), s2 = SeedTree(seed: 2).stream(.minibatch)
        #expect(s1.next() != s2.next())
    }

    @Test func stateRoundTrips() throws {
        var g = SeedTree(seed: 9).stream(.exploration)
        _ = g.next()
        var h = try Xoshiro256(state: g.state)
        #expect(g.next() == h.next())
        #expect(throws: RandomError.self) { _ = try Xoshiro256(state: [0, 0, 0, 0]) }
    }

    @Test func gaussianMoments() {
        var g = SeedTree(seed: 3).stream(.bootstrap)
        var x = [Double](repeating: 0, count: 200_000)
        g.fillGaussian(&x, mean: 1, std: 2)
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1)
        // Standard errors: 2/sqrt(n) = 0.0045 for the mean, about 4*sqrt(2/n) = 0.0127 for the variance.
        #expect(abs(mean - 1) < 0.03)
        #expect(abs(variance - 4) < 0.08)
    }

    @Test func indexIsUniform() {
        var g = SeedTree(seed: 5).stream(.minibatch)
        var counts = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { counts[g.nextIndex(7)] += 1 }
        // Expected 10000 each; binomial sd about 93.
        #expect(counts.allSatisfy { abs($0 - 10_000) < 500 })
    }
}
