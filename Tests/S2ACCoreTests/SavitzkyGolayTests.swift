import Foundation
import Testing
import S2ACCore

/// Fixtures/savgol.json, written by scripts/reference/savgol_fixture.py with scipy's
/// `savgol_filter(x, window, polyorder)` (mode 'interp').
struct SavitzkyGolayFixture: Decodable {
    struct Case: Decodable { let window: Int, order: Int, kind: String, x: [Double], y: [Double] }
    struct Refused: Decodable {
        let length: Int, window: Int, order: Int
        let scipyMessage: String
        enum CodingKeys: String, CodingKey { case length, window, order, scipyMessage = "scipy_message" }
    }
    let scipy: String
    let cases: [Case]
    let refused: [Refused]

    static func load() throws -> SavitzkyGolayFixture {
        guard let url = Bundle.module.url(forResource: "savgol", withExtension: "json", subdirectory: "Fixtures") else {
            throw InputError("fixture savgol.json missing; see scripts/reference/README.md")
        }
        return try JSONDecoder().decode(SavitzkyGolayFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct SavitzkyGolayTests {
    /// Every case of the fixture to 1e-12 of the series' largest magnitude: windows 3, 4, 7, 10
    /// and 11, orders 1-3, series as long as the window, one longer, and longer.
    @Test func matchesScipy() throws {
        let f = try SavitzkyGolayFixture.load()
        var worst = 0.0, lengths = Set<String>()
        for c in f.cases {
            let y = try savitzkyGolay(c.x, window: c.window, order: c.order)
            let scale = c.x.map(abs).max()!
            let deviation = zip(y, c.y).map { abs($0 - $1) }.max()! / scale
            worst = max(worst, deviation)
            #expect(y.count == c.y.count)
            #expect(deviation <= 1e-12, "window \(c.window) order \(c.order) \(c.kind) n \(c.x.count): \(deviation)")
            lengths.insert(c.x.count == c.window ? "equal" : "longer")
        }
        let windows = Set(f.cases.map(\.window))
        #expect(windows.contains(10) && windows.contains { $0 % 2 == 1 } && lengths == ["equal", "longer"])
        print("savgol: \(f.cases.count) cases against scipy \(f.scipy), max |ours - scipy| / max|x| = \(worst)")
    }

    /// What scipy refuses (a series shorter than the window in mode 'interp', an order not below
    /// the window) is refused with an `InputError`, never a crash.
    @Test func refusesWhatScipyRefuses() throws {
        let f = try SavitzkyGolayFixture.load()
        #expect(!f.refused.isEmpty)
        for r in f.refused {
            let x = (0..<r.length).map { Double($0) }
            #expect(throws: InputError.self, "n \(r.length) window \(r.window) order \(r.order): scipy says \(r.scipyMessage)") {
                try savitzkyGolay(x, window: r.window, order: r.order)
            }
        }
        #expect(throws: InputError.self) { try savitzkyGolay([1, 2, 3], window: 0, order: 0) }
        #expect(throws: InputError.self) { try savitzkyGolay([1, 2, 3], window: 3, order: -1) }
        #expect(throws: InputError.self) { try savitzkyGolay([1, .nan, 3, 4], window: 3, order: 1) }
        #expect(throws: InputError.self) { try savitzkyGolay([1, 2, .infinity, 4], window: 3, order: 1) }
    }

    /// Properties of the definition: a polynomial of degree <= order comes back unchanged, except
    /// that an even window's interior reads it half a sample ahead; orders 2k and 2k + 1 agree
    /// away from the edges; orders 0 and 1 are the moving average there; Fig 8's setting is
    /// window 10, order 2.
    @Test func polynomialsAreKeptAndOddOrdersAddNothingInside() throws {
        let n = 40
        func cubic(_ u: Double) -> Double { 2 - 0.5 * u + 0.01 * u * u - 0.0004 * u * u * u }
        let x = (0..<n).map { cubic(Double($0)) }
        for window in [4, 5, 10, 11] {
            let y = try savitzkyGolay(x, window: window, order: 3)
            let half = window / 2, ahead = window % 2 == 0 ? 0.5 : 0
            for i in 0..<n {
                let inside = i >= half && i < n - half
                let expected = cubic(Double(i) + (inside ? ahead : 0))
                #expect(abs(y[i] - expected) <= 1e-12 * 30, "window \(window) i \(i): \(y[i]) vs \(expected)")
            }
        }
        var g = SeedTree(seed: 3).stream(.exploration)
        let noise = (0..<n).map { _ in g.nextUniform() }
        for window in [5, 10] {
            let half = window / 2, shift = window % 2 == 0 ? 1 : 0
            let y0 = try savitzkyGolay(noise, window: window, order: 0), y1 = try savitzkyGolay(noise, window: window, order: 1)
            let y2 = try savitzkyGolay(noise, window: window, order: 2), y3 = try savitzkyGolay(noise, window: window, order: 3)
            for i in half..<(n - half) {
                let mean = noise[(i - half + shift)..<(i - half + shift + window)].reduce(0, +) / Double(window)
                #expect(abs(y0[i] - mean) <= 1e-14 && abs(y1[i] - mean) <= 1e-14, "window \(window) i \(i)")
                #expect(abs(y2[i] - y3[i]) <= 1e-14, "window \(window) i \(i)")
            }
        }
        #expect(Fig8Smoothing.window == 10 && Fig8Smoothing.order == 2)
    }
}
