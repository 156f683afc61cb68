import Foundation

/// A tidy table: fixed columns, one row per measurement, written as RFC 4180 CSV.
public struct CSVTable: Equatable {
    public let columns: [String]
    public var rows: [[String]]

    public init(columns: [String], rows: [[String]] = []) {
        self.columns = columns
        self.rows = rows
    }

    /// Appends a row; its length must match the columns (a programmer error otherwise).
    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) fields for \(columns.count) columns")
        rows.append(row)
    }

    public func render() -> String {
        var out = columns.map(CSVTable.quote).joined(separator: ",") + "\n"
        for row in rows { out += row.map(CSVTable.quote).joined(separator: ",") + "\n" }
        return out
    }

    public static func quote(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Writes the table atomically.
    public func write(to path: String) throws {
        try writeFileAtomically(Data(render().utf8), to: path)
    }
}

/// Formats a number for a table: shortest text that reads back to the same Double; empty for nil.
public func csvNumber(_ x: Double?) -> String {
    guard let x else { return "" }
    return "\(x)"
}
