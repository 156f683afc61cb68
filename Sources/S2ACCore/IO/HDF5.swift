import CHDF5
import Foundation

/// A failure reported by the HDF5 library or a mismatch between a file and what was asked of it.
public struct HDF5Error: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Every call into HDF5 holds this lock, so the wrapper is safe to use from several threads
/// whether or not the library was built thread-safe. Recursive: wrapper methods nest.
let hdf5Lock: NSRecursiveLock = {
    let lock = NSRecursiveLock()
    // H5Fis_hdf5 takes no property list; this makes it skip file locks too (see accessProperties).
    setenv("HDF5_USE_FILE_LOCKING", "FALSE", 0)
    // No clean-up at exit: the library's own would close again a file whose close failed (a
    // full disk) and crash inside libhdf5 after the error was printed. Every file this suite
    // writes is closed explicitly, its close checked; one still open at exit is a temporary
    // the process abandons.
    lock.withLock { _ = H5dont_atexit(); _ = H5open() }
    return lock
}()

@inline(__always)
func withHDF5<T>(_ body: () throws -> T) rethrows -> T {
    try hdf5Lock.withLock {
        // Errors come back as return codes and become thrown HDF5Errors; HDF5's own stack
        // dumps would only bury the one line a user needs. The setting is per thread in a
        // thread-safe build, hence here and not once.
        _ = H5Eset_auto2(s2ac_H5E_DEFAULT(), nil, nil)
        return try body()
    }
}

/// A scalar type that maps to a native HDF5 datatype with the same memory layout.
public protocol HDF5Scalar {
    static var hdf5MemoryType: hid_t { get }
    static var hdf5Class: H5T_class_t { get }
}
extension Double: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_DOUBLE() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
}
extension Float: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_FLOAT() }
    public static var hdf5Class: H5T_class_t { H5T_FLOAT }
}
extension Int: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_INT64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension Int64: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_INT64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension Int32: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_INT32() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension Int8: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_INT8() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension UInt8: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_UINT8() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}
extension UInt64: HDF5Scalar {
    public static var hdf5MemoryType: hid_t { s2ac_H5T_NATIVE_UINT64() }
    public static var hdf5Class: H5T_class_t { H5T_INTEGER }
}

/// A dense row-major array read from a dataset.
public struct HDF5Array<T> {
    public var values: [T]
    public var shape: [Int]
    public init(values: [T], shape: [Int]) {
        precondition(shape.reduce(1, *) == values.count, "shape \(shape) does not hold \(values.count) values")
        self.values = values
        self.shape = shape
    }
}

/// An attribute value as stored: numbers, arrays of numbers, or a string.
public enum HDF5Attribute: Equatable {
    case string(String)
    case double(Double)
    case int(Int)
    case doubles([Double])
    case ints([Int])

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
}

/// What a link inside a group points to.
public enum HDF5ObjectKind { case group, dataset, other }

/// HDF5's own words for the error just raised on this thread: the most specific record
/// of its error stack (for example "unable to lock the file"), or nil when the stack is empty.
func hdf5ErrorDetail() -> String? {
    var found: String?
    _ = withUnsafeMutablePointer(to: &found) { slot in
        H5Ewalk2(s2ac_H5E_DEFAULT(), H5E_WALK_DOWNWARD, { n, record, data in
            guard n == 0, let record, let desc = record.pointee.desc, let data else { return 0 }
            data.assumingMemoryBound(to: String?.self).pointee = String(cString: desc)
            return 0
        }, slot)
    }
    return found.flatMap { $0.isEmpty ? nil : $0 }
}

/// HDF5's detail for the error just raised, shortened to the system's words where it has
/// them: a failed write names errno and its message among a dozen numbers ("file write
/// failed: time = ..., error message = 'No space left on device', buf = ..."), of which the
/// message is what a user needs.
func hdf5FailureDetail() -> String? {
    guard let detail = hdf5ErrorDetail() else { return nil }
    if let start = detail.range(of: "error message = '"),
       let end = detail[start.upperBound...].firstIndex(of: "'") {
        return String(detail[start.upperBound..<end])
    }
    return detail
}

/// `what`, followed by HDF5's reason when it gave one.
func hdf5Failure(_ what: String) -> HDF5Error {
    HDF5Error(what + (hdf5FailureDetail().map { " (HDF5: \($0))" } ?? ""))
}

