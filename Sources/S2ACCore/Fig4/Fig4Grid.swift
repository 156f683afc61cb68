import CBLAS
import Dispatch
import Foundation

/// Which numbers an entropy experiment uses where the paper and the authors' code differ
/// (REFERENCE.md sections 1, 2, 6).
public enum Fig4Config: String, CaseIterable, Sendable, Codable {
    /// Table 2: eps 0.5, L 200, m 200, sigma 5; target N([-0.69, 0.80], [[1.13, 0.82], [0.82, 3.39]]);
    /// SGLD noise sqrt(2 eps) (the Langevin step whose noise-free part is DLD).
    case paper
    /// The notebook `ToyExperiments.ipynb`: m 20, L 30 / 20 / 20 / 15 (SVGD / SGLD / DLD / HMC;
    /// SVGD L 100 from the second start), eps 0.5, "forth" bandwidth, its rounded target
    /// (mean (-0.6871, 0.8010), covariance 5 [[0.2260, 0.1652], [0.1652, 0.6779]]), SGLD noise
    /// `2 sqrt(eps) N(0, 0.05 I)`.
    case authorsCode = "authors-code"
}

/// An initial distribution `N(mean * 1, variance * I)` (Table 2; the notebook's `sigma_init`
/// is a covariance).
public struct Fig4Start: Sendable, Codable, Equatable {
    public var name: String
    public var mean: Double
    public var variance: Double
    public static let wide = Fig4Start(name: "N(0,6I)", mean: 0, variance: 6)
    public static let narrow = Fig4Start(name: "N(4,0.2I)", mean: 4, variance: 0.2)
}

/// What identifies one run in the tables (the CSV columns of `Fig4Tables`).
public struct Fig4RunInfo: Sendable, Codable, Equatable {
    /// `4a`, `4b`, `4c` (mixtures with M components) or `10` (Gaussians of growing std).
    public var figure: String
    public var sampler: SamplerKind
    public var config: Fig4Config
    public var start: String
    public var bandwidth: String
    public var stepSize: Double
    public var particles: Int
    public var steps: Int
    public var dimension: Int
    /// Mixture components (4c, 10); nil for the Fig 4a/4b Gaussian.
    public var components: Int?
    /// Component std (4c, 10); nil for the Fig 4a/4b Gaussian.
    public var std: Double?
    public var seed: Int
    /// A short description of the target.
    public var target: String
    public var noiseStd: Double?
    public var momentumStd: Double?
    /// `full` or `quick` (the reduced grid of `make fig4 QUICK=1`).
    public var budget: String = "full"
}

/// One configuration of a grid: its run spec, its identity and the index of its random stream.
public struct Fig4Job: Sendable {
    public var info: Fig4RunInfo
    public var spec: EntropyRunSpec
    /// The run draws from `SeedTree(seed: info.seed).stream(.particleInit, index: streamIndex)`.
    public var streamIndex: UInt64
    public var groundTruth: GroundTruthEntropy
}

/// A finished run.
public struct Fig4Record: Sendable {
    public var info: Fig4RunInfo
    public var target: any Target
    public var groundTruth: GroundTruthEntropy
    public var result: EntropyRunResult
}

/// The grids of Fig 4a, 4b/9 and 4c/10 (issue 3; REFERENCE.md section 6).
public enum Fig4Grid {
    /// Table 2's target.
    public static func paperTarget() -> Gaussian {
        try! Gaussian(mean: [-0.69, 0.80], covariance: [1.13, 0.82, 0.82, 3.39])
    }
    /// The notebook's target (`dist_type = 'gauss'`).
    public static func notebookTarget() -> Gaussian {
        try! Gaussian(mean: [-0.6871, 0.8010], covariance: [5 * 0.2260, 5 * 0.1652, 5 * 0.1652, 5 * 0.6779])
    }

