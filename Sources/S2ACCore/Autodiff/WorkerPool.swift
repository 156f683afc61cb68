import CBLAS
import Foundation
import Synchronization

/// Worker threads for the engine's long elementwise loops, so an update uses every core it is
/// given and not only the matrix products that OpenBLAS threads.
///
/// `run(parts:_:)` calls `body(0)` on the calling thread and `body(1) ... body(parts - 1)` on
/// the workers, and returns when all have finished. Callers go through `forEachBlock`, which
/// cuts the work into blocks whose edges depend on its size alone and only deals the blocks
/// out to the parts, so results are bit-identical for any thread count by construction.
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

/// Sets how many threads the engine uses for one update. Large matrix products and long loops
/// are always cut into the same blocks (their edges depend on the problem's size alone, see
/// `forEachBlock`); the thread count only decides which engine thread computes which block.
/// OpenBLAS's own threads stay off, so at most `n` threads ever compete for the cores. The
/// suite defaults to 1 (parallelism comes from running several runs at once); benchmarks and
/// single long runs may ask for more.
public func setEngineThreads(_ n: Int) {
    openblas_set_num_threads(1)
    WorkerPool.shared.resize(n)
}

/// Matrix products with m * n * k at or above this are cut into blocks of rows (or columns) of
/// C, one single-threaded OpenBLAS call each, on every thread count. Cut at 2^21, SAC's critic
/// layers (batch 100 x 256 x 256, about 0.1 ms each) made its 2-thread update slower than its
/// 1-thread one on this machine (2.9-4.1 ms against 2.8); the S2AC products (1000 x 256 x 256)
/// are four times this size.
let blockedGemmThreshold = 1 << 24

/// How many blocks a product at or above the threshold is cut into: enough for 1, 2 and 4
/// threads to share evenly, few enough that the extra packing of the shared operand (one per
/// block) stays small against the block's arithmetic (bench-engine measures it).
let gemmBlocks = 4

/// Loops over at least this many elements are cut into blocks of `loopBlock` elements; a
/// hand-off to a worker costs a few microseconds.
let blockedLoopThreshold = 32_768
let loopBlock = 16_384

/// Calls `body(start, count)` once per block of 0..<length. The blocks are `blockSize` long (the
/// last one shorter) when `blocked` is set, else one block covers everything: edges that depend
/// on the length and the caller's fixed rule only, never on the thread count. With several
/// engine threads the blocks are dealt out in contiguous runs, one run per thread; each block is
/// still one call of `body` on exactly the same range, so every BLAS call and loop the engine
/// makes, and every value it computes, is the same for any thread count by construction.
@inline(__always)
func forEachBlock(_ length: Int, blockSize: Int, blocked: Bool, _ body: (_ start: Int, _ count: Int) -> Void) {
    let traced = EngineTrace.isRecordingHere()
    guard blocked && blockSize < length else {
        if traced { EngineTrace.record(length, 0, length) }
        body(0, length)
        return
    }
    let blocks = (length + blockSize - 1) / blockSize
    @inline(__always) func runBlocks(_ first: Int, _ end: Int) {
        for b in first..<end {
            let start = b * blockSize, count = Swift.min(blockSize, length - start)
            if traced { EngineTrace.record(length, start, count) }
            body(start, count)
        }
    }
    let pool = WorkerPool.shared
    let parts = Swift.min(pool.parts, blocks)
    if parts <= 1 { runBlocks(0, blocks); return }
    pool.run(parts: parts) { p in runBlocks(p * blocks / parts, (p + 1) * blocks / parts) }
}

/// The block length that cuts `length` into `blocks` pieces with inner edges on multiples of `tile`.
@inline(__always)
func blockSize(_ length: Int, blocks: Int, tile: Int) -> Int {
    Swift.max(tile, ((length + blocks - 1) / blocks + tile - 1) / tile * tile)
}

/// `forEachBlock` over the n elements of a loop: blocks of `loopBlock` elements when n is long.
@inline(__always)
func splitLoop(_ n: Int, _ body: (_ start: Int, _ count: Int) -> Void) {
    forEachBlock(n, blockSize: loopBlock, blocked: n >= blockedLoopThreshold, body)
}

/// `forEachBlock` over whole rows: blocks of about `loopBlock` elements when rows * rowLength is long.
@inline(__always)
func splitRows(_ rows: Int, _ rowLength: Int, _ body: (_ first: Int, _ count: Int) -> Void) {
    forEachBlock(rows, blockSize: Swift.max(1, loopBlock / Swift.max(1, rowLength)),
                 blocked: rows * rowLength >= blockedLoopThreshold, body)
}

/// A record of the blocks the engine cut its work into, for tests that check the cut does not
/// depend on the thread count. It records the blocks of work started by one thread (the one
/// that called `recording`), wherever each block then runs; when off, checking costs one
/// relaxed atomic load.
public enum EngineTrace {
    /// pthread id of the recording thread, 0 when off.
    private static let recorder = Atomic<UInt>(0)
    private static let entries = Mutex<[[Int]]>([])

    @inline(__always)
    static func isRecordingHere() -> Bool {
        let r = recorder.load(ordering: .relaxed)
        return r != 0 && r == UInt(pthread_self())
    }

    static func record(_ length: Int, _ start: Int, _ count: Int) {
        entries.withLock { $0.append([length, start, count]) }
    }

    /// Runs `body` and returns every block (length, start, count) of engine work it started,
    /// sorted, so two runs compare whatever order their threads recorded in. `body` must stay on
    /// this thread (synchronous code). One recording at a time.
    public static func recording(_ body: () -> Void) -> [[Int]] {
        entries.withLock { $0 = [] }
        recorder.store(UInt(pthread_self()), ordering: .sequentiallyConsistent)
        body()
        recorder.store(0, ordering: .sequentiallyConsistent)
        return entries.withLock { e in e.sorted { $0.lexicographicallyPrecedes($1) } }
    }
}
