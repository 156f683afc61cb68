import Foundation

/// How the RBF kernel `k(x, y) = exp(-|x - y|^2 / (2 sigma^2))` of Eq. 1 picks sigma.
/// The adaptive rules are the authors' (`kernels.py`, notebook `RBF`; REFERENCE.md section 2):
/// a statistic of the m*m squared pairwise distances (self pairs included), divided by
/// `2 log(m + 1)`, gives `h = sigma^2`. The statistic is treated as a constant (the authors
/// detach it), so it adds nothing to any Jacobian.
public enum Bandwidth: Sendable, Hashable, CustomStringConvertible {
    /// A fixed sigma (Table 2: sigma = 5; the Fig 4b sweep).
    case fixed(Double)
    /// Mode 1: the median, lower middle value for an even count (as `torch.median`).
    case median
    /// Mode 2: the 25 % quantile with `interpolation='lower'`.
    case quantile25
    /// Mode 3: the mean.
    case mean
    /// Mode 4, "forth": half the mean (the authors' default for RL and Fig 4a).
    case forth
    /// Tables 3 and 4 of the paper: `sigma = sum_{i,j} |a_i - a_j|^2 / (4 (2 log m + 1))`, taken
    /// literally as the kernel's sigma (the paper calls sigma the "kernel variance" throughout).
    case paperTable3

    public var description: String {
        switch self {
        case .fixed(let s): return "fixed(\(s))"
        case .median: return "median"
        case .quantile25: return "quantile25"
        case .mean: return "mean"
        case .forth: return "forth"
        case .paperTable3: return "paper-table3"
        }
    }

    /// Parses `median`, `quantile25`, `mean`, `forth`, `paper-table3` or a positive number (fixed sigma).
    public init(parsing text: String) throws {
        switch text {
        case "median": self = .median
        case "quantile25": self = .quantile25
        case "mean": self = .mean
        case "forth": self = .forth
        case "paper-table3": self = .paperTable3
        default:
            guard let s = Double(text), s > 0, s.isFinite else {
                throw InputError("bandwidth must be median, quantile25, mean, forth, paper-table3 or a positive number; got '\(text)'")
            }
            self = .fixed(s)
        }
    }
}

/// Writes the m x m matrix of squared distances `|a_i - a_j|^2` (row-major) of the m particles
/// stored row-major in `particles` (m x d).
func squaredDistances(_ particles: UnsafePointer<Double>, count m: Int, dimension d: Int,
                             into r2: UnsafeMutablePointer<Double>) {
    for i in 0..<m {
        r2[i * m + i] = 0
        let ai = particles + i * d
        for j in (i + 1)..<max(i + 1, m) {
            let aj = particles + j * d
            var s = 0.0
            for c in 0..<d { let t = ai[c] - aj[c]; s += t * t }
            r2[i * m + j] = s
            r2[j * m + i] = s
        }
    }
}

/// The kernel's sigma under `rule` for the m*m squared distances `r2` (REFERENCE.md section 2).
func rbfBandwidth(_ rule: Bandwidth, squaredDistances r2: UnsafeBufferPointer<Double>, particleCount m: Int) -> Double {
    precondition(r2.count == m * m, "rbfBandwidth needs the m*m squared distances")
    let logTerm = 2 * Foundation.log(Double(m) + 1)
    switch rule {
    case .fixed(let s):
        return s
    case .median, .quantile25:
        let sorted = r2.sorted()
        let n = sorted.count
        let index = rule == .median ? (n - 1) / 2 : Int((0.25 * Double(n - 1)).rounded(.down))
        return (sorted[index] / logTerm).squareRoot()
    case .mean:
        return (r2.reduce(0, +) / Double(m * m) / logTerm).squareRoot()
    case .forth:
        return (0.5 * r2.reduce(0, +) / Double(m * m) / logTerm).squareRoot()
    case .paperTable3:
        return r2.reduce(0, +) / (4 * (2 * Foundation.log(Double(m)) + 1))
    }
}
