import HTTPTypes
import NIOCore
import NIOHTTP1

/// The OCSP fast path behind NIO's HTTP/1 decoder (``OCSPFastPathChannel`` puts it there), in
/// front of Hummingbird and its router: for the requests ``OCSPRawChannelHandler`` (in front of the
/// decoder) passed on — those that arrived while the router owed a response, and everything on a
/// connection the raw handler handed over.
///
/// An OCSP request that memory can answer (``OCSPFastPath/respond(_:issuerID:ifNoneMatch:ip:)``)
/// is answered here, on the event loop — no Swift concurrency task, no thread-pool hop, no
/// database. Everything else (other routes, cache misses, errors, a request while the router still
/// owes this connection a response) is passed on to the router unchanged, so the answers and their
/// order are the same either way; only the cost differs. On a shared database (``OCSPFastPath/gate``
/// set) a complete OCSP request first waits for the ``OCSPEpochGate``, unless its lease is current
/// (``OCSPEpochGate/isCurrent()``); what arrives on the
/// connection meanwhile is held and read afterwards, in order. Every response written is counted
/// down in the connection's ``OCSPConnectionOrder``.
final class OCSPChannelHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// The current request belongs to the router.
        case forwarding
        /// An OCSP request being read; decided at its end.
        case collecting(HTTPRequestHead, issuerID: String, body: ByteBuffer?)
        /// A complete OCSP request waiting for the ``OCSPEpochGate``; what arrives meanwhile is held.
        case waiting(HTTPRequestHead, issuerID: String, body: ByteBuffer?)
    }

    private let fastPath: OCSPFastPath
    private let order: OCSPConnectionOrder
    private var state = State.idle
    /// Requests passed to the router whose response has not been written yet. While any is
    /// pending, OCSP requests go to the router too, so responses keep the requests' order.
    private var routerResponsesPending = 0
    private var burst = OCSPReadBurst()
    /// Parts of pipelined requests that arrived while waiting, replayed in order afterwards.
    private var held: [HTTPServerRequestPart] = []
    private var date = HTTPDate.Cache()
    /// The input ended while a request waited for the gate: delivered after its answer.
    private var inputClosed = false

    init(_ fastPath: OCSPFastPath, order: OCSPConnectionOrder) {
        self.fastPath = fastPath
        self.order = order
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        switch (state, part) {
        case (.waiting, _):
            held.append(part)
        case (.idle, .head(let head)):
            if !order.nextWasDeclined(), routerResponsesPending == 0, let issuerID = Self.ocspIssuer(head) {
                state = .collecting(head, issuerID: issuerID, body: nil)
            } else {
                forward(head, body: nil, context: context)
            }
        case (.collecting(let head, let issuerID, var body), .body(var chunk)):
            guard (body?.readableBytes ?? 0) + chunk.readableBytes <= OCSPResponder.maxRequestBytes else {
                // Too large for OCSP: the router answers it (malformedRequest), as it would have.
                forward(head, body: body, context: context)
                pass(part, context: context)
                return
            }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            state = .collecting(head, issuerID: issuerID, body: body)
        case (.collecting(let head, let issuerID, let body), .end):
            guard let gate = fastPath.gate, !gate.isCurrent() else {
                state = .idle
                return answer(head, issuerID: issuerID, body: body, context: context)
            }
            state = .waiting(head, issuerID: issuerID, body: body)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            gate.wait(on: context.eventLoop) { usable in
                let (handler, context) = bound.value
                handler.gateOpened(usable, context: context)
            }
        case (.forwarding, .end):
            state = .idle
            pass(part, context: context)
        default:
            pass(part, context: context)
        }
    }

    /// The gate's answer for the waiting request: memory may be used (`usable`) or the router
    /// answers. Then what arrived meanwhile is read as if it arrived now.
    private func gateOpened(_ usable: Bool, context: ChannelHandlerContext) {
        guard case .waiting(let head, let issuerID, let body) = state else { return }
        state = .idle
        guard context.channel.isActive else {
            held = []
            return
        }
        if usable {
            answer(head, issuerID: issuerID, body: body, context: context)
        } else {
            forward(head, body: body, end: true, context: context)
        }
        let parts = held
        held = []
        // Unless the answer closed the connection (`Connection: close`).
        for part in parts where context.channel.isActive { channelRead(context: context, data: wrapInboundOut(part)) }
        // Not inside a read burst any more: what was written or passed on must go now.
        burst.finish(context: context)
        // The input ended meanwhile: now, unless a held request waits for the gate in turn.
        if inputClosed {
            if case .waiting = state { return }
            inputClosed = false
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }

    /// The end of the input (the client closed its sending side) waits, like any later part,
    /// while a request waits for the gate: its answer comes first.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event as? ChannelEvent == .some(.inputClosed), case .waiting = state {
            inputClosed = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        burst.finish(context: context)
    }

    private func pass(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        burst.passedOn = true
        context.fireChannelRead(wrapInboundOut(part))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            if routerResponsesPending > 0 { routerResponsesPending -= 1 }
            order.responded()
        }
        context.write(data, promise: promise)
    }

    /// Answers from memory, or hands the whole request to the router.
    private func answer(_ head: HTTPRequestHead, issuerID: String, body: ByteBuffer?, context: ChannelHandlerContext) {
        let request: OCSPFastPath.Request =
            head.method == .POST ? .post(body: body.map { Array($0.readableBytesView) } ?? []) : .get(path: head.uri)
        guard
            let response = fastPath.respond(
                request, issuerID: issuerID, ifNoneMatch: { head.headers.first(name: "if-none-match") },
                ip: { context.channel.remoteAddress?.ipAddress ?? "unknown" })
        else {
            return forward(head, body: body, end: true, context: context)
        }
        write(response, version: head.version, context: context, close: !head.isKeepAlive)
    }

    /// Through NIO's encoder, which pairs each response with the method of the request it decoded.
    private func write(_ response: OCSPHTTPResponse, version: HTTPVersion, context: ChannelHandlerContext, close: Bool) {
        order.responded()
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.fields.count + 2)
        for field in response.fields { headers.add(name: field.name.rawName, value: field.value) }
        headers.add(name: "Date", value: date.now())
        if let body = response.body { headers.add(name: "Content-Length", value: String(body.count)) }
        if close { headers.add(name: "Connection", value: "close") }
        let status = HTTPResponseStatus(statusCode: Int(response.status.code))
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: version, status: status, headers: headers))), promise: nil)
        if let body = response.body {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
        if close {
            context.flush()
            context.close(promise: nil)
        } else {
            burst.wrote = true
        }
    }

    /// Passes a request (as much as has been read of it) to the router.
    private func forward(_ head: HTTPRequestHead, body: ByteBuffer?, end: Bool = false, context: ChannelHandlerContext) {
        routerResponsesPending += 1
        state = end ? .idle : .forwarding
        pass(.head(head), context: context)
        if let body { pass(.body(body), context: context) }
        if end { pass(.end(nil), context: context) }
    }

    /// The issuer of an OCSP request (``OCSPFastPath/ocspIssuer(get:target:)``) without
    /// `Expect: 100-continue`; `nil` for anything else.
    static func ocspIssuer(_ head: HTTPRequestHead) -> String? {
        guard head.method == .GET || head.method == .POST else { return nil }
        var path = head.uri
        let issuer = path.withUTF8 { OCSPFastPath.ocspIssuer(get: head.method == .GET, target: UnsafeRawBufferPointer($0)) }
        guard let issuer, !head.headers.contains(name: "expect") else { return nil }
        return issuer
    }
}
