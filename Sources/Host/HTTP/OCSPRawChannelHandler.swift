import NIOCore

/// The OCSP fast path in front of NIO's HTTP/1 decoder: reads request heads from the
/// connection's bytes (``HTTP1RequestFrame``) and answers an OCSP request that memory can answer
/// with one buffer holding the whole response — no HTTP parts, no header structures, no encoder.
///
/// Every other request is passed on to the decoder byte for byte, framed by its `Content-Length`,
/// and this handler goes on reading after it: other routes, cache misses (marked in
/// ``OCSPConnectionOrder``, so the router answers them without asking memory again), bodies too
/// large for OCSP. While a passed-on request awaits its response, OCSP requests are passed on too,
/// so responses keep the requests' order. A request outside what ``HTTP1RequestFrame`` accepts, or
/// one that closes the connection, hands the rest of the connection to the decoder for good (where
/// ``OCSPChannelHandler`` still answers OCSP from memory). On a shared database
/// (``OCSPFastPath/gate``) a complete OCSP request first waits for the ``OCSPEpochGate``, unless
/// its lease is current (``OCSPEpochGate/isCurrent()``); what arrives meanwhile is buffered and read
/// afterwards. The same holds while a nonce request waits for its live signature, which the event
/// loop's ``OCSPSigningBatch`` makes after the loop's pass over its ready connections.
final class OCSPRawChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// The longest request head read here; a longer one is left to NIO's decoder.
    static let maxHeadBytes = 8 * 1024

    private enum Mode {
        /// Reading the next request head.
        case reading
        /// Passing on the rest of a request the decoder reads: `remaining` octets.
        case forwarding(remaining: Int)
        /// A complete OCSP request, at the start of `buffer`, waits for the gate.
        case waiting(HTTP1RequestFrame, issuerID: String)
        /// A nonce request, read from `buffer` already, waits for its live signature
        /// (``OCSPSigningBatch``).
        case signing(HTTP1RequestFrame)
        /// Everything goes to the decoder from now on.
        case passthrough
        /// Answered with `Connection: close`; anything after is dropped.
        case closed
    }

    private let fastPath: OCSPFastPath
    private let order: OCSPConnectionOrder
    private let batch: OCSPSigningBatch
    private var mode = Mode.reading
    /// Read and not yet answered or passed on.
    private var buffer = ByteBuffer()
    private var burst = OCSPReadBurst()
    private var ip: String?
    /// The input ended while a request waited for the gate: delivered after its answer.
    private var inputClosed = false
    private var date = HTTPDate.Cache()

    init(_ fastPath: OCSPFastPath, order: OCSPConnectionOrder, batch: OCSPSigningBatch) {
        self.fastPath = fastPath
        self.order = order
        self.batch = batch
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        switch mode {
        case .passthrough:
            pass(chunk, context: context)
        case .closed:
            return
        case .reading, .forwarding, .waiting, .signing:
            if buffer.readableBytes == 0 {
                buffer = chunk
            } else {
                buffer.writeBuffer(&chunk)
            }
            process(context: context)
        }
    }

    /// At the end of the input (the client closed its sending side), what is buffered — an
    /// incomplete request, or requests behind an answered one — goes to the decoder, which reads
    /// or refuses it as at any end of input, and then the event. While a request waits for the
    /// gate or for its signature, the event waits with it: the answer comes first.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event as? ChannelEvent == .some(.inputClosed) else { return context.fireUserInboundEventTriggered(event) }
        if isAwaiting {
            inputClosed = true
            return
        }
        endInput(context: context)
    }

    /// A request waits for the gate or for its signature.
    private var isAwaiting: Bool {
        switch mode {
        case .waiting, .signing: true
        case .reading, .forwarding, .passthrough, .closed: false
        }
    }

    /// The end of the input, behind what was buffered.
    private func endInput(context: ChannelHandlerContext) {
        handOverAtEnd(context: context)
        context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    }

    func channelInactive(context: ChannelHandlerContext) {
        handOverAtEnd(context: context)
        context.fireChannelInactive()
    }

    private func handOverAtEnd(context: ChannelHandlerContext) {
        switch mode {
        case .reading, .forwarding, .waiting, .signing:
            guard buffer.readableBytes > 0 else { return }
            passThrough(context: context)
            burst.finish(context: context)
        case .passthrough, .closed:
            return
        }
    }

    /// Passed on only when something was passed on since the last one: for a burst answered here,
    /// the decoder and the handlers behind it have nothing to do.
    func channelReadComplete(context: ChannelHandlerContext) {
        burst.finish(context: context)
    }

    /// Answers or passes on what `buffer` holds, as far as it goes.
    private func process(context: ChannelHandlerContext) {
        while buffer.readableBytes > 0 {
            switch mode {
            case .forwarding(let remaining):
                let count = min(remaining, buffer.readableBytes)
                pass(buffer.readSlice(length: count)!, context: context)
                mode = count == remaining ? .reading : .forwarding(remaining: remaining - count)
            case .reading:
                switch buffer.withUnsafeReadableBytes({ HTTP1RequestFrame.read($0) }) {
                case .incomplete:
                    if buffer.readableBytes >= Self.maxHeadBytes { passThrough(context: context) }
                    return
                case .unsupported:
                    return passThrough(context: context)
                case .frame(let frame):
                    guard take(frame, context: context) else { return }
                }
            case .waiting, .signing, .passthrough, .closed:
                return
            }
        }
    }

    /// Acts on a request whose head was read; `false` when reading must stop for now.
    private func take(_ frame: HTTP1RequestFrame, context: ChannelHandlerContext) -> Bool {
        guard order.forwarded == 0, let issuerID = ocspIssuer(frame) else {
            forward(frame, declined: false, context: context)
            return true
        }
        // The body may still be on its way.
        guard buffer.readableBytes >= frame.length else { return false }
        if let gate = fastPath.gate, !gate.isCurrent() {
            mode = .waiting(frame, issuerID: issuerID)
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            gate.wait(on: context.eventLoop) { usable in
                let (handler, context) = bound.value
                handler.gateOpened(usable, context: context)
            }
            return false
        }
        return answer(frame, issuerID: issuerID, context: context)
    }

    /// The gate's answer for the waiting request: memory may be used (`usable`) or the router
    /// answers. Then what arrived meanwhile is read.
    private func gateOpened(_ usable: Bool, context: ChannelHandlerContext) {
        guard case .waiting(let frame, let issuerID) = mode else { return }
        mode = .reading
        guard context.channel.isActive else {
            buffer.clear()
            return
        }
        if usable {
            // A live signature goes on in the batch; `resume` then reads nothing further.
            _ = answer(frame, issuerID: issuerID, context: context)
        } else {
            forward(frame, declined: true, context: context)
        }
        resume(context: context)
    }

    /// The live-signed response for the request in `.signing` mode (from ``OCSPSigningBatch``),
    /// written; then what arrived meanwhile is read.
    func signed(_ response: OCSPHTTPResponse, context: ChannelHandlerContext) {
        guard case .signing(let frame) = mode else { return }
        mode = .reading
        guard context.channel.isActive else {
            buffer.clear()
            return
        }
        write(response, for: frame, context: context)
        resume(context: context)
    }

    /// After a wait, outside any read burst: reads what was buffered, sends what was written or
    /// passed on, and delivers an end of input that came meanwhile.
    private func resume(context: ChannelHandlerContext) {
        process(context: context)
        burst.finish(context: context)
        // Now, unless the next buffered request waits in its turn.
        if inputClosed, !isAwaiting {
            inputClosed = false
            endInput(context: context)
        }
    }

    /// Answers the complete request at the start of `buffer` from memory, or passes it on;
    /// `false` when its answer waits for a live signature.
    private func answer(_ frame: HTTP1RequestFrame, issuerID: String, context: ChannelHandlerContext) -> Bool {
        let start = buffer.readerIndex
        let request: OCSPFastPath.Request
        if frame.method == .post {
            request = .post(body: buffer.getBytes(at: start + frame.headLength, length: frame.contentLength) ?? [])
        } else {
            request = .get(path: buffer.getString(at: start + frame.target.lowerBound, length: frame.target.count) ?? "")
        }
        let decision = fastPath.decide(
            request, issuerID: issuerID,
            ifNoneMatch: { frame.ifNoneMatch.flatMap { self.buffer.getString(at: start + $0.lowerBound, length: $0.count) } },
            ip: { self.remoteIP(context: context) })
        guard let decision else {
            forward(frame, declined: true, context: context)
            return true
        }
        buffer.moveReaderIndex(forwardBy: frame.length)
        switch decision {
        case .respond(let response):
            write(response, for: frame, context: context)
            return true
        case .sign(let signing):
            mode = .signing(frame)
            batch.add(signing, for: self, context: context)
            return false
        }
    }

    /// Writes the answer to `frame` (flushed at the end of the burst, or at once when the
    /// connection closes after it).
    private func write(_ response: OCSPHTTPResponse, for frame: HTTP1RequestFrame, context: ChannelHandlerContext) {
        context.write(
            wrapOutboundOut(
                response.http1Bytes(
                    http11: frame.isHTTP11, keepAlive: frame.keepAlive, date: date.now(), allocator: context.channel.allocator)),
            promise: nil)
        if frame.keepAlive {
            burst.wrote = true
        } else {
            mode = .closed
            buffer.clear()
            context.flush()
            context.close(promise: nil)
        }
    }

    /// Passes the request at the start of `buffer` on to the decoder (as it arrives).
    private func forward(_ frame: HTTP1RequestFrame, declined: Bool, context: ChannelHandlerContext) {
        order.forward(declined: declined)
        // After a request that closes the connection, nothing more is read here.
        guard frame.keepAlive else { return passThrough(context: context) }
        mode = .forwarding(remaining: frame.length)
    }

    /// Hands the connection to the decoder for good.
    private func passThrough(context: ChannelHandlerContext) {
        mode = .passthrough
        if buffer.readableBytes > 0 { pass(buffer, context: context) }
        buffer = ByteBuffer()
    }

    private func pass(_ bytes: ByteBuffer, context: ChannelHandlerContext) {
        burst.passedOn = true
        context.fireChannelRead(wrapInboundOut(bytes))
    }

    /// The issuer when the request is an OCSP request this handler may answer.
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
        let found = context.channel.remoteAddress?.ipAddress ?? "unknown"
        ip = found
        return found
    }
}
