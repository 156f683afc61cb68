/// An error caused by what a user gave the suite (a flag, a config, a file): its message is
/// one line a user can act on, and the executables turn it into exit code 2.
public struct InputError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