    static func target(for config: Fig4Config) -> (Gaussian, String) {
        switch config {
        case .paper: return (paperTarget(), "N([-0.69,0.80],[[1.13,0.82],[0.82,3.39]])")
        case .authorsCode: return (notebookTarget(), "N([-0.6871,0.8010],5[[0.2260,0.1652],[0.1652,0.6779]])")
        }
    }

    static func exact(_ t: any Target) -> GroundTruthEntropy {
        GroundTruthEntropy(value: t.exactEntropy!, standardError: 0, samples: 0)
    }

    /// Fig 4a: the four samplers from both starts, in one configuration.
    public static func fig4a(config: Fig4Config, seed: Int, exactLogDeterminant: Bool = true) -> [Fig4Job] {
        let (target, name) = target(for: config)
        let eps = 0.5
        var jobs: [Fig4Job] = []
        for (s, start) in [Fig4Start.wide, .narrow].enumerated() {
            for kind in SamplerKind.allCases {
                let m: Int, steps: Int, bandwidth: Bandwidth, noise: Double
                switch config {
                case .paper:
                    m = 200; steps = 200; bandwidth = .fixed(5); noise = (2 * eps).squareRoot()
                case .authorsCode:
                    m = 20; bandwidth = .forth; noise = 2 * eps.squareRoot() * 0.05.squareRoot()
                    switch kind {
                    case .svgd: steps = s == 0 ? 30 : 100
                    case .sgld, .dld: steps = 20
                    case .hmc: steps = 15
                    }
                }
                let settings = SamplerSettings(kind: kind, stepSize: eps, bandwidth: bandwidth, noiseStd: noise,
                                               momentumStd: 1, exactLogDeterminant: exactLogDeterminant)
                let info = Fig4RunInfo(figure: "4a", sampler: kind, config: config, start: start.name,
                                       bandwidth: kind == .svgd ? bandwidth.description : "", stepSize: eps,
                                       particles: m, steps: steps, dimension: 2, components: nil, std: nil, seed: seed,
                                       target: name, noiseStd: kind == .sgld ? noise : nil, momentumStd: kind == .hmc ? 1 : nil)
                // Every sampler from one start gets the same initial particles (same stream), as in the notebook.
                jobs.append(Fig4Job(info: info,
                                    spec: EntropyRunSpec(target: target, initialMean: start.mean, initialVariance: start.variance,
                                                         sampler: settings, particles: m, steps: steps),
                                    streamIndex: UInt64(s), groundTruth: exact(target)))
            }
        }
        return jobs
    }

    /// The kernel sigmas and (m, L) pairs of Fig 4b and 9.
    public static let sweepSigmas: [Double] = [0.1, 1, 3, 5, 7, 10, 100]
    public static let sweepParticlesSteps: [(Int, Int)] = [(10, 20), (20, 20), (100, 100), (200, 200)]

    /// Fig 4b and 9: SVGD with a fixed sigma on the Fig 4a target (Table 2 lists it for 4a-4b),
    /// every sigma x (m, L) x start.
    public static func fig4b(config: Fig4Config, seed: Int, sigmas: [Double] = sweepSigmas,
                             particlesSteps: [(Int, Int)] = sweepParticlesSteps, exactLogDeterminant: Bool = true) -> [Fig4Job] {
        let (target, name) = target(for: config)
        var jobs: [Fig4Job] = []
        for (s, start) in [Fig4Start.wide, .narrow].enumerated() {
            for (p, (m, steps)) in particlesSteps.enumerated() {
                for sigma in sigmas {
                    let settings = SamplerSettings(kind: .svgd, stepSize: 0.5, bandwidth: .fixed(sigma),
                                                   exactLogDeterminant: exactLogDeterminant)
                    let info = Fig4RunInfo(figure: "4b", sampler: .svgd, config: config, start: start.name,
                                           bandwidth: Bandwidth.fixed(sigma).description, stepSize: 0.5, particles: m,
                                           steps: steps, dimension: 2, components: nil, std: nil, seed: seed, target: name,
                                           noiseStd: nil, momentumStd: nil)
                    // One stream per (start, m, L): the sigmas of a column start from the same particles.
                    jobs.append(Fig4Job(info: info,
                                        spec: EntropyRunSpec(target: target, initialMean: start.mean, initialVariance: start.variance,
                                                             sampler: settings, particles: m, steps: steps),
                                        streamIndex: UInt64(s * 16 + p), groundTruth: exact(target)))
                }
            }
        }
        return jobs
    }

