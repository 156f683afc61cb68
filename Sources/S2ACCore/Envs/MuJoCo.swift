import CMuJoCo
import Foundation

/// An error from MuJoCo itself (its own message) or from a missing or altered model file.
public struct MuJoCoError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The version string of the linked MuJoCo library ("2.2.2" on Debian 12).
public var mujocoVersion: String { String(cString: mj_versionString()) }

/// A compiled MuJoCo model (`mjModel`), loaded from an MJCF file and freed in `deinit`.
/// Mirrors the C API: only what the environments read is exposed, always as Swift values.
public final class MuJoCoModel: @unchecked Sendable {
    let raw: UnsafeMutablePointer<mjModel>

    /// Loads and compiles `path` with `mj_loadXML`; a failure throws MuJoCo's own error text.
    public init(xmlPath path: String) throws {
        var error = [CChar](repeating: 0, count: 1000)
        guard let model = mj_loadXML(path, nil, &error, Int32(error.count)) else {
            let text = String(cString: error)
            throw MuJoCoError("MuJoCo could not load \(path): \(text.isEmpty ? "unknown error" : text)")
        }
        raw = model
    }

    deinit { mj_deleteModel(raw) }

    /// Numbers of position coordinates, degrees of freedom, actuators and bodies (world included).
    public var nq: Int { Int(raw.pointee.nq) }
    public var nv: Int { Int(raw.pointee.nv) }
    public var nu: Int { Int(raw.pointee.nu) }
    public var nbody: Int { Int(raw.pointee.nbody) }
    /// The simulation time step `opt.timestep`, in seconds.
    public var timestep: Double { raw.pointee.opt.timestep }
    /// The reference configuration `qpos0` (what `mj_resetData` puts into `qpos`).
    public var qpos0: [Double] { Array(UnsafeBufferPointer(start: raw.pointee.qpos0, count: nq)) }
    /// Body masses, world body first.
    public var bodyMass: [Double] { Array(UnsafeBufferPointer(start: raw.pointee.body_mass, count: nbody)) }
    /// Per-actuator control ranges as (low, high).
    public var controlRange: [(low: Double, high: Double)] {
        let r = raw.pointee.actuator_ctrlrange!
        return (0..<nu).map { (r[2 * $0], r[2 * $0 + 1]) }
    }

    /// The index of the body called `name`, or nil.
    public func bodyIndex(named name: String) -> Int? {
        let id = mj_name2id(raw, Int32(mjOBJ_BODY.rawValue), name)
        return id < 0 ? nil : Int(id)
    }
}

/// The simulation state and every derived quantity (`mjData`) of one model; freed in `deinit`.
/// Fields are read and written through `Field`, element by element or in blocks, so no pointer
/// into MuJoCo's memory leaves this class.
public final class MuJoCoData: @unchecked Sendable {
    public let model: MuJoCoModel
    let raw: UnsafeMutablePointer<mjData>

    /// The arrays of `mjData` the suite reads or writes; the comment gives the C name and shape.
    public enum Field: CaseIterable, Sendable {
        case qpos            // qpos (nq)
        case qvel            // qvel (nv)
        case qaccWarmstart   // qacc_warmstart (nv): the solver's warm start, part of the state
        case ctrl            // ctrl (nu)
        case xpos            // xpos (nbody x 3): body frame positions
        case xipos           // xipos (nbody x 3): body centre-of-mass positions
        case cinert          // cinert (nbody x 10): com-based inertia
        case cvel            // cvel (nbody x 6): com-based velocity
        case qfrcActuator    // qfrc_actuator (nv): actuator forces in joint space
        case cfrcExt         // cfrc_ext (nbody x 6): com-based external (contact) forces
    }

    public init(model: MuJoCoModel) throws {
        guard let data = mj_makeData(model.raw) else { throw MuJoCoError("MuJoCo could not allocate mjData") }
        self.model = model
        raw = data
    }

    deinit { mj_deleteData(raw) }

