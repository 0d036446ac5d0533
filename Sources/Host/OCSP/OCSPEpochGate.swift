import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Keeps the OCSP memory cache exact when several instances share one PostgreSQL database.
///
/// Every change an OCSP answer depends on advances the database's change counter in the changing
/// transaction (``OCSPEpochSource``). An answer from memory is given only after a read of that
/// counter which **began after the request arrived**; when the value differs from the previous
/// read, memory is emptied before any waiting request is answered. So a revocation whose call has
/// returned — on any instance, or an operator's SQL — is never answered `good` from memory.
///
/// One read serves every request that arrived before it began: requests arriving while a read is
/// in flight wait for the next one, which starts as soon as the current one ends (from the read's
/// completion callback, on the database's event loop: no Swift task in the loop). Under load the
/// database sees one small query per round trip, however many requests there are; a request waits
/// one to two round trips. (Measured: overlapping reads, or pausing between them, both answered
/// fewer requests — more queries compete for the same cores, or requests wait longer.)
final class OCSPEpochGate: Service, Sendable {
    private struct Waiter: Sendable {
        let loop: any EventLoop
        let resume: @Sendable (Bool) -> Void
    }

    private struct State {
        /// The value of the last successful read; `nil` before the first.
        var known: Int64?
        var reading = false
        var stopped = false
        /// Whether the last read failed (logged once per outage).
        var failing = false
        /// Requests that arrived since the current read began.
        var waiting: [Waiter] = []
    }

    /// Reads the counter (``OCSPEpochSource/ocspEpoch()``).
    private let readEpoch: @Sendable () -> EventLoopFuture<Int64>
    private let memory: OCSPMemoryCache
    private let metrics: HostMetrics
    private let logger: Logger
    private let state = Mutex(State())

    init(memory: OCSPMemoryCache, metrics: HostMetrics, logger: Logger, readEpoch: @escaping @Sendable () -> EventLoopFuture<Int64>) {
        self.readEpoch = readEpoch
        self.memory = memory
        self.metrics = metrics
        self.logger = logger
    }

    /// Calls `resume` on `loop` once a read that began after this call has ended: `true` when
    /// memory may be used (emptied first if the database changed), `false` when the read failed or
    /// the gate stopped (the caller then asks the database itself).
    func wait(on loop: any EventLoop, _ resume: @escaping @Sendable (Bool) -> Void) {
        enum Next {
            case refuse, join
            case start([Waiter])
        }
        let next = state.withLock { state -> Next in
            if state.stopped { return .refuse }
            state.waiting.append(Waiter(loop: loop, resume: resume))
            if state.reading { return .join }
            state.reading = true
            defer { state.waiting = [] }
            return .start(state.waiting)
        }
        switch next {
        case .refuse: loop.execute { resume(false) }
        case .start(let batch): read(for: batch)
        case .join: break
        }
    }

    /// Reads are driven by futures on the database's event loop; the service only stops them.
    func run() async {
        try? await gracefulShutdown()
        let left = state.withLock { state in
            state.stopped = true
            defer { state.waiting = [] }
            return state.waiting
        }
        resume(left, with: false)
    }

    /// Starts a read that answers `batch`; when it ends, the next read starts for whoever arrived
    /// meanwhile.
    private func read(for batch: [Waiter]) {
        readEpoch().whenComplete { result in
            self.resume(batch, with: self.settle(result))
            let next = self.state.withLock { state -> [Waiter]? in
                guard !state.stopped, !state.waiting.isEmpty else {
                    state.reading = false
                    return nil
                }
                defer { state.waiting = [] }
                return state.waiting
            }
            if let next { self.read(for: next) }
        }
    }

    /// Takes a read's result: empties memory when the counter moved. Whether memory may be used.
    private func settle(_ result: Result<Int64, any Error>) -> Bool {
        switch result {
        case .success(let value):
            let (moved, recovered) = state.withLock { state in
                defer { (state.known, state.failing) = (value, false) }
                return (state.known != value, state.failing)
            }
            if recovered { logger.notice("OCSP change counter readable again; answering from memory") }
            if moved {
                memory.invalidateAll()
                metrics.increment(.ocsp, "memory_epoch_changed")
            }
            return true
        case .failure(let error):
            metrics.increment(.ocsp, "memory_epoch_failed")
            let first = state.withLock { state in
                defer { state.failing = true }
                return !state.failing
            }
            if first {
                logger.warning("OCSP change counter unreadable; answering from the database", metadata: ["error": "\(error)"])
            }
            return false
        }
    }

    /// Resumes waiters with one task per event loop.
    private func resume(_ waiters: [Waiter], with usable: Bool) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, resumes: [@Sendable (Bool) -> Void])] = [:]
        for waiter in waiters {
            byLoop[ObjectIdentifier(waiter.loop), default: (waiter.loop, [])].resumes.append(waiter.resume)
        }
        for (loop, resumes) in byLoop.values {
            loop.execute { for resume in resumes { resume(usable) } }
        }
    }
}