    public static let mixtureComponents = [1, 2, 4, 6]
    public static let gaussianStds = [0.5, 1, 2, 5]
    public static let dimensions = [2, 10, 20, 100]
    public static let particlesSteps: [(Int, Int)] = [(10, 10), (10, 20), (200, 200)]

    /// Fig 4c and 10: SVGD ("forth" bandwidth, eps 0.5, q0 N(0, 6I), as the notebook) on
    /// mixtures of M components (std 1) and on single Gaussians of growing std, both on the
    /// circle of radius 4 (extra mean coordinates uniform in [-1, 1), drawn per seed from the
    /// `.target` stream). Ground truth: exact for one component, else a Monte Carlo of
    /// `monteCarloSamples` draws (from the `.evaluation` stream), computed on `threads` threads.
    public static func fig4c(seeds: [Int], dimensions: [Int] = dimensions, components: [Int] = mixtureComponents,
                             stds: [Double] = gaussianStds, particlesSteps: [(Int, Int)] = particlesSteps,
                             monteCarloSamples: Int, threads: Int, exactLogDeterminant: Bool = true) throws -> [Fig4Job] {
        struct TargetKey: Sendable { var figure: String; var components: Int; var std: Double; var dim: Int; var seed: Int; var index: UInt64 }
        var keys: [TargetKey] = []
        for seed in seeds {
            for (di, dim) in dimensions.enumerated() {
                for (ci, c) in components.enumerated() {
                    keys.append(TargetKey(figure: "4c", components: c, std: 1, dim: dim, seed: seed, index: UInt64(di * 64 + ci)))
                }
                for (si, std) in stds.enumerated() {
                    keys.append(TargetKey(figure: "10", components: 1, std: std, dim: dim, seed: seed, index: UInt64(di * 64 + 32 + si)))
                }
            }
        }
        let targets: [GaussianMixture] = try keys.map { k in
            var rng = SeedTree(seed: UInt64(k.seed)).stream(.target, index: k.index)
            return try GaussianMixture.circle(components: k.components, dimension: k.dim, std: k.std, using: &rng)
        }
        let targetKeys = keys
        let truths = ResultSlots<GroundTruthEntropy>(count: keys.count)
        let order = keys.indices.sorted { targets[$0].components * targets[$0].dimension > targets[$1].components * targets[$1].dimension }
        parallelFor(order.count, threads: threads) { n in
            let k = order[n]
            var rng = SeedTree(seed: UInt64(targetKeys[k].seed)).stream(.evaluation, index: targetKeys[k].index)
            let t = targets[k]
            truths[k] = t.exactEntropy.map { GroundTruthEntropy(value: $0, standardError: 0, samples: 0) }
                ?? t.projectedMonteCarloEntropy(samples: monteCarloSamples, using: &rng)
        }
        var jobs: [Fig4Job] = []
        for (k, key) in keys.enumerated() {
            for (p, (m, steps)) in particlesSteps.enumerated() {
                let settings = SamplerSettings(kind: .svgd, stepSize: 0.5, bandwidth: .forth, exactLogDeterminant: exactLogDeterminant)
                let info = Fig4RunInfo(figure: key.figure, sampler: .svgd, config: .authorsCode, start: Fig4Start.wide.name,
                                       bandwidth: Bandwidth.forth.description, stepSize: 0.5, particles: m, steps: steps,
                                       dimension: key.dim, components: key.components, std: key.std, seed: key.seed,
                                       target: "GMM(M=\(key.components),std=\(key.std),radius 4)", noiseStd: nil, momentumStd: nil)
                jobs.append(Fig4Job(info: info,
                                    spec: EntropyRunSpec(target: targets[k], initialMean: 0, initialVariance: 6,
                                                         sampler: settings, particles: m, steps: steps),
                                    streamIndex: key.index * 8 + UInt64(p), groundTruth: truths[k]!))
            }
        }
        return jobs
    }

