import Foundation

/// Physical memory of this machine in bytes (sysconf), nil where the system does not say.
public let physicalMemoryBytes: Double? = {
    let pages = sysconf(Int32(_SC_PHYS_PAGES)), size = sysconf(Int32(_SC_PAGESIZE))
    guard pages > 0, size > 0 else { return nil }
    return Double(pages) * Double(size)
}()

/// Bytes as "12.3 GiB".
public func gibibytes(_ bytes: Double) -> String {
    String(format: "%.1f GiB", bytes / Double(1 << 30))
}

/// Throws one line when `bytes`, what a run needs at the least (`what` says of what), exceeds
/// the physical memory: such a run would die in an allocation after its set-up, with a trace.
public func requireMemory(_ bytes: Double, for what: String, flagHint: String) throws {
    guard let physical = physicalMemoryBytes, bytes > physical else { return }
    throw InputError("\(what) needs at least \(gibibytes(bytes)) of memory, this machine has \(gibibytes(physical)); \(flagHint)")
}

extension TrainRunConfig {
    /// A lower bound of the memory the run takes, in bytes, from its configuration alone:
    /// every network named by a `...hidden` width list of the agent (once, though agents hold
    /// two critics and target copies) with its gradient and Adam's two moments, all float32;
    /// the replay buffer as allocated (observation, next observation, action, reward, done);
    /// and the activations one batch keeps for the backward pass (batch x particles x the
    /// widths of one network). Arithmetic in Double: widths are not bounded enough for Int.
    public func minimumMemoryBytes() throws -> Double {
        let spec = try EnvCatalog.spec(env)
        let obs = Double(spec.observationDimension), act = Double(spec.actionDimension)
        let json = try JSONSerialization.jsonObject(with: Data(canonicalJSON(self).utf8))
        var networks: [[Double]] = []
        var particles = 1.0
        func walk(_ value: Any, key: String) {
            if let object = value as? [String: Any] {
                for (k, v) in object { walk(v, key: k) }
            } else if let widths = value as? [Int], key.lowercased().hasSuffix("hidden"), !widths.isEmpty {
                networks.append(widths.map(Double.init))
            } else if key == "particles", let n = value as? Int {
                particles = max(particles, Double(n))
            }
        }
        walk(json, key: "")
        var parameters = 0.0, widest = 0.0
        for widths in networks {
            var inputs = obs + act
            for w in widths { parameters += inputs * w; inputs = w }
            parameters += inputs
            widest = max(widest, widths.reduce(0, +))
        }
        let capacity = Double(min(replaySize, max(schedule.totalSteps, 1)))
        let replay = capacity * (2 * obs + act + 2)
        let activations = Double(batchSize) * particles * widest
        return 4 * (4 * parameters + replay + activations)
    }

    /// Refuses, with one line, a run whose configuration cannot fit in this machine's memory.
    public func requireFitsInMemory() throws {
        try requireMemory(try minimumMemoryBytes(), for: "this \(agent) run on \(env)",
                          flagHint: "choose smaller networks (--critic-hidden, --actor-hidden), batch or replay buffer")
    }
}
