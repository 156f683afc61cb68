import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): used only to expand a 64-bit seed into generator
/// state and to derive independent stream seeds.
@inlinable
func splitMix64(_ x: inout UInt64) -> UInt64 {
    x &+= 0x9E37_79B9_7F4A_7C15
    var z = x
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

/// xoshiro256** (Blackman & Vigna 2018): the suite's only source of randomness in experiments.
/// A value type whose whole state is four words, so checkpoints can save and restore it exactly.
public struct Xoshiro256: RandomNumberGenerator, Equatable, Sendable {
    @usableFromInline var s0, s1, s2, s3: UInt64

    /// Seeds the generator by running SplitMix64 from `seed`, as the xoshiro authors recommend.
    public init(seed: UInt64) {
        var x = seed
        s0 = splitMix64(&x); s1 = splitMix64(&x); s2 = splitMix64(&x); s3 = splitMix64(&x)
    }

    /// Restores a generator from `state` (four words, as returned by `state`).
    public init(state: [UInt64]) throws {
        guard state.count == 4, state.contains(where: { $0 != 0 }) else {
            throw RandomError.invalidState("a generator state needs four words, not all zero; got \(state.count)")
        }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
    }

    /// The full generator state, for checkpoints.
    public var state: [UInt64] { [s0, s1, s2, s3] }

    @inlinable
    public mutating func next() -> UInt64 {
        let result = ((s1 &* 5) << 7 | (s1 &* 5) >> 57) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = (s3 << 45) | (s3 >> 19)
        return result
    }
}

public enum RandomError: Error, CustomStringConvertible {
    case invalidState(String)
    public var description: String {
        switch self { case .invalidState(let m): return m }
    }
}

/// The named streams of an experiment. Each one is an independent generator derived from the
/// run's seed, so changing how often one part of a program draws never shifts another part.
public enum StreamName: String, CaseIterable, Sendable {
    case networkInit = "network-init"
    case envReset = "env-reset"
    case exploration
    case minibatch
    case particleInit = "particle-init"
    case evaluation
    case bootstrap
    case target
}

/// One seed, many independent streams: `SeedTree(seed: 7).stream(.minibatch)`.
/// A stream is identified by its name and an index (for example one per environment or per
/// seed of a sweep); the same (seed, name, index) always gives the same generator.
public struct SeedTree: Sendable, Equatable {
    public let seed: UInt64

    public init(seed: UInt64) { self.seed = seed }

    public func stream(_ name: StreamName, index: UInt64 = 0) -> Xoshiro256 {
        stream(named: name.rawValue, index: index)
    }

    /// A stream by free-form name (FNV-1a of the UTF-8 bytes, mixed with the seed and index).
    public func stream(named name: String, index: UInt64 = 0) -> Xoshiro256 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in name.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        var x = seed
        let a = splitMix64(&x)
        var y = a ^ h
        let b = splitMix64(&y)
        var z = b ^ (index &* 0xD6E8_FEB8_6659_FD93)
        return Xoshiro256(seed: splitMix64(&z))
    }

    /// A child tree, for experiments that run several independent sub-runs from one seed.
    public func child(_ index: UInt64) -> SeedTree {
        var g = stream(named: "child", index: index)
        return SeedTree(seed: g.next())
    }
}

