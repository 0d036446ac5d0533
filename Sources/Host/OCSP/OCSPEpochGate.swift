import Logging
import NIOCore
import NIOPosix
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
/// ``OCSPLease`` (``isCurrent()``): ``run()`` then listens to the counter's notifications (PostgreSQL
/// `LISTEN`), empties memory and acknowledges each new value as it commits, and keeps the lease
/// (reading the counter at every renewal as a safety net); revocations through certctl wait for
/// this instance instead, and an operator's SQL, which waits for nobody, shows as soon as it
/// commits. Without the notification connection the lease is given up until it is back. The lease
/// is held only while memory is in demand; an idle instance gives it up, and its next requests
/// wait for reads as above until the lease is taken again.
final class OCSPEpochGate: Service, Sendable {
    /// This instance's lease in the database (``OCSPEpochSource``).
    struct Leases: Sendable {
        let listen: @Sendable (_ body: @Sendable (AsyncThrowingStream<Int64, any Error>) async throws -> Void) async throws -> Void
        let renew: @Sendable (_ duration: Duration, _ seen: Int64) async throws -> Void
        let acknowledge: @Sendable (Int64) async throws -> Void
        let release: @Sendable () async throws -> Void

        init(_ source: any OCSPEpochSource) {
            listen = { try await source.listenOCSPEpoch($0) }
            renew = { try await source.renewOCSPLease(for: $0, seen: $1) }
            acknowledge = { try await source.acknowledgeOCSPEpoch($0) }
            release = { try await source.releaseOCSPLease() }
        }

        init(
            listen: @escaping @Sendable (@Sendable (AsyncThrowingStream<Int64, any Error>) async throws -> Void) async throws -> Void,
            renew: @escaping @Sendable (Duration, Int64) async throws -> Void,
            acknowledge: @escaping @Sendable (Int64) async throws -> Void,
            release: @escaping @Sendable () async throws -> Void
        ) {
            (self.listen, self.renew, self.acknowledge, self.release) = (listen, renew, acknowledge, release)
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
        /// Whether the notification connection was lost (logged once per outage).
        var deaf = false
        /// Requests that arrived since the current read began.
        var waiting: [Waiter] = []
        var lease: OCSPLease
        /// The last counter value this instance acknowledged in the database.
        var acknowledged: Int64?
        /// When memory was last asked for (``isCurrent()``): the lease is kept only while it is.
        var wanted: OCSPClock.Instant?
    }

    /// Reads the counter (``OCSPEpochSource/ocspEpoch()``).
    private let readEpoch: @Sendable () -> EventLoopFuture<Int64>
    private let memory: OCSPMemoryCache
    private let metrics: HostMetrics
    private let logger: Logger
    private let state: Mutex<State>
    private let leases: Leases?
    /// The memory's tuning and clock (lease lengths, idle interval).
    private var tuning: OCSPTuning { memory.tuning }
    private var clock: OCSPClock { memory.clock }

    init(
        memory: OCSPMemoryCache, metrics: HostMetrics, logger: Logger, readEpoch: @escaping @Sendable () -> EventLoopFuture<Int64>,
        leases: Leases? = nil
    ) {
        self.readEpoch = readEpoch
        self.leases = leases
        self.memory = memory
        self.metrics = metrics
        self.logger = logger
        state = Mutex(State(lease: OCSPLease(tuning: memory.tuning)))
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

    /// ``wait(on:_:)`` from a task (the router's way through).
    func wait() async -> Bool {
        await withCheckedContinuation { continuation in
            wait(on: Self.resumeLoop) { continuation.resume(returning: $0) }
        }
    }

    /// Where ``wait()`` is resumed: it only resumes a continuation.
    private static var resumeLoop: any EventLoop { MultiThreadedEventLoopGroup.singleton.any() }

    /// Whether memory may be used now without waiting for a read: this instance holds a verified
    /// lease. Called for every request that memory could answer; such calls keep the lease wanted.
    func isCurrent() -> Bool {
        guard leases != nil else { return false }
        let now = clock.now
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

    /// Whether memory was asked for within a lease's length.
    private var wanted: Bool {
        let now = clock.now
        return state.withLock { state in state.wanted.map { $0.duration(to: now) < tuning.leaseDuration } ?? false }
    }

    /// The lease loop (``OCSPLease``): while memory is wanted, listens to the counter's
    /// notifications — memory emptied, then each new value acknowledged — and keeps the lease
    /// (``keepLease(_:)``). The notifications are listened to before the lease is taken, so no
    /// change committed while the lease holds goes unseen; when they stop (the connection was
    /// lost), the lease is given up until they are back. Nobody asking for a lease's length gives
    /// it up too.
    private func hold(_ leases: Leases) async {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            guard wanted else {
                try? await Task.sleep(for: tuning.leaseIdleInterval)
                continue
            }
            do {
                try await leases.listen { values in
                    self.heard()
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for try await value in values { await self.settle(value, leases: leases) }
                            throw HostError(.unavailable, "the counter's notifications ended")
                        }
                        group.addTask { await self.keepLease(leases) }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                }
            } catch {
                if !Task.isCancelled, !Task.isShuttingDownGracefully { lostNotifications(error) }
            }
            await release(leases)
            try? await Task.sleep(for: tuning.leaseIdleInterval)
        }
        await release(leases)
    }