/// An owned HDF5 identifier, closed exactly once: by `close()`, which reports a failure, or
/// when the handle goes away. Closing a dataset or an attribute is where HDF5 writes its
/// cached data, so a writer closes what it created with `close()`: a full disk then fails
/// the write instead of leaving a file that only looks whole.
final class HDF5Handle {
    let id: hid_t
    private let closer: (hid_t) -> herr_t
    private var isOpen = true
    init(_ id: hid_t, what: @autoclosure () -> String, closer: @escaping (hid_t) -> herr_t) throws {
        guard id >= 0 else { throw hdf5Failure(what()) }
        self.id = id
        self.closer = closer
    }

    /// Closes the identifier now; throws (with `what` and HDF5's reason) when HDF5 reports a
    /// failure. The identifier counts as closed either way.
    func close(_ what: @autoclosure () -> String) throws {
        guard isOpen else { return }
        isOpen = false
        let status = withHDF5 { closer(id) }
        guard status >= 0 else { throw hdf5Failure(what()) }
    }

    deinit { if isOpen { withHDF5 { _ = closer(id) } } }
}

/// An HDF5 file. Create with `HDF5File.create(at:)` (truncating) or open with
/// `HDF5File.open(at:writable:)`. Groups, datasets and attributes live on `root` and its
/// subgroups. The file is flushed and closed when the last reference to it goes away, or
/// explicitly with `close()`.
public final class HDF5File {
    public let path: String
    private var handle: HDF5Handle?
    /// The root group. Groups hold their file, so the file stays open while any is in use.
    public var root: HDF5Group { HDF5Group(file: self, path: "/") }

    private init(path: String, handle: HDF5Handle) {
        self.path = path
        self.handle = handle
    }

    var id: hid_t {
        guard let handle else { preconditionFailure("HDF5 file \(path) used after close()") }
        return handle.id
    }

    /// File-access properties without HDF5's flock-based file locking. A lock lives on the
    /// open file description, which child processes (git for provenance, plotting scripts)
    /// inherit, so a lock could outlive our own close and make the next open fail. Result
    /// files need no lock: they are written under a temporary name and renamed when whole.
    private static func accessProperties() throws -> HDF5Handle {
        let fapl = try HDF5Handle(H5Pcreate(s2ac_H5P_FILE_ACCESS()), what: "cannot make HDF5 file-access properties",
                                  closer: H5Pclose)
        guard H5Pset_file_locking(fapl.id, false, true) >= 0 else { throw HDF5Error("cannot turn off HDF5 file locking") }
        return fapl
    }

    /// Creates (or truncates) a file.
    public static func create(at path: String) throws -> HDF5File {
        try withHDF5 {
            let fapl = try accessProperties()
            let h = try HDF5Handle(H5Fcreate(path, s2ac_H5F_ACC_TRUNC(), s2ac_H5P_DEFAULT(), fapl.id),
                                   what: "cannot create HDF5 file \(path)", closer: H5Fclose)
            return HDF5File(path: path, handle: h)
        }
    }

    /// Opens an existing file; throws with a clear message when it is missing or not HDF5.
    public static func open(at path: String, writable: Bool = false) throws -> HDF5File {
        try withHDF5 {
            guard FileManager.default.fileExists(atPath: path) else {
                throw HDF5Error("no such file: \(path)")
            }
            let fapl = try accessProperties()
            guard H5Fis_hdf5(path) > 0 else { throw HDF5Error("not an HDF5 file (or corrupt): \(path)") }
            let flags = writable ? s2ac_H5F_ACC_RDWR() : s2ac_H5F_ACC_RDONLY()
            let h = try HDF5Handle(H5Fopen(path, flags, fapl.id),
                                   what: "cannot open HDF5 file \(path) (corrupt or truncated?)", closer: H5Fclose)
            return HDF5File(path: path, handle: h)
        }
    }

    /// Flushes everything to disk.
    public func flush() throws {
        try withHDF5 {
            guard H5Fflush(id, H5F_SCOPE_GLOBAL) >= 0 else { throw hdf5Failure("cannot write \(path)") }
        }
    }

