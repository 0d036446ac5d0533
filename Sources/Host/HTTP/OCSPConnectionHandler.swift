import NIOCore
import NIOTLS

/// The OCSP fast path of one HTTP/1 connection, in front of NIO's HTTP/1 decoder: it reads request
/// heads from the connection's bytes (``HTTP1RequestFrame``) and answers OCSP requests itself, with
/// one buffer holding each whole response — no HTTP parts, no header structures, no router.
///
/// Each OCSP request is decided by ``OCSPFastPath/decide(_:issuerID:memory:ip:)`` — the same call
/// the router makes — after the ``OCSPEpochGate`` on a shared database (unless its lease is
/// current). Memory answers at once; a nonce request waits for its signature in the event loop's
/// ``OCSPSigningBatch``; a miss waits for the database path in the ``OCSPDatabaseQueue``.
///
/// The first request that is not one it answers (another route, a head outside the subset
/// ``HTTP1RequestFrame`` reads, an oversized body) hands the connection to NIO's decoder for
/// good, from that request's first byte: from then on the router answers everything on it (OCSP
/// included, through the same decision).
///
/// Ordering invariants, all kept by this handler alone:
/// - **One answer at a time.** While an answer is being made (`answering`), nothing after that
///   request is read from the buffer, so answers leave in the requests' order.
/// - **End of input waits its turn.** A half-close that arrives while an answer is being made is
///   delivered after that answer; buffered bytes reach the decoder first.
/// - **Nothing after `Connection: close`.** The answer is flushed, the connection closed, and
///   anything behind it dropped.
/// - **Hand-over is in order.** The decoder gets the bytes of the handed-over request and
///   everything after it, never bytes of an answered request.
///
/// Backpressure: requests are answered only while the channel is writable (a client that does
/// not read its answers stops being answered once NIO's outbound buffer passes its high-water
/// mark), and reading stops while the channel is not writable or the buffer holds
/// ``OCSPTuning/maxConnectionBuffer`` octets — including while an answer waits for the gate, a
/// signature or the database. A connection whose buffer still passes that (one read may bring
/// more) is closed.
final class OCSPConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum Mode {
        /// Reading the next request head.
        case reading
        /// The answer to this request (already taken from the buffer) is being made.
        case answering(HTTP1RequestFrame)
        /// Everything goes to the decoder from now on.
        case passthrough
        /// Answered with `Connection: close`, or closed over the buffer cap; anything after is dropped.
        case closed
    }

    private let fastPath: OCSPFastPath
    private let batch: OCSPSigningBatch
    private var mode = Mode.reading
    /// Read and not yet answered or passed on.
    private var buffer = ByteBuffer()
    /// Octets at the start of `buffer` already searched for the end of the next head.
    private var searched = 0
    /// The next request's head, read while its body is still arriving.
    private var head: HTTP1RequestFrame?
    /// Answers written and not flushed yet.
    private var wrote = false
    /// Something was passed to the decoder since the last `channelReadComplete`.
    private var passedOn = false
    /// A `read` held back (backpressure), to be passed on once reading may go on.
    private var readPending = false
    /// The input ended while an answer was being made: delivered after it.
    private var inputClosed = false
    /// The channel's writability as its last change said (kept here: asked for every request).
    private var writable = true
    private var ip: String?
    private var date = HTTPDate.Cache()
    /// The connection's time limits (``ConnectionDeadlines``), told of octets read, the TLS handshake
    /// and where each request starts and ends (set by ``GuardedChannel``; `nil` in unit tests).
    @exclusivity(unchecked) var deadlines: ConnectionDeadlines?

    init(_ fastPath: OCSPFastPath, batch: OCSPSigningBatch) {
        self.fastPath = fastPath
        self.batch = batch
    }

    func handlerAdded(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        deadlines?.read()
        var chunk = unwrapInboundIn(data)
        switch mode {
        case .passthrough:
            pass(chunk, context: context)
        case .closed:
            return
        case .reading, .answering:
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                buffer.writeBuffer(&chunk)
            }
            guard buffer.readableBytes <= fastPath.tuning.maxConnectionBuffer else { return closeOverCap(context: context) }
            process(context: context)
        }
    }

    /// Flushes the answers of the burst; `channelReadComplete` goes on only when something was
    /// passed on (for a burst answered here, the decoder and the handlers behind it have nothing
    /// to do).
    func channelReadComplete(context: ChannelHandlerContext) {
        finishBurst(context: context)
    }

    /// At the end of the input (the client closed its sending side), what is buffered — an
    /// incomplete request, or requests behind an answered one — goes to the decoder, which reads or
    /// refuses it as at any end of input, and then the event. While an answer is being made, the
    /// event waits for it.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case TLSUserEvent.handshakeCompleted = event { deadlines?.handshakeCompleted() }
        guard event as? ChannelEvent == .some(.inputClosed) else { return context.fireUserInboundEventTriggered(event) }
        if case .answering = mode {
            inputClosed = true
            return
        }
        endInput(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        deadlines?.stop()
        handOverAtEnd(context: context)
        context.fireChannelInactive()
    }

    /// Writable again: answer what waited, and read again.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        writable = context.channel.isWritable
        if writable, case .reading = mode {
            process(context: context)
            finishBurst(context: context)
        }
        readIfAllowed(context: context)
        context.fireChannelWritabilityChanged()
    }

    // MARK: Outbound

    /// Where the router's requests start and end (``RequestBoundaryReporter``), for the deadlines.
    func triggerUserOutboundEvent(context: ChannelHandlerContext, event: Any, promise: EventLoopPromise<Void>?) {
        guard let boundary = event as? ConnectionDeadlines.Boundary else {
            return context.triggerUserOutboundEvent(event, promise: promise)
        }
        deadlines?.boundary(boundary)
        promise?.succeed(())
    }

    /// Reads only while the channel is writable and the buffer is under the cap (backpressure);
    /// after the hand-over, the decoder's side decides.
    func read(context: ChannelHandlerContext) {
        if mayRead(context: context) {
            context.read()
        } else {
            readPending = true
        }
    }

    private func mayRead(context: ChannelHandlerContext) -> Bool {
        switch mode {
        case .passthrough, .closed: true
        case .reading, .answering: writable && buffer.readableBytes < fastPath.tuning.maxConnectionBuffer
        }
    }

    private func readIfAllowed(context: ChannelHandlerContext) {
        guard readPending, mayRead(context: context) else { return }
        readPending = false
        context.read()
    }

    // MARK: Requests

    /// Answers or hands over what `buffer` holds, as far as it goes and while the channel is writable.
    private func process(context: ChannelHandlerContext) {
        while case .reading = mode, buffer.readableBytes > 0, writable {
            let frame: HTTP1RequestFrame
            if let head {
                frame = head
            } else {
                switch buffer.withUnsafeReadableBytes({ HTTP1RequestFrame.next($0, searched: searched) }) {
                case .incomplete(let searched):
                    self.searched = searched
                    if buffer.readableBytes >= fastPath.tuning.maxHeadBytes { handOver(context: context) }
                    return
                case .unsupported:
                    return handOver(context: context)
                case .frame(let read):
                    frame = read
                }
            }
            guard let issuerID = ocspIssuer(frame) else { return handOver(context: context) }
            // The body may still be on its way.
            guard buffer.readableBytes >= frame.length else {
                head = frame
                return
            }
            take(frame, issuerID: issuerID, context: context)
        }
    }

    /// Takes the complete request at the start of `buffer` and has it answered.
    private func take(_ frame: HTTP1RequestFrame, issuerID: String, context: ChannelHandlerContext) {
        let start = buffer.readerIndex
        let form: OCSPFastPath.Request.Form
        if frame.method == .post {
            form = .post(body: buffer.getBytes(at: start + frame.headLength, length: frame.contentLength) ?? [])
        } else {
            form = .get(path: buffer.getString(at: start + frame.target.lowerBound, length: frame.target.count) ?? "")
        }
        let ifNoneMatch = frame.ifNoneMatch.flatMap { buffer.getString(at: start + $0.lowerBound, length: $0.count) }
        let request = OCSPFastPath.Request(form: form, ifNoneMatch: ifNoneMatch)
        buffer.moveReaderIndex(forwardBy: frame.length)
        (head, searched) = (nil, 0)
        mode = .answering(frame)
        deadlines?.headComplete()
        guard let gate = fastPath.gate, !gate.isCurrent() else {
            return decide(request, issuerID: issuerID, memory: true, context: context)
        }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        gate.wait(on: context.eventLoop) { usable in
            let (handler, context) = bound.value
            handler.decide(request, issuerID: issuerID, memory: usable, context: context)
            handler.resume(context: context)
        }
    }

    /// The decision for a taken request: answered now, or when its signature or database answer comes.
    private func decide(_ request: OCSPFastPath.Request, issuerID: String, memory: Bool, context: ChannelHandlerContext) {
        switch fastPath.decide(request, issuerID: issuerID, memory: memory, ip: { self.remoteIP(context: context) }) {
        case .respond(let response):
            answered(response, context: context)
        case .sign(let signing):
            batch.add(signing, for: self, context: context)
        case .database(let query):
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            fastPath.database.submit(query, on: context.eventLoop, answer: fastPath.answer).whenSuccess { response in
                let (handler, context) = bound.value
                handler.answered(response, context: context)
                handler.resume(context: context)
            }
        }
    }

    /// The live-signed response made by the loop's ``OCSPSigningBatch``.
    func signed(_ response: OCSPHTTPResponse, context: ChannelHandlerContext) {
        answered(response, context: context)
        resume(context: context)
    }

    /// Writes the answer to the request being answered.
    private func answered(_ response: OCSPHTTPResponse, context: ChannelHandlerContext) {
        guard case .answering(let frame) = mode else { return }
        mode = .reading
        deadlines?.responseComplete()
        guard context.channel.isActive else {
            buffer.clear()
            return
        }
        context.write(
            wrapOutboundOut(
                response.http1Bytes(
                    http11: frame.isHTTP11, keepAlive: frame.keepAlive, date: date.now(), allocator: context.channel.allocator)),
            promise: nil)
        if frame.keepAlive {
            wrote = true
        } else {
            mode = .closed
            buffer.clear()
            context.flush()
            context.close(promise: nil)
        }
    }

    /// After an answer made outside a read burst: reads what was buffered, sends what was written
    /// or passed on, delivers an end of input that came meanwhile, and reads again.
    private func resume(context: ChannelHandlerContext) {
        process(context: context)
        finishBurst(context: context)
        if inputClosed, case .reading = mode {
            inputClosed = false
            endInput(context: context)
        }
        readIfAllowed(context: context)
    }

    private func finishBurst(context: ChannelHandlerContext) {
        if wrote {
            wrote = false
            context.flush()
        }
        if passedOn {
            passedOn = false
            context.fireChannelReadComplete()
        }
    }

    // MARK: Hand-over

    /// Hands the connection to the decoder for good, from the first buffered byte.
    private func handOver(context: ChannelHandlerContext) {
        mode = .passthrough
        if buffer.readableBytes > 0 { pass(buffer, context: context) }
        buffer = ByteBuffer()
        head = nil
        readIfAllowed(context: context)
    }

    /// The end of the input, behind what was buffered.
    private func endInput(context: ChannelHandlerContext) {
        handOverAtEnd(context: context)
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    private func handOverAtEnd(context: ChannelHandlerContext) {
        guard case .reading = mode, buffer.readableBytes > 0 else { return }
        handOver(context: context)
        finishBurst(context: context)
    }

    /// The buffer passed the cap although reading stopped at it: the connection is closed.
    private func closeOverCap(context: ChannelHandlerContext) {
        fastPath.metrics.increment(.ocsp, "connection_over_buffer")
        mode = .closed
        buffer = ByteBuffer()
        context.close(promise: nil)
    }

    private func pass(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        passedOn = true
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    /// The issuer when the request is an OCSP request this handler answers.
    private func ocspIssuer(_ frame: HTTP1RequestFrame) -> String? {
        switch frame.method {
        case .get:
            guard frame.contentLength == 0 else { return nil }
        case .post:
            guard frame.contentLength <= OCSPResponder.maxRequestBytes else { return nil }
        case .other:
            return nil
        }
        return buffer.withUnsafeReadableBytes { bytes in
            OCSPFastPath.ocspIssuer(get: frame.method == .get, target: UnsafeRawBufferPointer(rebasing: bytes[frame.target]))
        }
    }

    private func remoteIP(context: ChannelHandlerContext) -> String {
        if let ip { return ip }
        let found = fastPath.clientKey(ClientAddresses.shared.client(of: context.channel))
        ip = found
        return found
    }
}