    /// Runs every job on `threads` threads (largest first), calling `progress(done, total,
    /// elapsed seconds, estimated seconds left)` after each. Results are in job order and
    /// bit-identical for any thread count: each job owns its random stream.
    public static func run(_ jobs: [Fig4Job], threads: Int,
                           progress: (@Sendable (Int, Int, Double, Double) -> Void)? = nil) throws -> [Fig4Record] {
        let slots = ResultSlots<Result<EntropyRunResult, Error>>(count: jobs.count)
        let order = jobs.indices.sorted { jobs[$0].spec.cost > jobs[$1].spec.cost }
        let totalCost = jobs.reduce(0.0) { $0 + $1.spec.cost }
        let tracker = ProgressTracker(total: jobs.count, totalCost: totalCost)
        // Parallelism is over configurations; BLAS stays on one thread so results never depend on it.
        openblas_set_num_threads(1)
        parallelFor(order.count, threads: threads) { n in
            let job = jobs[order[n]]
            var rng = SeedTree(seed: UInt64(job.info.seed)).stream(.particleInit, index: job.streamIndex)
            slots[order[n]] = Result { try runEntropyExperiment(job.spec, using: &rng) }
            let (done, elapsed, left) = tracker.finished(cost: job.spec.cost)
            progress?(done, jobs.count, elapsed, left)
        }
        return try jobs.indices.map { i in
            Fig4Record(info: jobs[i].info, target: jobs[i].spec.target, groundTruth: jobs[i].groundTruth, result: try slots[i]!.get())
        }
    }
}

/// A fixed number of slots written from several threads, each slot by one thread only.
final class ResultSlots<T>: @unchecked Sendable {
    private var values: [T?]
    private let lock = NSLock()
    init(count: Int) { values = Array(repeating: nil, count: count) }
    subscript(i: Int) -> T? {
        get { lock.lock(); defer { lock.unlock() }; return values[i] }
        set { lock.lock(); values[i] = newValue; lock.unlock() }
    }
}

final class ProgressTracker: @unchecked Sendable {
    private let lock = NSLock()
    private let start = Date()
    private let totalCost: Double
    private var doneCost = 0.0
    private var done = 0
    init(total: Int, totalCost: Double) { self.totalCost = totalCost }
    /// Elapsed seconds, and the estimate left from the cost done so far.
    func finished(cost: Double) -> (Int, Double, Double) {
        lock.lock(); defer { lock.unlock() }
        done += 1
        doneCost += cost
        let elapsed = Date().timeIntervalSince(start)
        return (done, elapsed, doneCost > 0 ? max(0, elapsed * (totalCost - doneCost) / doneCost) : .nan)
    }
}

/// Runs `body(0..<n)` on up to `threads` threads, handing out indices in order.
func parallelFor(_ n: Int, threads: Int, _ body: @Sendable (Int) -> Void) {
    let counter = SharedCounter()
    DispatchQueue.concurrentPerform(iterations: max(1, min(threads, n))) { _ in
        while true {
            let i = counter.next()
            if i >= n { return }
            body(i)
        }
    }
}

/// A counter that hands each caller the next integer, from several threads.
final class SharedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int {
        lock.lock(); defer { lock.unlock() }
        value += 1
        return value - 1
    }
}
