import NIOCore

/// The time limits of one accepted connection (SPEC §10):
///
/// - **handshake**: from accept to a finished TLS handshake, ``EdgeSettings/tlsHandshakeTimeout``;
/// - **head**: from the handshake (or accept) to the first complete request head, and on a
///   kept-alive connection from the next request's first octet, ``EdgeSettings/requestHeadTimeout``
///   (a slowloris trickling a head is cut off however slowly it sends);
/// - **idle**: no request in progress and no octet of the next one, ``EdgeSettings/idleTimeout``.
///
/// While a request is being answered (its head complete, its response not yet written) no limit
/// runs: answers that take time (an ACME validation, a plugin call) have their own bounds.
///
/// Not a channel handler of its own, so the OCSP fast path's connections pay no extra pipeline hop:
/// ``OCSPConnectionHandler`` — first behind TLS on both listeners — reports octets read, the
/// handshake, and where the requests it answers start and end; ``RequestBoundaryReporter`` reports
/// the router's requests as ``Boundary`` outbound events, which that handler passes here. All calls
/// come on the connection's event loop.
final class ConnectionDeadlines {
    /// Sent towards the socket by the HTTP layers behind the fast path's handler.
    enum Boundary: Sendable {
        /// A request head is complete: its answer is being made.
        case headComplete
        /// The answer to a request is written in full.
        case responseComplete
    }

    enum Phase: Equatable {
        case handshake, head, busy, idle

        /// The metrics label of a connection closed in this phase.
        var label: String {
            switch self {
            case .handshake: "handshake_timeout"
            case .head: "head_timeout"
            case .busy, .idle: "idle_timeout"
            }
        }
    }

    /// The three limits, converted once (not per request).
    private let handshakeLimit: TimeAmount
    private let headLimit: TimeAmount
    private let idleLimit: TimeAmount
    private let metrics: HostMetrics
    private let channel: any Channel
    // Event-loop confined: no dynamic exclusivity checks on the per-request path.
    @exclusivity(unchecked) private(set) var phase: Phase
    /// Requests whose head is complete and whose answer is not written yet (pipelining).
    @exclusivity(unchecked) private var outstanding = 0
    /// When the current phase's limit runs out; `nil` while busy.
    @exclusivity(unchecked) private var deadline: NIODeadline?
    /// The one timer, at or before `deadline`. A phase change only moves `deadline`: the timer
    /// re-arms itself when it fires early, so a busy connection schedules nothing per request.
    @exclusivity(unchecked) private var timer: Scheduled<Void>?

    init(settings: EdgeSettings, metrics: HostMetrics, tls: Bool, channel: any Channel) {
        self.handshakeLimit = TimeAmount(settings.tlsHandshakeTimeout)
        self.headLimit = TimeAmount(settings.requestHeadTimeout)
        self.idleLimit = TimeAmount(settings.idleTimeout)
        self.metrics = metrics
        self.channel = channel
        self.phase = tls ? .handshake : .head
    }

    /// Starts the first phase's limit (handshake, or head on the plain listener).
    func start() {
        enter(phase)
    }

    /// Octets arrived: after an idle spell, the first octet of the next request.
    @inline(__always)
    func read() {
        if phase == .idle { enter(.head) }
    }

    func handshakeCompleted() {
        if phase == .handshake { enter(.head) }
    }

    func headComplete() {
        outstanding += 1
        if phase != .busy { enter(.busy) }
    }

    func responseComplete() {
        outstanding = max(0, outstanding - 1)
        if outstanding == 0, phase == .busy { enter(.idle) }
    }

    func boundary(_ boundary: Boundary) {
        switch boundary {
        case .headComplete: headComplete()
        case .responseComplete: responseComplete()
        }
    }

    func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }

    private func enter(_ next: Phase) {
        phase = next
        let limit: TimeAmount
        switch next {
        case .busy:
            deadline = nil
            return
        case .handshake: limit = handshakeLimit
        case .head: limit = headLimit
        case .idle: limit = idleLimit
        }
        let due = NIODeadline.now() + limit
        deadline = due
        if timer == nil { schedule(at: due) }
    }

    private func schedule(at due: NIODeadline) {
        timer = channel.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: due) { [weak self] in
            self?.fired()
        }
    }

    /// The timer: closes the connection when the current phase's limit has run out, else waits
    /// for the (moved) deadline.
    private func fired() {
        timer = nil
        guard let deadline else { return }
        guard NIODeadline.now() >= deadline else { return schedule(at: deadline) }
        metrics.increment(.connection, phase.label)
        stop()
        channel.close(promise: nil)
    }
}