    /// Flushes and closes a file that was written, checking both: when this returns, every
    /// byte is in the file. Throws when HDF5 could not write it (a full disk); the file is
    /// closed either way and is then incomplete, for the caller to remove.
    public func finish() throws {
        try withHDF5 {
            guard let handle else { preconditionFailure("HDF5 file \(path) finished after close()") }
            self.handle = nil
            let flushed = H5Fflush(handle.id, H5F_SCOPE_GLOBAL) >= 0
            let failure = flushed ? nil : hdf5Failure("cannot write \(path)")
            try handle.close("cannot write \(path)")
            if let failure { throw failure }
        }
    }

    /// Closes the file; later use of its groups is a programmer error. A failure is not
    /// reported: for files read, or written and then abandoned (`finish()` checks).
    public func close() {
        withHDF5 {
            if let handle { _ = H5Fflush(handle.id, H5F_SCOPE_GLOBAL) }
            handle = nil
        }
    }

    /// The HDF5 library version, "major.minor.release".
    public static var libraryVersion: String {
        withHDF5 {
            var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
            _ = H5get_libversion(&major, &minor, &release)
            return "\(major).\(minor).\(release)"
        }
    }
}

/// A group inside an HDF5 file (the root group is `file.root`). Every method opens what it
/// needs and closes it before returning: no identifier or pointer escapes.
public struct HDF5Group {
    public let file: HDF5File
    /// Absolute path of the group inside the file.
    public let path: String

    init(file: HDF5File, path: String) {
        self.file = file
        self.path = path
    }

    private func child(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    private func open() throws -> HDF5Handle {
        try HDF5Handle(H5Gopen2(file.id, path, s2ac_H5P_DEFAULT()),
                       what: "\(file.path): no group \(path)", closer: H5Gclose)
    }

    // MARK: structure

    /// Creates a subgroup (and any missing intermediate groups of a path like "a/b").
    @discardableResult
    public func createGroup(_ name: String) throws -> HDF5Group {
        try withHDF5 {
            var current = self
            for part in name.split(separator: "/").map(String.init) {
                if current.contains(part) {
                    guard current.kind(of: part) == .group else {
                        throw HDF5Error("\(file.path): \(current.child(part)) exists and is not a group")
                    }
                } else {
                    let g = try current.open()
                    let created = try HDF5Handle(H5Gcreate2(g.id, part, s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT()),
                                                 what: "\(file.path): cannot create group \(current.child(part))", closer: H5Gclose)
                    try created.close("\(file.path): cannot write group \(current.child(part))")
                }
                current = HDF5Group(file: file, path: current.child(part))
            }
            return current
        }
    }

    /// An existing subgroup (a relative path like "a/b" is allowed).
    public func group(_ name: String) throws -> HDF5Group {
        try withHDF5 {
            guard kind(of: name) == .group else { throw HDF5Error("\(file.path): no group \(child(name))") }
            return HDF5Group(file: file, path: child(name))
        }
    }

    /// Whether a link `name` (a relative path is allowed) exists here.
    public func contains(_ name: String) -> Bool {
        withHDF5 {
            var prefix = path == "/" ? "" : path
            for part in name.split(separator: "/") {
                prefix += "/" + part
                guard H5Lexists(file.id, prefix, s2ac_H5P_DEFAULT()) > 0 else { return false }
            }
            return !name.isEmpty
        }
    }

    /// Removes the link `name` (a dataset or a group) from this group, so it can be written
    /// anew. The file does not shrink; the object is gone once no link names it.
    public func remove(_ name: String) throws {
        try withHDF5 {
            guard H5Ldelete(file.id, child(name), s2ac_H5P_DEFAULT()) >= 0 else {
                throw HDF5Error("\(file.path): cannot remove \(child(name))" + (hdf5ErrorDetail().map { ": \($0)" } ?? ""))
            }
        }
    }

    /// What `name` is: a group, a dataset, or something else (nil when absent).
    public func kind(of name: String) -> HDF5ObjectKind? {
        withHDF5 {
            guard contains(name) else { return nil }
            let oid = H5Oopen(file.id, child(name), s2ac_H5P_DEFAULT())
            guard oid >= 0 else { return nil }
            defer { _ = H5Oclose(oid) }
            switch H5Iget_type(oid) {
            case H5I_GROUP: return .group
            case H5I_DATASET: return .dataset
            default: return .other
            }
        }
    }

    /// Names of the links in this group, in name order.
    public func memberNames() throws -> [String] {
        try withHDF5 {
            let g = try open()
            var info = H5G_info_t()
            guard H5Gget_info(g.id, &info) >= 0 else { throw HDF5Error("\(file.path): cannot list \(path)") }
            var names: [String] = []
            for i in 0..<info.nlinks {
                let size = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, s2ac_H5P_DEFAULT())
                guard size >= 0 else { throw HDF5Error("\(file.path): cannot list \(path)") }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                _ = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, buffer.count, s2ac_H5P_DEFAULT())
                names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            return names
        }
    }