    /// Renews the lease every ``OCSPTuning/leaseRenewal`` while memory is wanted, and reads the
    /// counter after each renewal (what verifies a lease taken anew, and a safety net behind the
    /// notifications). The lease is renewed only while reads and acknowledgements keep up, so a
    /// stuck instance delays revocations for one lease at most. Returns once memory is unwanted.
    private func keepLease(_ leases: Leases) async {
        var lastRenewal: OCSPClock.Instant?
        while wanted, !Task.isCancelled {
            let now = clock.now
            let (held, caughtUp) = state.withLock { state in
                (state.lease.isHeld(at: now), !state.failing && state.known != nil && state.known == state.acknowledged)
            }
            if !held || (caughtUp && (lastRenewal ?? now).duration(to: now) >= tuning.leaseRenewal) {
                await renew(leases, sent: now)
                lastRenewal = now
                await poll(leases)
            }
            try? await Task.sleep(for: held ? tuning.leaseRenewal / 4 : tuning.leaseIdleInterval)
        }
    }

    /// Renews (or takes) the lease; a lease taken anew is counted (`memory_lease_taken`).
    private func renew(_ leases: Leases, sent: OCSPClock.Instant) async {
        let seen = state.withLock { $0.acknowledged } ?? -1
        do {
            try await leases.renew(tuning.leaseDuration, seen)
        } catch {
            return
        }
        let completed = clock.now
        let started = state.withLock { state in
            let held = state.lease.isHeld(at: completed)
            state.lease.renewed(sent: sent, completed: completed)
            return !held
        }
        if started { metrics.increment(.ocsp, "memory_lease_taken") }
    }

    /// One read of the counter under the lease: memory emptied if it moved, the value acknowledged,
    /// and a lease taken anew verified (a read that began after it was taken).
    private func poll(_ leases: Leases) async {
        let started = clock.now
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
        state.withLock { $0.lease.polled(startedAt: started) }
        await acknowledge(value, leases: leases)
    }

    /// A value notified: memory emptied if it moved, then acknowledged.
    private func settle(_ value: Int64, leases: Leases) async {
        guard settle(.success(value)) else { return }
        await acknowledge(value, leases: leases)
    }

    /// Records `value` as acknowledged once the database has it; a failed acknowledgement is tried
    /// again at the next notification or renewal.
    private func acknowledge(_ value: Int64, leases: Leases) async {
        guard state.withLock({ $0.acknowledged != value }), (try? await leases.acknowledge(value)) != nil else { return }
        state.withLock { $0.acknowledged = value }
    }

    /// The notifications work (again).
    private func heard() {
        let recovered = state.withLock { state in
            defer { state.deaf = false }
            return state.deaf
        }
        if recovered { logger.notice("OCSP change notifications received again") }
    }

    /// The notifications stopped: logged once per outage; memory waits for reads until they are back.
    private func lostNotifications(_ error: any Error) {
        let first = state.withLock { state in
            defer { state.deaf = true }
            return !state.deaf
        }
        if first {
            logger.warning(
                "OCSP change notifications lost; answering from memory only after a counter read until they are back",
                metadata: ["error": "\(error)"])
        }
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