    /// The number of values in `field`.
    public func count(_ field: Field) -> Int {
        let m = model.raw.pointee
        switch field {
        case .qpos: return Int(m.nq)
        case .qvel, .qaccWarmstart, .qfrcActuator: return Int(m.nv)
        case .ctrl: return Int(m.nu)
        case .xpos, .xipos: return 3 * Int(m.nbody)
        case .cinert: return 10 * Int(m.nbody)
        case .cvel, .cfrcExt: return 6 * Int(m.nbody)
        }
    }

    @inline(__always)
    private func base(_ field: Field) -> UnsafeMutablePointer<Double> {
        let d = raw.pointee
        switch field {
        case .qpos: return d.qpos
        case .qvel: return d.qvel
        case .qaccWarmstart: return d.qacc_warmstart
        case .ctrl: return d.ctrl
        case .xpos: return d.xpos
        case .xipos: return d.xipos
        case .cinert: return d.cinert
        case .cvel: return d.cvel
        case .qfrcActuator: return d.qfrc_actuator
        case .cfrcExt: return d.cfrc_ext
        }
    }

    /// Element `index` of `field` (flat, row-major).
    @inline(__always)
    public subscript(field: Field, index: Int) -> Double {
        get {
            precondition(index >= 0 && index < count(field), "MuJoCoData index out of range")
            return base(field)[index]
        }
        set {
            precondition(index >= 0 && index < count(field), "MuJoCoData index out of range")
            base(field)[index] = newValue
        }
    }

    /// A copy of the whole of `field`.
    public func values(_ field: Field) -> [Double] {
        Array(UnsafeBufferPointer(start: base(field), count: count(field)))
    }

    /// Overwrites the whole of `field` with `values` (which must have `count(field)` elements).
    public func set(_ field: Field, _ values: [Double]) {
        precondition(values.count == count(field), "\(field) needs \(count(field)) values, got \(values.count)")
        values.withUnsafeBufferPointer { base(field).update(from: $0.baseAddress!, count: $0.count) }
    }

    /// Overwrites `ctrl` with a float32 action, widened exactly to float64.
    public func setControl(_ action: [Float]) {
        precondition(action.count == count(.ctrl), "ctrl needs \(count(.ctrl)) values, got \(action.count)")
        let c = base(.ctrl)
        for i in 0..<action.count { c[i] = Double(action[i]) }
    }

    /// Appends `field[range]` to `output`, optionally clipping each value to `clip`.
    public func append(_ field: Field, _ range: Range<Int>? = nil, clippedTo clip: ClosedRange<Double>? = nil,
                       to output: inout [Double]) {
        let r = range ?? 0..<count(field)
        precondition(r.lowerBound >= 0 && r.upperBound <= count(field), "\(field) range out of bounds")
        let p = base(field)
        if let clip {
            for i in r { output.append(Swift.min(Swift.max(p[i], clip.lowerBound), clip.upperBound)) }
        } else {
            output.append(contentsOf: UnsafeBufferPointer(start: p + r.lowerBound, count: r.count))
        }
    }

    /// Simulation time `time`.
    public var time: Double {
        get { raw.pointee.time }
        set { raw.pointee.time = newValue }
    }

    /// `mj_step`: one step of `model.timestep`.
    @inline(__always) public func step() { mj_step(model.raw, raw) }
    /// `mj_forward`: every derived quantity from the current state, without integrating.
    public func forward() { mj_forward(model.raw, raw) }
    /// `mj_kinematics`: body positions and orientations (`xpos`, `xipos`, ...) from `qpos`.
    public func kinematics() { mj_kinematics(model.raw, raw) }
    /// `mj_rnePostConstraint`: fills `cfrc_ext` (and `cacc`, `cfrc_int`) from the constraint forces.
    public func rnePostConstraint() { mj_rnePostConstraint(model.raw, raw) }
    /// `mj_resetData`: the model's default state (`qpos0`, zero velocity, time 0, ...).
    public func reset() { mj_resetData(model.raw, raw) }
}