extension RandomNumberGenerator {
    /// Uniform in [0, 1) with 53 random bits.
    @inlinable
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// Uniform in [0, 1) with 24 random bits.
    @inlinable
    public mutating func nextUniformFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// Uniform in [low, high).
    @inlinable
    public mutating func nextUniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * nextUniform()
    }

    /// An integer uniform in 0..<n without modulo bias (Lemire's method).
    @inlinable
    public mutating func nextIndex(_ n: Int) -> Int {
        precondition(n > 0, "nextIndex needs a positive bound")
        let bound = UInt64(n)
        var m = next().multipliedFullWidth(by: bound)
        if m.low < bound {
            let threshold = (0 &- bound) % bound
            while m.low < threshold { m = next().multipliedFullWidth(by: bound) }
        }
        return Int(m.high)
    }

    /// A pair of independent standard normals (Box-Muller on 53-bit uniforms). The pair form
    /// keeps no hidden state, so a generator's four words are its whole state.
    @inlinable
    public mutating func nextGaussianPair() -> (Double, Double) {
        let u1 = 1.0 - nextUniform()  // (0, 1]: log never sees 0
        let u2 = nextUniform()
        let r = (-2.0 * Foundation.log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        return (r * Foundation.cos(theta), r * Foundation.sin(theta))
    }

    /// One standard normal (uses a Box-Muller pair and discards the second value).
    @inlinable
    public mutating func nextGaussian() -> Double { nextGaussianPair().0 }

    /// Fills `values` with N(mean, std^2) values, two per Box-Muller pair.
    public mutating func fillGaussian(_ values: inout [Double], mean: Double = 0, std: Double = 1) {
        values.withUnsafeMutableBufferPointer { fillGaussian($0, mean: mean, std: std) }
    }

    /// Fills `values` with N(mean, std^2) values computed in Double and rounded to Float.
    public mutating func fillGaussian(_ values: inout [Float], mean: Float = 0, std: Float = 1) {
        values.withUnsafeMutableBufferPointer { fillGaussian($0, mean: mean, std: std) }
    }

    /// Fills `values` with uniform values in [low, high).
    public mutating func fillUniform(_ values: inout [Double], low: Double = 0, high: Double = 1) {
        values.withUnsafeMutableBufferPointer { fillUniform($0, low: low, high: high) }
    }

    /// Fills `values` with uniform values in [low, high), computed in Double and rounded.
    public mutating func fillUniform(_ values: inout [Float], low: Float = 0, high: Float = 1) {
        values.withUnsafeMutableBufferPointer { fillUniform($0, low: low, high: high) }
    }

    /// Fills `buffer` with N(mean, std^2) values, two per Box-Muller pair (the kernel behind
    /// the array form, for callers filling part of a larger buffer).
    @inlinable
    mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Double>, mean: Double = 0, std: Double = 1) {
        var i = 0
        let n = buffer.count
        while i + 1 < n {
            let (a, b) = nextGaussianPair()
            buffer[i] = mean + std * a; buffer[i + 1] = mean + std * b
            i += 2
        }
        if i < n { buffer[i] = mean + std * nextGaussianPair().0 }
    }

    /// Fills `buffer` with N(mean, std^2) values computed in Double and rounded to Float.
    @inlinable
    mutating func fillGaussian(_ buffer: UnsafeMutableBufferPointer<Float>, mean: Float = 0, std: Float = 1) {
        var i = 0
        let n = buffer.count
        while i + 1 < n {
            let (a, b) = nextGaussianPair()
            buffer[i] = Float(Double(mean) + Double(std) * a)
            buffer[i + 1] = Float(Double(mean) + Double(std) * b)
            i += 2
        }
        if i < n { buffer[i] = Float(Double(mean) + Double(std) * nextGaussianPair().0) }
    }

    /// Fills `buffer` with uniform values in [low, high).
    @inlinable
    mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Double>, low: Double = 0, high: Double = 1) {
        for i in 0..<buffer.count { buffer[i] = low + (high - low) * nextUniform() }
    }

    /// Fills `buffer` with uniform values in [low, high), computed in Double and rounded.
    @inlinable
    mutating func fillUniform(_ buffer: UnsafeMutableBufferPointer<Float>, low: Float = 0, high: Float = 1) {
        for i in 0..<buffer.count { buffer[i] = Float(Double(low) + Double(high - low) * nextUniform()) }
    }
}

/// Standard-normal noise [rows, d] in Float.
func gaussianNoise(rows: Int, dimension d: Int, using rng: inout Xoshiro256) -> [Float] {
    var out = [Float](repeating: 0, count: rows * d)
    out.withUnsafeMutableBufferPointer { rng.fillGaussian($0) }
    return out
}
