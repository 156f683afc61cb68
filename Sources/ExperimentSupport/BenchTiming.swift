import Foundation

/// Seconds `body` takes on the process CPU clock (`cpu`: immune to other jobs on the machine
/// when one thread works, since a wall clock would charge a long case for every time slice
/// another job takes) or on the monotonic wall clock (several threads).
public func benchSeconds(cpu: Bool, _ body: () -> Void) -> Double {
    var a = timespec(), b = timespec()
    let id = cpu ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC
    clock_gettime(id, &a)
    body()
    clock_gettime(id, &b)
    return Double(b.tv_sec - a.tv_sec) + Double(b.tv_nsec - a.tv_nsec) * 1e-9
}

/// The median of a non-empty sample.
public func median(_ xs: [Double]) -> Double {
    precondition(!xs.isEmpty, "median of no values")
    let s = xs.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