    // MARK: numeric datasets

    /// Writes a dense row-major dataset of any rank; `shape` defaults to a vector.
    public func write<T: HDF5Scalar>(_ name: String, _ values: [T], shape: [Int]? = nil) throws {
        let dims = shape ?? [values.count]
        guard dims.reduce(1, *) == values.count, dims.allSatisfy({ $0 >= 0 }) else {
            throw HDF5Error("\(file.path): dataset \(child(name)): shape \(dims) does not hold \(values.count) values")
        }
        try withHDF5 {
            let g = try open()
            let hdims = dims.map { hsize_t($0) }
            let space = try HDF5Handle(dims.isEmpty ? H5Screate(H5S_SCALAR) : H5Screate_simple(Int32(dims.count), hdims, nil),
                                       what: "cannot make a dataspace", closer: H5Sclose)
            let d = try HDF5Handle(H5Dcreate2(g.id, name, T.hdf5MemoryType, space.id, s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT()),
                                   what: "\(file.path): cannot create dataset \(child(name)) (exists already?)", closer: H5Dclose)
            let status = values.withUnsafeBytes { raw in
                H5Dwrite(d.id, T.hdf5MemoryType, s2ac_H5S_ALL(), s2ac_H5S_ALL(), s2ac_H5P_DEFAULT(), raw.baseAddress)
            }
            guard status >= 0 else { throw hdf5Failure("\(file.path): cannot write dataset \(child(name))") }
            try d.close("\(file.path): cannot write dataset \(child(name))")
        }
    }

    /// Writes a rank-0 (scalar) dataset.
    public func writeScalar<T: HDF5Scalar>(_ name: String, _ value: T) throws {
        try write(name, [value], shape: [])
    }

    /// The shape of a dataset.
    public func shape(of name: String) throws -> [Int] {
        try withHDF5 {
            let d = try openDataset(name)
            let space = try HDF5Handle(H5Dget_space(d.id), what: "cannot read the shape of \(child(name))", closer: H5Sclose)
            return try dims(of: space.id)
        }
    }

    private func openDataset(_ name: String) throws -> HDF5Handle {
        guard kind(of: name) == .dataset else { throw HDF5Error("\(file.path): no dataset \(child(name))") }
        return try HDF5Handle(H5Dopen2(file.id, child(name), s2ac_H5P_DEFAULT()),
                              what: "\(file.path): cannot open dataset \(child(name))", closer: H5Dclose)
    }

