import CBLAS
import Foundation
import Synchronization

/// Worker threads for the engine's long elementwise loops, so an update uses every core it is
/// given and not only the matrix products that OpenBLAS threads.
///
/// `run(parts:_:)` calls `body(0)` on the calling thread and `body(1) ... body(parts - 1)` on
/// the workers, and returns when all have finished. Every caller splits its loop at fixed
/// element boundaries that depend only on the length and the part count, and every element is
/// computed by the same code as in the one-thread loop, so results are bit-identical for any
/// thread count.
///
/// Waiting spins with `sched_yield` (a core that OpenBLAS's own workers need is handed over at
/// once) for about a millisecond, then sleeps on a semaphore. The pool is meant for the one
/// thread that drives training; a job posted while another is running waits for it.
final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    /// Number of parts a split loop uses: 1 (no workers) until `resize` is called.
    private(set) var parts = 1

    private var workers: [Worker] = []
    /// Serialises jobs from different threads (tests run concurrently).
    private let gate = NSLock()
    /// Parts of the current job not yet finished by a worker.
    private let remaining = Atomic<Int>(0)
    /// The current job; written before `Worker.generation` is bumped (release), read after it
    /// is seen (acquire).
    fileprivate var job: ((Int) -> Void)?

    fileprivate final class Worker: @unchecked Sendable {
        let index: Int
        let generation = Atomic<Int>(0)
        let sleeping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
        var seen = 0
        unowned let pool: WorkerPool
        init(index: Int, pool: WorkerPool) { self.index = index; self.pool = pool }

        func loop() {
            while true {
                waitForJob()
                runJob()
                pool.remaining.subtract(1, ordering: .releasing)
            }
        }

        /// Kept out of line so every reference to the job is released before the part is
        /// reported done: `run` lends a non-escaping closure, which must be unreferenced
        /// when it returns.
        @inline(never)
        private func runJob() { pool.job!(index) }

        private func waitForJob() {
            var spins = 0
            while true {
                let g = generation.load(ordering: .acquiring)
                if g != seen { seen = g; return }
                spins += 1
                if spins < 2000 { sched_yield(); continue }
                // Sleep; a poster that bumps the generation after this store sees `sleeping`
                // and signals. A stale signal only causes one extra pass round the loop.
                sleeping.store(true, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) != seen {
                    if !sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.wait() }
                    continue
                }
                wake.wait()
                spins = 0
            }
        }

        func post() {
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
        }
    }

    /// Uses `threads` parts from now on (workers are started on first need and kept).
    func resize(_ threads: Int) {
        gate.lock(); defer { gate.unlock() }
        let n = Swift.max(1, threads)
        while workers.count < n - 1 {
            let w = Worker(index: workers.count + 1, pool: self)
            workers.append(w)
            let thread = Thread { w.loop() }
            thread.name = "s2ac-engine-\(w.index)"
            thread.start()
        }
        parts = n
    }

    /// body(0) here, body(1..<parts) on the workers; returns when every part is done.
    func run(parts n: Int, _ body: (Int) -> Void) {
        precondition(n >= 1 && n <= parts)
        if n == 1 { body(0); return }
        withoutActuallyEscaping(body) { body in
            gate.lock(); defer { gate.unlock() }
            job = body
            remaining.store(n - 1, ordering: .releasing)
            for w in workers.prefix(n - 1) { w.post() }
            body(0)
            while remaining.load(ordering: .acquiring) != 0 { sched_yield() }
            job = nil
        }
    }
}

/// Sets how many threads the engine uses for one update: large matrix products are split
/// into that many single-threaded OpenBLAS calls on blocks of the result, and long elementwise
/// loops into that many chunks, all on the engine's own workers. OpenBLAS's threads stay off,
/// so at most `n` threads ever compete for the cores. The suite defaults to 1 (parallelism
/// comes from running several runs at once); benchmarks and single long runs may ask for more.
public func setEngineThreads(_ n: Int) {
    openblas_set_num_threads(1)
    WorkerPool.shared.resize(n)
}

/// Matrix products with m * n * k below this run as one call. Split at 2^21, SAC's critic
/// layers (batch 100 x 256 x 256, about 0.1 ms each) made its 2-thread update slower than its
/// 1-thread one on this machine (2.9-4.1 ms against 2.8); the S2AC products (1000 x 256 x 256)
/// are four times this size.
let parallelGemmThreshold = 1 << 24

/// Below this many elements a loop runs on one thread: a hand-off costs a few microseconds.
let parallelLoopThreshold = 32_768

/// Calls `body(start, count)` on consecutive ranges covering 0..<length, one per engine thread
/// (at most one per `tile`), with inner edges on multiples of `tile`; all on this thread when
/// the engine has one thread or `parallel` is false.
@inline(__always)
func forEachPart(_ length: Int, tile: Int = 1, parallel: Bool = true, _ body: (_ start: Int, _ count: Int) -> Void) {
    let pool = WorkerPool.shared
    let parts = Swift.min(pool.parts, (length + tile - 1) / tile)
    if !parallel || parts <= 1 { body(0, length); return }
    let chunk = ((length + parts - 1) / parts + tile - 1) / tile * tile
    pool.run(parts: parts) { p in
        let start = Swift.min(p * chunk, length)
        let count = Swift.min(chunk, length - start)
        if count > 0 { body(start, count) }
    }
}

/// `forEachPart` over the n elements of a loop, in parallel when n is long; edges on 64 elements.
@inline(__always)
func splitLoop(_ n: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
    forEachPart(n, tile: 64, parallel: n >= parallelLoopThreshold, body)
}

/// `forEachPart` over whole rows, in parallel when rows * rowLength is long.
@inline(__always)
func splitRows(_ rows: Int, _ rowLength: Int, _ body: (_ first: Int, _ count: Int) -> Void) {
    forEachPart(rows, parallel: rows * rowLength >= parallelLoopThreshold, body)
}
