import Foundation

/// The result file of `table1` (kind `table1`). Layout (Results/README.md, "Table 1"):
///   /cells   one entry per (agent, environment, thread count, weights): strings `agent env
///            selection preset weights clock`, integers `action_dim state_dim threads reps`,
///            numbers `median_ms q1_ms q3_ms torch_median_ms torch_q1_ms torch_q3_ms load_before
///            load_after paper_value` (NaN where not measured or not in the paper) and `times_ms` (cells x reps, every timed selection)
///   /        attributes `torch` (the PyTorch that timed the torch columns, or why none did)
public enum Table1Results {
    public static let kind = "table1"

    /// The columns of table1.csv: the eleven, then what a reader needs to judge them.
    public static let columns = ["agent", "env", "action_dim", "state_dim", "threads", "median_ms", "q1_ms", "q3_ms", "reps",
                                 "torch_median_ms", "paper_value", "preset", "weights", "clock", "load1", "blas_core"]

    /// Writes `cells` (all with the same number of timed selections) as a result file.
    public static func write(_ cells: [Table1Cell], config: Table1Config, torch: String, to path: String, force: Bool) throws {
        let reps = cells.first?.timesMS.count ?? 0
        precondition(cells.allSatisfy { $0.timesMS.count == reps }, "table1: cells with different repetition counts")
        let writer = try ResultWriter(path: path, kind: kind, config: config, seed: config.seed, force: force)
        let g = try writer.root.createGroup("cells")
        for (name, column) in [("agent", \Table1Cell.agent), ("env", \.env), ("selection", \.selection), ("preset", \.preset),
                               ("weights", \.weights), ("clock", \.clock)] as [(String, KeyPath<Table1Cell, String>)] {
            try g.writeStrings(name, cells.map { $0[keyPath: column] })
        }
        try g.write("action_dim", cells.map(\.actionDimension))
        try g.write("state_dim", cells.map(\.stateDimension))
        try g.write("threads", cells.map(\.threads))
        try g.write("reps", cells.map { $0.timesMS.count })
        try g.write("median_ms", cells.map(\.medianMS))
        try g.write("q1_ms", cells.map(\.q1MS))
        try g.write("q3_ms", cells.map(\.q3MS))
        try g.write("torch_median_ms", cells.map(\.torchMS.median))
        try g.write("torch_q1_ms", cells.map(\.torchMS.q1))
        try g.write("torch_q3_ms", cells.map(\.torchMS.q3))
        try g.write("load_before", cells.map(\.loadBefore))
        try g.write("load_after", cells.map(\.loadAfter))
        try g.write("paper_value", cells.map { Table1Paper.value(agent: $0.agent, env: $0.env) ?? .nan })
        try g.write("times_ms", cells.flatMap(\.timesMS), shape: [cells.count, reps])
        try writer.root.setAttribute("torch", torch)
        try writer.commit()
    }
}

/// `report`'s reader for `table1` files: one row of table1.csv per cell, with the paper's value
/// for its agent and environment as the file records it (units unstated in the paper).
public struct Table1Reporter: ResultReporter {
    public init() {}
    public var kinds: Set<String> { [Table1Results.kind] }
    public var tables: [String: [String]] { ["table1": Table1Results.columns] }

    public func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]] {
        let g = try file.root.group("cells")
        let agent = try g.readStrings("agent"), env = try g.readStrings("env"), preset = try g.readStrings("preset")
        let weights = try g.readStrings("weights"), clock = try g.readStrings("clock")
        let ints = try ["action_dim", "state_dim", "threads", "reps"].map { try g.read($0, as: Int.self).values }
        let numbers = try ["median_ms", "q1_ms", "q3_ms", "torch_median_ms", "load_before", "load_after", "paper_value"].map {
            try g.read($0, as: Double.self).values
        }
        let n = agent.count
        guard ([env, preset, weights, clock].map(\.count) + ints.map(\.count) + numbers.map(\.count)).allSatisfy({ $0 == n }) else {
            throw InputError("\(file.path): the columns of /cells differ in length")
        }
        func number(_ x: Double) -> String { x.isNaN ? "" : csvNumber(x) }
        let rows = (0..<n).map { i -> [String] in
            let load = [numbers[4][i], numbers[5][i]].filter { !$0.isNaN }
            return [agent[i], env[i], String(ints[0][i]), String(ints[1][i]), String(ints[2][i]),
                    number(numbers[0][i]), number(numbers[1][i]), number(numbers[2][i]), String(ints[3][i]), number(numbers[3][i]),
                    number(numbers[6][i]), preset[i], weights[i], clock[i],
                    load.isEmpty ? "" : csvNumber(load.reduce(0, +) / Double(load.count)), provenance.blasCore]
        }
        return ["table1": rows]
    }
}
