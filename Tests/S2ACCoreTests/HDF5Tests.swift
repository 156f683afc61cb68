import Foundation
import S2ACCore
import Testing

@Suite struct HDF5Tests {
    let folder = makeTemporaryFolder("hdf5")

    @Test func numericRoundTripAnyRank() throws {
        let path = folder + "/a.h5"
        do {
            let f = try HDF5File.create(at: path)
            let g = try f.root.createGroup("net/critic")
            try g.write("w", (0..<24).map { Float($0) * 0.5 - 3 }, shape: [2, 3, 4])
            try g.write("d", [Double.pi, -0.0, .infinity, 1e-300])
            try f.root.write("i", [Int.min, -1, 0, Int.max], shape: [2, 2])
            try f.root.write("flags", [Int8(1), 0, -1])
            try f.root.write("state", [UInt64.max, 1, 2, 3])
            try f.root.writeScalar("steps", 1_000_000)
            try f.root.write("empty", [Double](), shape: [0, 3])
        }
        let f = try HDF5File.open(at: path)
        let w = try f.root.read("net/critic/w", as: Float.self)
        #expect(w.shape == [2, 3, 4])
        #expect(w.values == (0..<24).map { Float($0) * 0.5 - 3 })
        let d = try f.root.group("net").group("critic").read("d", as: Double.self)
        #expect(d.values.map(\.bitPattern) == [Double.pi, -0.0, .infinity, 1e-300].map(\.bitPattern))
        #expect(try f.root.read("i", as: Int.self).values == [Int.min, -1, 0, Int.max])
        #expect(try f.root.read("flags", as: Int8.self).values == [1, 0, -1])
        #expect(try f.root.read("state", as: UInt64.self).values == [UInt64.max, 1, 2, 3])
        let steps = try f.root.read("steps", as: Int.self)
        #expect(steps.shape == [] && steps.values == [1_000_000])
        #expect(try f.root.shape(of: "empty") == [0, 3])
        // Float32 data reads as Double by conversion.
        #expect(try f.root.read("net/critic/w", as: Double.self).values[1] == -2.5)
        #expect(try f.root.memberNames() == ["empty", "flags", "i", "net", "state", "steps"])
        #expect(f.root.kind(of: "net") == .group)
        #expect(f.root.kind(of: "i") == .dataset)
        #expect(f.root.kind(of: "nope") == nil)
    }

    @Test func stringsAndAttributes() throws {
        let path = folder + "/b.h5"
        do {
            let f = try HDF5File.create(at: path)
            try f.root.writeStrings("names", ["alpha", "", "ünïcode, \"quoted\""])
            try f.root.setAttribute("title", "Fig 4a")
            try f.root.setAttribute("eps", .double(0.5))
            try f.root.setAttribute("m", .int(200))
            try f.root.setAttribute("sigmas", .doubles([0.1, 1, 100]))
            try f.root.setAttribute("dims", .ints([2, 10]))
            try f.root.write("x", [1.0, 2.0])
            try f.root.setAttribute("unit", "nats", on: "x")
            try f.root.setAttribute("m", .int(20))  // replaced, not duplicated
        }
        let f = try HDF5File.open(at: path)
        #expect(try f.root.readStrings("names") == ["alpha", "", "ünïcode, \"quoted\""])
        #expect(try f.root.attribute("title") == .string("Fig 4a"))
        #expect(try f.root.attribute("eps") == .double(0.5))
        #expect(try f.root.attribute("m") == .int(20))
        #expect(try f.root.attribute("sigmas") == .doubles([0.1, 1, 100]))
        #expect(try f.root.attribute("dims") == .ints([2, 10]))
        #expect(try f.root.attribute("unit", on: "x") == .string("nats"))
        #expect(try f.root.attribute("absent") == nil)
        #expect(try f.root.attributeNames() == ["dims", "eps", "m", "sigmas", "title"])
    }

