import Foundation

/// One entropy run of Sec. 4.1: m particles drawn from `q^0 = N(initialMean * 1, initialVariance * I)`
/// (the paper's and the notebook's second argument is a covariance), moved L steps by one sampler.
public struct EntropyRunSpec: Sendable {
    public var target: any Target
    public var initialMean: Double
    public var initialVariance: Double
    public var sampler: SamplerSettings
    public var particles: Int
    public var steps: Int

    public init(target: any Target, initialMean: Double, initialVariance: Double, sampler: SamplerSettings,
                particles: Int, steps: Int) {
        self.target = target; self.initialMean = initialMean; self.initialVariance = initialVariance
        self.sampler = sampler; self.particles = particles; self.steps = steps
    }

    /// Relative cost, for progress estimates and load balancing: pairwise work m^2 d per step,
    /// plus m^2 d^2 + m d^3 when the exact Jacobians are assembled.
    public var cost: Double {
        let m = Double(particles), d = Double(target.dimension), l = Double(max(steps, 1))
        let pairs = sampler.kind == .svgd ? m * m * d : m * d * d
        let exact = sampler.exactLogDeterminant ? (sampler.kind == .svgd ? m * m * d * d : 0) + m * d * d * d / 3 : 0
        return l * (pairs + exact) + m * d
    }
}

/// What one run keeps: the particles before and after, the entropy estimates after every
/// step (index 0 is q^0 itself, where all four agree) and the kernel's sigma at every SVGD step.
public struct EntropyRunResult: Sendable {
    public var initialParticles: [Double]
    public var finalParticles: [Double]
    public var entropyByStep: [EntropyEstimates]
    public var sigmaByStep: [Double]
    public var final: EntropyEstimates { entropyByStep[entropyByStep.count - 1] }
}

/// Runs one spec. `rng` draws the initial particles, then SGLD noise or HMC momenta.
public func runEntropyExperiment(_ spec: EntropyRunSpec, using rng: inout Xoshiro256) throws -> EntropyRunResult {
    let d = spec.target.dimension, m = spec.particles
    guard m >= 2 else { throw InputError("an entropy run needs at least 2 particles, got \(m)") }
    guard spec.steps >= 0 else { throw InputError("the number of steps must be >= 0, got \(spec.steps)") }
    guard spec.initialVariance > 0 else { throw InputError("the initial variance must be positive, got \(spec.initialVariance)") }
    guard spec.sampler.stepSize > 0 else { throw InputError("the step size must be positive, got \(spec.sampler.stepSize)") }
    let q0 = try Gaussian(mean: [Double](repeating: spec.initialMean, count: d), std: spec.initialVariance.squareRoot())
    var initial = [Double](repeating: 0, count: m * d)
    var logQ0 = [Double](repeating: 0, count: m)
    initial.withUnsafeMutableBufferPointer { x in
        for i in 0..<m {
            q0.sample(into: x.baseAddress! + i * d, using: &rng)
            logQ0[i] = q0.logDensity(x.baseAddress! + i * d)
        }
    }
    let sampler = ParticleSampler(target: spec.target, settings: spec.sampler, initial: initial,
                                  initialLogDensity: logQ0, using: &rng)
    var byStep = [sampler.entropyEstimates()]
    var sigmas: [Double] = []
    byStep.reserveCapacity(spec.steps + 1)
    for _ in 0..<spec.steps {
        sampler.step(using: &rng)
        byStep.append(sampler.entropyEstimates())
        sigmas.append(sampler.lastSigma)
    }
    return EntropyRunResult(initialParticles: initial, finalParticles: sampler.particles, entropyByStep: byStep, sigmaByStep: sigmas)
}