    private func dims(of space: hid_t) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw HDF5Error("\(file.path): unreadable dataspace") }
        var d = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &d, nil) >= 0 else { throw HDF5Error("\(file.path): unreadable dataspace") }
        // A corrupt dataspace can claim any size; the values are allocated from it before
        // HDF5 reads them. Every value this suite writes takes at least a byte of the file
        // (datasets are contiguous, never compressed, never left to their fill value), so a
        // shape of more values than the file has bytes is refused (a fuzzing finding:
        // 5 * 10^13 bytes asked of the allocator).
        var count: UInt64 = 1
        for n in d {
            let (product, overflow) = count.multipliedReportingOverflow(by: UInt64(n))
            guard !overflow else { throw HDF5Error("\(file.path): a dataspace of \(d) values (corrupt?)") }
            count = product
        }
        try requireStoredInFile(count, bytesEach: 1, "a dataspace of \(d) values")
        return d.map { Int($0) }
    }

    /// Refuses a numeric type that is not 1 to 8 bytes a value, or values that take more bytes
    /// than the file holds: a corrupt type can claim any size, and libhdf5 allocates (and zeroes)
    /// its conversion buffer from it before reading (a fuzzing finding: a 105 kB checkpoint whose
    /// float type made H5Dread ask for 3.5 GB).
    private func requireNumericStorage(_ fileType: hid_t, count: Int, what: String) throws {
        let size = H5Tget_size(fileType)
        guard (1...8).contains(size) else {
            throw HDF5Error("\(file.path): \(what) has numbers of \(size) bytes each (corrupt?)")
        }
        try requireStoredInFile(UInt64(count), bytesEach: size, "\(what) claims \(count) numbers of \(size) bytes")
    }

    /// Refuses a contiguous or compact dataset whose stored bytes are not exactly its `count`
    /// values of `bytesEach` bytes: this suite writes every value of its datasets, so other
    /// sizes are a corrupt header's (a fuzzing finding: a compact dataset that stored no bytes
    /// for 32 values made libhdf5 1.10's H5Dread copy 128 bytes from a null address).
    /// Chunked datasets (other writers') are read chunk by chunk and left to libhdf5.
    private func requireStoredBytes(of dataset: hid_t, count: Int, bytesEach: Int, what: String) throws {
        let plist = try HDF5Handle(H5Dget_create_plist(dataset), what: "\(file.path): cannot read the layout of \(what)", closer: H5Pclose)
        let layout = H5Pget_layout(plist.id)
        guard layout == H5D_CONTIGUOUS || layout == H5D_COMPACT else { return }
        let stored = UInt64(H5Dget_storage_size(dataset))
        let (expected, overflow) = UInt64(count).multipliedReportingOverflow(by: UInt64(bytesEach))
        guard !overflow, stored == expected else {
            throw HDF5Error("\(file.path): \(what) stores \(stored) bytes for \(count) values of \(bytesEach) bytes (corrupt?)")
        }
    }

    /// Refuses `count` items of `bytesEach` bytes that together take more bytes than the file
    /// has. What this suite reads is stored in the file (values of a dataspace, numbers of a
    /// type, fixed-length strings), so a larger claim is a corrupt header's, refused before
    /// anything is allocated from it. `claim` says what claimed it.
    private func requireStoredInFile(_ count: UInt64, bytesEach: Int, _ claim: @autoclosure () -> String) throws {
        var fileBytes: hsize_t = 0
        guard H5Fget_filesize(file.id, &fileBytes) >= 0 else { throw HDF5Error("\(file.path): cannot read the file's size") }
        let (total, overflow) = count.multipliedReportingOverflow(by: UInt64(bytesEach))
        guard !overflow, total <= UInt64(fileBytes) else {
            throw HDF5Error("\(file.path): \(claim()), more than the file's \(fileBytes) bytes hold (corrupt?)")
        }
    }

    /// Reads a numeric dataset, converting between numeric types of the same class
    /// (a float32 dataset reads as Double; an int8 one as Int). Strings or a class mismatch
    /// (reading floats as integers) throw.
    public func read<T: HDF5Scalar>(_ name: String, as type: T.Type = T.self) throws -> HDF5Array<T> {
        try withHDF5 {
            let d = try openDataset(name)
            let ftype = try HDF5Handle(H5Dget_type(d.id), what: "cannot read the type of \(child(name))", closer: H5Tclose)
            let cls = H5Tget_class(ftype.id)
            guard cls == T.hdf5Class else {
                throw HDF5Error("\(file.path): dataset \(child(name)) holds \(describe(cls)), not \(describe(T.hdf5Class))")
            }
            let space = try HDF5Handle(H5Dget_space(d.id), what: "cannot read the shape of \(child(name))", closer: H5Sclose)
            let shape = try dims(of: space.id)
            let count = shape.reduce(1, *)
            try requireNumericStorage(ftype.id, count: count, what: "dataset \(child(name))")
            try requireStoredBytes(of: d.id, count: count, bytesEach: H5Tget_size(ftype.id), what: "dataset \(child(name))")
            // No values, nothing to read (and no buffer to give libhdf5).
            guard count > 0 else { return HDF5Array(values: [], shape: shape) }
            var values = [T](unsafeUninitializedCapacity: count) { buffer, initialized in
                // Numeric types are trivial; zero them so a failed read leaves defined memory.
                memset(buffer.baseAddress!, 0, count * MemoryLayout<T>.stride)
                initialized = count
            }
            let status = values.withUnsafeMutableBytes { raw in
                H5Dread(d.id, T.hdf5MemoryType, s2ac_H5S_ALL(), s2ac_H5S_ALL(), s2ac_H5P_DEFAULT(), raw.baseAddress)
            }
            guard status >= 0 else { throw HDF5Error("\(file.path): cannot read dataset \(child(name)) (corrupt?)") }
            return HDF5Array(values: values, shape: shape)
        }
    }

    // MARK: strings

    /// Writes a vector of UTF-8 strings (variable length, as h5py writes `str`).
    public func writeStrings(_ name: String, _ strings: [String]) throws {
        try withHDF5 {
            let g = try open()
            let type = try stringType()
            var dims = [hsize_t(strings.count)]
            let space = try HDF5Handle(H5Screate_simple(1, &dims, nil), what: "cannot make a dataspace", closer: H5Sclose)
            let d = try HDF5Handle(H5Dcreate2(g.id, name, type.id, space.id, s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT()),
                                   what: "\(file.path): cannot create dataset \(child(name)) (exists already?)", closer: H5Dclose)
            let status = withCStringArray(strings) { pointers in
                H5Dwrite(d.id, type.id, s2ac_H5S_ALL(), s2ac_H5S_ALL(), s2ac_H5P_DEFAULT(), pointers)
            }
            guard status >= 0 else { throw hdf5Failure("\(file.path): cannot write dataset \(child(name))") }
            try d.close("\(file.path): cannot write dataset \(child(name))")
        }
    }

    /// Reads a vector of strings (variable- or fixed-length).
    public func readStrings(_ name: String) throws -> [String] {
        try withHDF5 {
            let d = try openDataset(name)
            let ftype = try HDF5Handle(H5Dget_type(d.id), what: "cannot read the type of \(child(name))", closer: H5Tclose)
            guard H5Tget_class(ftype.id) == H5T_STRING else {
                throw HDF5Error("\(file.path): dataset \(child(name)) does not hold strings")
            }
            let space = try HDF5Handle(H5Dget_space(d.id), what: "cannot read \(child(name))", closer: H5Sclose)
            let count = try dims(of: space.id).reduce(1, *)
            return try readStringData(count: count, fileType: ftype.id, object: d.id, isDataset: true, what: child(name))
        }
    }

    // MARK: attributes

    /// Sets an attribute on this group, or on the dataset `dataset` inside it; replaces an
    /// existing attribute of the same name.
    public func setAttribute(_ name: String, _ value: HDF5Attribute, on dataset: String? = nil) throws {
        try withHDF5 {
            let obj = try openObject(dataset)
            if H5Aexists(obj.id, name) > 0 {
                guard H5Adelete(obj.id, name) >= 0 else { throw hdf5Failure("\(file.path): cannot replace attribute \(name)") }
            }
            switch value {
            case .string(let s):
                let type = try stringType()
                let space = try HDF5Handle(H5Screate(H5S_SCALAR), what: "cannot make a dataspace", closer: H5Sclose)
                let a = try createAttribute(obj.id, name, type.id, space.id)
                let status = withCStringArray([s]) { H5Awrite(a.id, type.id, $0) }
                guard status >= 0 else { throw hdf5Failure("\(file.path): cannot write attribute \(name)") }
                try a.close("\(file.path): cannot write attribute \(name)")
            case .double(let x): try writeNumericAttribute(obj.id, name, [x], scalar: true)
            case .int(let x): try writeNumericAttribute(obj.id, name, [x], scalar: true)
            case .doubles(let xs): try writeNumericAttribute(obj.id, name, xs, scalar: false)
            case .ints(let xs): try writeNumericAttribute(obj.id, name, xs, scalar: false)
            }
            try obj.close("\(file.path): cannot write attribute \(name)")
        }
    }

    /// Convenience: a string attribute.
    public func setAttribute(_ name: String, _ value: String, on dataset: String? = nil) throws {
        try setAttribute(name, .string(value), on: dataset)
    }

    /// Reads an attribute of this group (or of `dataset` inside it); nil when absent.
    public func attribute(_ name: String, on dataset: String? = nil) throws -> HDF5Attribute? {
        try withHDF5 {
            let obj = try openObject(dataset)
            guard H5Aexists(obj.id, name) > 0 else { return nil }
            let a = try HDF5Handle(H5Aopen(obj.id, name, s2ac_H5P_DEFAULT()), what: "cannot open attribute \(name)", closer: H5Aclose)
            let ftype = try HDF5Handle(H5Aget_type(a.id), what: "cannot read attribute \(name)", closer: H5Tclose)
            let space = try HDF5Handle(H5Aget_space(a.id), what: "cannot read attribute \(name)", closer: H5Sclose)
            let shape = try dims(of: space.id)
            let count = shape.reduce(1, *)
            switch H5Tget_class(ftype.id) {
            case H5T_STRING:
                let strings = try readStringData(count: count, fileType: ftype.id, object: a.id, isDataset: false, what: name)
                return .string(strings.first ?? "")
            case H5T_FLOAT:
                try requireNumericStorage(ftype.id, count: count, what: "attribute \(name)")
                var xs = [Double](repeating: 0, count: count)
                guard H5Aread(a.id, s2ac_H5T_NATIVE_DOUBLE(), &xs) >= 0 else { throw HDF5Error("cannot read attribute \(name)") }
                return shape.isEmpty ? .double(xs[0]) : .doubles(xs)
            case H5T_INTEGER:
                try requireNumericStorage(ftype.id, count: count, what: "attribute \(name)")
                var xs = [Int](repeating: 0, count: count)
                guard H5Aread(a.id, s2ac_H5T_NATIVE_INT64(), &xs) >= 0 else { throw HDF5Error("cannot read attribute \(name)") }
                return shape.isEmpty ? .int(xs[0]) : .ints(xs)
            default:
                throw HDF5Error("\(file.path): attribute \(name) has a type this suite does not read")
            }
        }
    }

    /// Names of the attributes of this group (or of `dataset`), in name order.
    public func attributeNames(on dataset: String? = nil) throws -> [String] {
        try withHDF5 {
            let obj = try openObject(dataset)
            var names: [String] = []
            var index: hsize_t = 0
            while true {
                let size = H5Aget_name_by_idx(obj.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, s2ac_H5P_DEFAULT())
                if size < 0 { break }
                var buffer = [CChar](repeating: 0, count: Int(size) + 1)
                _ = H5Aget_name_by_idx(obj.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, s2ac_H5P_DEFAULT())
                names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
                index += 1
            }
            return names
        }
    }

    // MARK: helpers

    private func openObject(_ dataset: String?) throws -> HDF5Handle {
        if let dataset { return try openDataset(dataset) }
        return try open()
    }

    private func createAttribute(_ obj: hid_t, _ name: String, _ type: hid_t, _ space: hid_t) throws -> HDF5Handle {
        try HDF5Handle(H5Acreate2(obj, name, type, space, s2ac_H5P_DEFAULT(), s2ac_H5P_DEFAULT()),
                       what: "\(file.path): cannot create attribute \(name) on \(path)", closer: H5Aclose)
    }

    private func writeNumericAttribute<T: HDF5Scalar>(_ obj: hid_t, _ name: String, _ values: [T], scalar: Bool) throws {
        var dims = [hsize_t(values.count)]
        let space = try HDF5Handle(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &dims, nil),
                                   what: "cannot make a dataspace", closer: H5Sclose)
        let a = try createAttribute(obj, name, T.hdf5MemoryType, space.id)
        let status = values.withUnsafeBytes { H5Awrite(a.id, T.hdf5MemoryType, $0.baseAddress) }
        guard status >= 0 else { throw hdf5Failure("\(file.path): cannot write attribute \(name)") }
        try a.close("\(file.path): cannot write attribute \(name)")
    }

    /// Variable-length UTF-8 string type.
    private func stringType() throws -> HDF5Handle {
        let t = try HDF5Handle(H5Tcopy(s2ac_H5T_C_S1()), what: "cannot make a string type", closer: H5Tclose)
        guard H5Tset_size(t.id, s2ac_H5T_VARIABLE()) >= 0, H5Tset_cset(t.id, H5T_CSET_UTF8) >= 0 else {
            throw HDF5Error("cannot make a string type")
        }
        return t
    }

    /// Seconds the child of `readStringData` gets to read variable-length strings: wall-clock
    /// time (a stalled file system) and CPU time (libhdf5 looping on a corrupt heap, a fuzzing
    /// finding; a good read of the suite's strings takes milliseconds).
    static let stringReadSeconds: UInt32 = 120
    static let stringReadCPUSeconds: UInt32 = 2

    /// Reads `count` strings of the attribute or dataset `object`. Variable-length strings are
    /// read in a child process (`s2ac_read_vlen_strings`, Sources/CHDF5/vlen_child.h): in a
    /// corrupt file libhdf5 1.10 follows their heap references to wild addresses, and no check
    /// through its API can tell before it does, so a crash there must not be ours. Fixed-length
    /// strings are read here.
    private func readStringData(count: Int, fileType: hid_t, object: hid_t, isDataset: Bool, what: String) throws -> [String] {
        func read(_ mtype: hid_t, _ buffer: UnsafeMutableRawPointer) -> herr_t {
            isDataset ? H5Dread(object, mtype, s2ac_H5S_ALL(), s2ac_H5S_ALL(), s2ac_H5P_DEFAULT(), buffer)
                      : H5Aread(object, mtype, buffer)
        }
        if H5Tis_variable_str(fileType) > 0 {
            let mtype = try stringType()
            var block: UnsafeMutablePointer<CChar>?
            var length = 0
            let outcome = s2ac_read_vlen_strings(object, isDataset ? 1 : 0, mtype.id, count, Self.stringReadSeconds,
                                                 Self.stringReadCPUSeconds, &block, &length)
            defer { free(block) }
            switch outcome {
            case 0: break
            case 1: throw HDF5Error("\(file.path): cannot read strings \(what)")
            case 128 + SIGALRM:
                throw HDF5Error("corrupt HDF5 file: \(file.path) (reading the strings \(what) did not finish in \(Self.stringReadSeconds) s)")
            case 128 + SIGXCPU:
                throw HDF5Error("corrupt HDF5 file: \(file.path) (the HDF5 library was still reading the strings \(what) after \(Self.stringReadCPUSeconds) s of CPU time)")
            case 129...:
                throw HDF5Error("corrupt HDF5 file: \(file.path) (the HDF5 library crashed reading the strings \(what), signal \(outcome - 128))")
            default: throw HDF5Error("\(file.path): cannot read strings \(what): the pipe from the reading child broke")
            }
            let bytes = UnsafeRawBufferPointer(start: block, count: length)
            var strings = bytes.split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            // Every string ends with a NUL, so the split leaves one empty piece after the last.
            if strings.last == "" { strings.removeLast() }
            guard strings.count == count else {
                throw HDF5Error("\(file.path): cannot read strings \(what): \(strings.count) of \(count) arrived")
            }
            return strings
        }
        let size = H5Tget_size(fileType)
        // A corrupt string type can claim any length. Fixed-length strings are stored in the
        // file, so all of them together fit in its bytes, as the dataspace check assumes for values.
        guard size > 0 else { throw HDF5Error("\(file.path): strings \(what) of 0 bytes each (corrupt?)") }
        try requireStoredInFile(UInt64(count), bytesEach: size, "\(count) strings \(what) of \(size) bytes each")
        if isDataset { try requireStoredBytes(of: object, count: count, bytesEach: size, what: "strings \(what)") }
        let mtype = try HDF5Handle(H5Tcopy(s2ac_H5T_C_S1()), what: "cannot make a string type", closer: H5Tclose)
        _ = H5Tset_size(mtype.id, size)
        // Padded with NULs, not NUL-terminated: a string that fills its whole size (h5py's
        // "cdef" in S4) keeps its last byte instead of giving it up to a terminator.
        _ = H5Tset_strpad(mtype.id, H5T_STR_NULLPAD)
        var bytes = [UInt8](repeating: 0, count: max(1, count * size))
        guard bytes.withUnsafeMutableBytes({ read(mtype.id, $0.baseAddress!) }) >= 0 else {
            throw HDF5Error("\(file.path): cannot read strings \(what)")
        }
        return (0..<count).map { i in
            let slice = bytes[(i * size)..<((i + 1) * size)]
            return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    private func describe(_ cls: H5T_class_t) -> String {
        switch cls {
        case H5T_FLOAT: return "floating-point numbers"
        case H5T_INTEGER: return "integers"
        case H5T_STRING: return "strings"
        default: return "another type"
        }
    }
}

/// Calls `body` with a C array of NUL-terminated copies of `strings`, valid only inside it.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafeRawPointer) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    return copies.withUnsafeBytes { body($0.baseAddress!) }
}