    @Test func mismatchesAndBadFilesThrow() throws {
        let path = folder + "/c.h5"
        do {
            let f = try HDF5File.create(at: path)
            try f.root.write("x", [1.5, 2.5])
            try f.root.writeStrings("s", ["a"])
            #expect(throws: HDF5Error.self) { try f.root.write("x", [1.0]) }  // exists
            #expect(throws: HDF5Error.self) { try f.root.write("y", [1.0, 2.0, 3.0], shape: [2, 2]) }
        }
        let f = try HDF5File.open(at: path)
        #expect(throws: HDF5Error.self) { _ = try f.root.read("x", as: Int.self) }
        #expect(throws: HDF5Error.self) { _ = try f.root.read("s", as: Double.self) }
        #expect(throws: HDF5Error.self) { _ = try f.root.read("missing", as: Double.self) }
        #expect(throws: HDF5Error.self) { _ = try f.root.group("x") }

        let text = folder + "/not.h5"
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        #expect(throws: HDF5Error.self) { _ = try HDF5File.open(at: text) }
        #expect(throws: HDF5Error.self) { _ = try HDF5File.open(at: folder + "/absent.h5") }

        // A truncated copy of a real file: an error, never a crash.
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = folder + "/cut.h5"
        try whole.prefix(whole.count / 3).write(to: URL(fileURLWithPath: cut))
        #expect(throws: HDF5Error.self) {
            let g = try HDF5File.open(at: cut)
            _ = try g.root.read("x", as: Double.self)
        }
    }

    /// Fixed-length strings written by h5py (scripts/faults/make_hdf5_fixtures.py) read back,
    /// NUL padding removed; a header that claims more string bytes than the file holds (100
    /// strings of 1000 bytes, never written, in a 2 kB file) is refused with one line before
    /// anything is allocated from it.
    @Test func fixedLengthStrings() throws {
        let fixtures = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil)).path
        let path = fixtures + "/hdf5/fixed-strings.h5"
        let f = try HDF5File.open(at: path)
        defer { f.close() }
        #expect(try f.root.readStrings("short") == ["ab", "cdef", ""])
        #expect(try f.root.attribute("label") == .string("alpha"))
        do {
            _ = try f.root.readStrings("unwritten")
            Issue.record("100 strings of 1000 bytes read from a file of 2 kB")
        } catch {
            let text = String(describing: error)
            #expect(text.contains(path) && text.contains("100 strings") && text.contains("more than the file's")
                    && !text.contains("\n"), "\(text)")
        }
    }

    /// h5dump (Debian's hdf5-tools), an independent reader, sees what we wrote.
    @Test func h5dumpReadsOurFiles() throws {
        let path = folder + "/d.h5"
        let values: [Double] = [0.1, -2.0 / 3.0, 1e-12, 12345.678]
        do {
            let f = try HDF5File.create(at: path)
            try f.root.createGroup("g")
            try f.root.group("g").write("x", values, shape: [2, 2])
            try f.root.group("g").write("n", [Int32(7), -8])
            try f.root.setAttribute("kind", "check")
        }
        let dump = try runProgram("/usr/bin/h5dump", ["-y", "-w", "0", "-m", "%.17g", "-d", "/g/x", path])
        #expect(dump.code == 0)
        #expect(dump.out.contains("H5T_IEEE_F64LE"))
        #expect(dump.out.contains("( 2, 2 ) / ( 2, 2 )"))
        let data = dump.out.components(separatedBy: "DATA {").last!.components(separatedBy: "}").first!
        let parsed = data.split(whereSeparator: { ", \n".contains($0) }).compactMap { Double($0) }
        #expect(parsed == values)
        let ints = try runProgram("/usr/bin/h5dump", ["-y", "-w", "0", "-d", "/g/n", path])
        #expect(ints.out.contains("H5T_STD_I32LE") && ints.out.contains("7, -8"))
        let attr = try runProgram("/usr/bin/h5dump", ["-a", "/kind", path])
        #expect(attr.out.contains("\"check\""))
    }

    /// A child process inherits open file descriptions; an HDF5 file lock held through one
    /// must not stop us reopening a file we closed (provenance runs git while files are open).
    @Test func childProcessesDoNotKeepFilesLocked() throws {
        let path = folder + "/locked.h5"
        let f = try HDF5File.create(at: path)
        try f.root.write("x", [1.0])
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["2"]
        try child.run()
        defer { child.terminate() }
        f.close()
        #expect(try HDF5File.open(at: path).root.read("x", as: Double.self).values == [1.0])
    }

    @Test func concurrentUseIsSafe() throws {
        // Swift Testing runs suites in parallel; the wrapper serialises HDF5 calls.
        let base = folder
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let f = try! HDF5File.create(at: base + "/p\(i).h5")
            for j in 0..<20 { try! f.root.write("x\(j)", [Double](repeating: Double(i), count: 100)) }
        }
        for i in 0..<8 {
            let f = try HDF5File.open(at: base + "/p\(i).h5")
            #expect(try f.root.read("x19", as: Double.self).values.allSatisfy { $0 == Double(i) })
        }
    }
}
