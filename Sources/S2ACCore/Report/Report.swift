import Foundation

/// What `report` knows about one kind of result file. Each figure adds one reporter and
/// registers it in `ReportRegistry.reporters`.
public protocol ResultReporter {
    /// The `kind` values (the `/run` attribute) this reporter reads.
    var kinds: Set<String> { get }
    /// The tables it contributes to, by file name without `.csv`, with their columns.
    var tables: [String: [String]] { get }
    /// The rows one result file adds to each of its tables.
    func rows(from file: HDF5File, provenance: Provenance) throws -> [String: [[String]]]
    /// Tables computed from the tables of every file (summaries across runs), by name; each
    /// name is declared in `tables`. Empty by default.
    func derivedTables(from tables: [String: CSVTable]) throws -> [String: CSVTable]
}

extension ResultReporter {
    public func derivedTables(from tables: [String: CSVTable]) throws -> [String: CSVTable] { [:] }
}

/// Every reporter `report` runs. A figure's issue adds its line here.
public enum ReportRegistry {
    public static var reporters: [ResultReporter] { [RliableReporter(), Fig4Reporter(), TrainReporter(), MultigoalReporter(), Table1Reporter()] }
}

/// What a report pass did.
public struct ReportOutcome {
    /// Paths of the tables written, in name order.
    public var tablesWritten: [String] = []
    /// One line per file that could not be reported (unknown, foreign or corrupt).
    public var warnings: [String] = []
    /// Result files reported.
    public var filesReported = 0
    /// One line per stale temporary file (of a writer that is gone) removed.
    public var removedTemporaries: [String] = []
}

/// Walks `resultsFolder` for `*.h5` files (skipping temporaries and the tables folder), reports
/// each through the reporter of its kind, and writes the tables to `tablesFolder`, plus
/// `runs.csv` listing every reported file with its provenance. Rows keep a stable order:
/// files by path, then each file's own row order. A file that cannot be reported becomes a
/// warning; the others are still reported.
public func runReport(resultsFolder: String, tablesFolder: String,
                      reporters: [ResultReporter] = ReportRegistry.reporters) throws -> ReportOutcome {
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: resultsFolder, isDirectory: &isDir), isDir.boolValue else {
        throw InputError("no results folder at \(resultsFolder)")
    }
    let root = URL(fileURLWithPath: resultsFolder).standardizedFileURL
    let tablesRoot = URL(fileURLWithPath: tablesFolder).standardizedFileURL.path
    // Before reading anything: tables that cannot be written are refused at once.
    try requireWritableFolder(tablesRoot)
    let found = resultFilePaths(under: root.path, excluding: tablesRoot)
    let paths = found.files

    var outcome = ReportOutcome()
    // Temporaries of writers killed before they finished: removed, each named.
    outcome.removedTemporaries = Temporaries.removeStale(in: root.path, recursive: true)
    if !tablesRoot.hasPrefix(root.path + "/") { outcome.removedTemporaries += Temporaries.removeStale(in: tablesRoot) }
    for path in found.skipped {
        outcome.warnings.append("\(String(path.dropFirst(root.path.count + 1))): not a regular file, not read")
    }
    var tables: [String: CSVTable] = [:]
    var runs = CSVTable(columns: ["file", "kind", "seed", "git_commit", "git_dirty", "start_time", "end_time",
                                 "swift_version", "hdf5_version", "mujoco_version", "host"])
    for path in paths {
        let relative = String(path.dropFirst(root.path.count + 1))
        do {
            let file = try HDF5File.open(at: path)
            let provenance = try Provenance.read(from: file)
            guard let reporter = reporters.first(where: { $0.kinds.contains(provenance.kind) }) else {
                outcome.warnings.append("\(relative): no reporter knows the kind '\(provenance.kind)'")
                continue
            }
            let produced = try reporter.rows(from: file, provenance: provenance)
            for (name, rows) in produced {
                guard let columns = reporter.tables[name] else {
                    preconditionFailure("reporter for \(provenance.kind) produced an undeclared table \(name)")
                }
                var table = tables[name] ?? CSVTable(columns: columns)
                outcome.warnings += nonFiniteWarnings(rows, columns: columns, in: "\(relative): \(name).csv")
                for row in rows { table.append(row) }
                tables[name] = table
            }
            runs.append([relative, provenance.kind, provenance.seed.map(String.init) ?? "", provenance.gitCommit,
                         provenance.gitDirty ? "1" : "0", provenance.startTime, provenance.endTime,
                         provenance.swiftVersion, provenance.hdf5Version, provenance.mujocoVersion, provenance.host])
            outcome.filesReported += 1
        } catch {
            outcome.warnings.append("\(relative): \(error)")
        }
    }
    for reporter in reporters {
        for (name, table) in try reporter.derivedTables(from: tables) {
            precondition(reporter.tables[name] == table.columns, "a reporter derived an undeclared table \(name)")
            outcome.warnings += nonFiniteWarnings(table.rows, columns: table.columns, in: "\(name).csv")
            tables[name] = table
        }
    }
    tables["runs"] = runs
    // The tables are rebuilt as a whole: a table none of today's files produces (its last
    // result file was deleted, say) is removed rather than left listing what no longer exists.
    for name in Set(reporters.flatMap { $0.tables.keys }).subtracting(tables.keys).sorted() {
        let stale = tablesRoot + "/" + name + ".csv"
        if FileManager.default.fileExists(atPath: stale) { try? FileManager.default.removeItem(atPath: stale) }
    }
    for name in tables.keys.sorted() {
        let path = tablesRoot + "/" + name + ".csv"
        try tables[name]!.write(to: path)
        outcome.tablesWritten.append(path)
    }
    return outcome
}

/// One line per column of `rows` holding a value that is not finite (inf, -inf, nan): where
/// (`place`: the run file and its table, or a table derived from several files), the column
/// and how many rows. A result that went non-finite is flagged, never passed as a number.
func nonFiniteWarnings(_ rows: [[String]], columns: [String], in place: String) -> [String] {
    var lines: [String] = []
    for (c, column) in columns.enumerated() {
        let bad = rows.filter { row in c < row.count && (Double(row[c]).map { !$0.isFinite } ?? false) }
        guard let first = bad.first else { continue }
        lines.append("\(place): column \(column) holds \(first[c]) in \(bad.count) row\(bad.count == 1 ? "" : "s"), not a finite result")
    }
    return lines
}
