import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// Keeps the OCSP memory cache exact when several instances share one PostgreSQL database.
///
/// Every change an OCSP answer depends on advances the database's change counter in the changing
/// transaction (``OCSPEpochSource``). Without a lease, an answer from memory is given only after a
/// read of that counter which **began after the request arrived**; when the value differs from the
/// previous read, memory is emptied before any waiting request is answered. So a revocation whose
/// call has returned — on any instance, or an operator's SQL — is never answered `good` from memory.
///
/// One read serves every request that arrived before it began: requests arriving while a read is
/// in flight wait for the next one, which starts as soon as the current one ends (from the read's
/// completion callback, on the database's event loop: no Swift task in the loop). Under load the
/// database sees one small query per round trip, however many requests there are; a request waits
/// one to two round trips. (Measured: overlapping reads, or pausing between them, both answered
/// fewer requests — more queries compete for the same cores, or requests wait longer.)
///
/// With ``Leases`` (production), no read is needed at all while this instance holds a verified
/// ``OCSPLease`` (``isCurrent()``): ``run()`` then keeps the lease and reads the counter every few
/// milliseconds in the background, and revocations through certctl wait for this instance instead
/// (an operator's SQL, which waits for nobody, shows within one such read). The lease is
/// held only while memory is in demand; an idle instance gives it up, and its next requests wait
/// for reads as above until the lease is taken again.
final class OCSPEpochGate: Service, Sendable {
    /// This instance's lease in the database (``OCSPEpochSource``).
    struct Leases: Sendable {
        let renew: @Sendable (_ duration: Duration, _ seen: Int64) async throws -> Void
        let acknowledge: @Sendable (Int64) async throws -> Void
        let release: @Sendable () async throws -> Void

        init(_ source: any OCSPEpochSource) {
            renew = { try await source.renewOCSPLease(for: $0, seen: $1) }
            acknowledge = { try await source.acknowledgeOCSPEpoch($0) }
            release = { try await source.releaseOCSPLease() }
        }

        init(
            renew: @escaping @Sendable (Duration, Int64) async throws -> Void,
            acknowledge: @escaping @Sendable (Int64) async throws -> Void,
            release: @escaping @Sendable () async throws -> Void
        ) {
            (self.renew, self.acknowledge, self.release) = (renew, acknowledge, release)
        }
    }

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
        var lease = OCSPLease()
        /// The last counter value this instance acknowledged in the database.
        var acknowledged: Int64?
        /// When memory was last asked for (``isCurrent()``): the lease is kept only while it is.
        var wanted: ContinuousClock.Instant?
    }

    /// Reads the counter (``OCSPEpochSource/ocspEpoch()``).
    private let readEpoch: @Sendable () -> EventLoopFuture<Int64>
    private let memory: OCSPMemoryCache
    private let metrics: HostMetrics
    private let logger: Logger
    private let state = Mutex(State())

    private let leases: Leases?

    init(
        memory: OCSPMemoryCache, metrics: HostMetrics, logger: Logger, readEpoch: @escaping @Sendable () -> EventLoopFuture<Int64>,
        leases: Leases? = nil
    ) {
        self.readEpoch = readEpoch
        self.leases = leases
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

    /// Whether memory may be used now without waiting for a read: this instance holds a verified
    /// lease. Called for every request that memory could answer; such calls keep the lease wanted.
    func isCurrent() -> Bool {
        guard leases != nil else { return false }
        let now = ContinuousClock.now
        return state.withLock { state in
            state.wanted = now
            return !state.stopped && state.lease.isCurrent(at: now)
        }
    }

    /// Holds the lease while memory is wanted (reads for waiting requests are driven by futures on
    /// the database's event loop); on shutdown, stops both.
    func run() async {
        if let leases {
            await hold(leases)
        } else {
            try? await gracefulShutdown()
        }
        let left = state.withLock { state in
            state.stopped = true
            defer { state.waiting = [] }
            return state.waiting
        }
        resume(left, with: false)
    }

    /// How long an instance that nobody asks to answer from memory waits between looks.
    static let idleInterval: Duration = .milliseconds(50)

    /// The lease loop (``OCSPLease``): while memory is wanted, renews the lease every
    /// ``OCSPLease/renewalInterval`` and reads the counter every ``OCSPLease/pollInterval``,
    /// acknowledging each new value once memory was emptied for it. The lease is renewed only while
    /// reads and acknowledgements keep up, so a stuck instance delays revocations for one lease at
    /// most. Nobody asking for a lease's length gives it up.
    private func hold(_ leases: Leases) async {
        var lastRenewal: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let now = ContinuousClock.now
            let (wanted, held, caughtUp) = state.withLock { state in
                (
                    state.wanted.map { now - $0 < OCSPLease.duration } ?? false, state.lease.isHeld(at: now),
                    !state.failing && state.known != nil && state.known == state.acknowledged
                )
            }
            guard wanted else {
                if lastRenewal != nil {
                    lastRenewal = nil
                    await release(leases)
                }
                try? await Task.sleep(for: Self.idleInterval)
                continue
            }
            if !held || (caughtUp && now - (lastRenewal ?? now) >= OCSPLease.renewalInterval) {
                await renew(leases, sent: now)
                lastRenewal = now
            }
            // Without a lease (the database refused it), try again after a pause.
            guard state.withLock({ $0.lease.isHeld(at: .now) }) else {
                try? await Task.sleep(for: Self.idleInterval)
                continue
            }
            await poll(leases)
            try? await Task.sleep(for: OCSPLease.pollInterval)
        }
        if lastRenewal != nil { await release(leases) }
    }

    /// Renews (or takes) the lease; a lease taken anew is counted (`memory_lease_taken`).
    private func renew(_ leases: Leases, sent: ContinuousClock.Instant) async {
        let seen = state.withLock { $0.acknowledged } ?? -1
        do {
            try await leases.renew(OCSPLease.duration, seen)
        } catch {
            return
        }
        let completed = ContinuousClock.now
        let started = state.withLock { state in
            let held = state.lease.isHeld(at: completed)
            state.lease.renewed(sent: sent, completed: completed)
            return !held
        }
        if started { metrics.increment(.ocsp, "memory_lease_taken") }
    }

    /// One background read: memory emptied if the counter moved, then the value acknowledged.
    private func poll(_ leases: Leases) async {
        let started = ContinuousClock.now
        let result: Result<Int64, any Error>
        do {
            result = .success(try await readEpoch().get())
        } catch {
            result = .failure(error)
        }
        guard settle(result), case .success(let value) = result else {
            state.withLock { $0.lease.pollFailed() }
            return
        }
        let acknowledged = state.withLock { state in
            state.lease.polled(startedAt: started)
            return state.acknowledged
        }
        // Recorded only once the database has it; a failed acknowledgement is tried again next poll.
        guard acknowledged != value, (try? await leases.acknowledge(value)) != nil else { return }
        state.withLock { $0.acknowledged = value }
    }

    /// Stops using memory without reads, then ends the lease in the database.
    private func release(_ leases: Leases) async {
        state.withLock { $0.lease.release() }
        try? await leases.release()
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
            // Emptied under the lock: whoever sees the new value next (a waiting request, or the
            // lease loop about to acknowledge it) finds memory already emptied for it.
            let (moved, recovered) = state.withLock { state in
                defer { (state.known, state.failing) = (value, false) }
                if state.known != value { memory.invalidateAll() }
                return (state.known != value, state.failing)
            }
            if recovered { logger.notice("OCSP change counter readable again; answering from memory") }
            if moved { metrics.increment(.ocsp, "memory_epoch_changed") }
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
