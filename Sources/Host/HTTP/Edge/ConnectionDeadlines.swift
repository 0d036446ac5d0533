import NIOCore
import NIOTLS

/// The time limits of one accepted connection (SPEC §10), right behind TLS (or first, on the
/// plain-HTTP listener), where it sees the connection's plaintext octets:
///
/// - **handshake**: from accept to a finished TLS handshake, ``EdgeSettings/tlsHandshakeTimeout``;
/// - **head**: from the handshake (or accept) to the first complete request head, and on a
///   kept-alive connection from the next request's first octet, ``EdgeSettings/requestHeadTimeout``
///   (a slowloris trickling a head is cut off however slowly it sends);
/// - **idle**: no request in progress and no octet of the next one, ``EdgeSettings/idleTimeout``.
///
/// While a request is being answered (its head complete, its response not yet written) no limit
/// runs: answers that take time (an ACME validation, a plugin call) have their own bounds. The HTTP
/// layers behind say where requests start and end with ``Boundary`` outbound events: the OCSP fast
/// path for the requests it answers, ``RequestBoundaryReporter`` for those the router answers.
final class ConnectionDeadlines: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Sent towards the socket by the HTTP layers behind this handler.
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

    private let settings: EdgeSettings
    private let metrics: HostMetrics
    private(set) var phase: Phase
    /// Requests whose head is complete and whose answer is not written yet (pipelining).
    private var outstanding = 0
    /// When the current phase's limit runs out; `nil` while busy.
    private var deadline: NIODeadline?
    /// The one timer, at or before `deadline`. A phase change only moves `deadline`: the timer
    /// re-arms itself when it fires early, so a busy connection schedules nothing per request.
    private var timer: Scheduled<Void>?
    private var context: ChannelHandlerContext?

    init(settings: EdgeSettings, metrics: HostMetrics, tls: Bool) {
        self.settings = settings
        self.metrics = metrics
        self.phase = tls ? .handshake : .head
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        enter(phase)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // The first octet of the next request: its head must now follow in time.
        if phase == .idle { enter(.head) }
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if phase == .handshake, case TLSUserEvent.handshakeCompleted = event { enter(.head) }
        context.fireUserInboundEventTriggered(event)
    }

    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let boundary = event as? Boundary else { return context.triggerUserOutboundEvent(event, promise: promise) }
        switch boundary {
        case .headComplete: headComplete()
        case .responseComplete: responseComplete()
        }
        promise?.succeed(())
    }

    /// A request head is complete (called directly by the OCSP fast path).
    func headComplete() {
        outstanding += 1
        if phase != .busy { enter(.busy) }
    }

    /// A response is written in full (called directly by the OCSP fast path).
    func responseComplete() {
        outstanding = max(0, outstanding - 1)
        if outstanding == 0, phase == .busy { enter(.idle) }
    }

    private func enter(_ next: Phase) {
        phase = next
        let limit: Duration
        switch next {
        case .busy:
            deadline = nil
            return
        case .handshake: limit = settings.tlsHandshakeTimeout
        case .head: limit = settings.requestHeadTimeout
        case .idle: limit = settings.idleTimeout
        }
        let due = NIODeadline.now() + TimeAmount(limit)
        deadline = due
        if timer == nil { schedule(at: due) }
    }

    private func schedule(at due: NIODeadline) {
        guard let context else { return }
        timer = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(deadline: due) { [weak self] in
            self?.fired()
        }
    }

    /// The timer: closes the connection when the current phase's limit has run out, else waits
    /// for the (moved) deadline.
    private func fired() {
        timer = nil
        guard let deadline, let context else { return }
        guard NIODeadline.now() >= deadline else { return schedule(at: deadline) }
        metrics.increment(.connection, phase.label)
        stop()
        context.close(promise: nil)
    }

    private func stop() {
        timer?.cancel()
        timer = nil
        deadline = nil
    }
}
