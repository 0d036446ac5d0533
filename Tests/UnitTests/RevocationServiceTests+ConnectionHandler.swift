import Foundation
import Logging
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Host

/// A database path answered by the test: each query waits until ``answer(_:)``.
private final class ManualDatabasePath: OCSPDatabasePath, Sendable {
    private let pending = Mutex<[EventLoopPromise<OCSPHTTPResponse>]>([])

    var waiting: Int { pending.withLock { $0.count } }

    func submit(
        _ query: OCSPFastPath.DatabaseQuery, on loop: any EventLoop,
        answer: @escaping @Sendable (OCSPFastPath.DatabaseQuery) async -> OCSPHTTPResponse
    ) -> EventLoopFuture<OCSPHTTPResponse> {
        let promise = loop.makePromise(of: OCSPHTTPResponse.self)
        pending.withLock { $0.append(promise) }
        return promise.futureResult
    }

    /// Answers the oldest waiting query with a recognisable body.
    func answer(_ body: String) {
        let promise = pending.withLock { $0.removeFirst() }
        promise.succeed(OCSPHTTPResponse(.init(der: Array(body.utf8)), cacheable: false, ifNoneMatch: nil))
    }
}

/// Records what passes the handler besides bytes: the end of input behind it, and the reads it
/// lets through in front of it.
private final class Observer: Sendable {
    final class Events: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let seen = Mutex<[String]>([])

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event as? ChannelEvent == .some(.inputClosed) { seen.withLock { $0.append("inputClosed") } }
            context.fireUserInboundEventTriggered(event)
        }
    }

    final class Reads: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = ByteBuffer
        let count = Mutex(0)

        func read(context: ChannelHandlerContext) {
            count.withLock { $0 += 1 }
            context.read()
        }
    }

    let events = Events()
    let readsLetThrough = Reads()

    var seenEvents: [String] { events.seen.withLock { $0 } }
    var reads: Int { readsLetThrough.count.withLock { $0 } }
}

extension RevocationServiceTests {
    private func fastPath(
        _ responder: OCSPResponder, database: any OCSPDatabasePath, gate: OCSPEpochGate? = nil, tuning: OCSPTuning = .standard
    )
        -> OCSPFastPath
    {
        OCSPFastPath(
            responder: responder, limiter: FixedWindowLimiter(limit: 0, window: .seconds(60), clock: ContinuousClock()),
            metrics: metrics, gate: gate, database: database, tuning: tuning)
    }

    private static func get(_ target: String, close: Bool = false) -> [UInt8] {
        Array("GET \(target) HTTP/1.1\r\nHost: x\r\n\(close ? "Connection: close\r\n" : "")\r\n".utf8)
    }

    private static func post(_ body: [UInt8], close: Bool = false) -> [UInt8] {
        let head =
            "POST /.well-known/pki/ocsp/iss-test HTTP/1.1\r\nHost: x\r\n\(close ? "Connection: close\r\n" : "")"
            + "Content-Length: \(body.count)\r\n\r\n"
        return Array(head.utf8) + body
    }

    /// Every response written so far, as text (status line and body are what the tests look at).
    private static func written(_ channel: EmbeddedChannel) throws -> [String] {
        var answers: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
            answers.append(String(decoding: buffer.readableBytesView, as: UTF8.self))
        }
        return answers
    }

    private static func channel(_ fastPath: OCSPFastPath, loop: EmbeddedEventLoop, observer: Observer) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(loop: loop)
        try channel.pipeline.syncOperations.addHandler(observer.readsLetThrough)
        try channel.pipeline.syncOperations.addHandler(OCSPConnectionHandler(fastPath, batch: fastPath.batches.batch(on: loop)))
        try channel.pipeline.syncOperations.addHandler(observer.events)
        _ = channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1))
        return channel
    }

    /// A responder whose memory knows the test serial (its status and a pre-signed answer).
    private func warmResponder() async throws -> (OCSPResponder, serial: String) {
        let (responder, _, _, serial) = try await memoryResponder()
        _ = await responder.respond(issuerID: "iss-test", serialHex: serial)
        return (responder, serial)
    }

    /// Nonce requests that one event loop reads are signed together after it has read them all
    /// (``OCSPSigningBatch``), and each connection gets the answer to its own requests, in order:
    /// two connections in one batch, and three pipelined requests on a third, the last with
    /// `Connection: close`.
    @Test func nonceRequestsOfOneLoopAreSignedTogetherAndEachConnectionGetsItsOwn() async throws {
        let (responder, serial) = try await warmResponder()
        let nonces = (0..<5).map { _ in (0..<16).map { _ in UInt8.random(in: 0...255) } }
        let requests = try nonces.map { try request(responder, serial: serial, nonce: $0) }
        let fastPath = fastPath(responder, database: ManualDatabasePath())
        let loop = EmbeddedEventLoop()
        #expect(fastPath.batches.batch(on: loop) === fastPath.batches.batch(on: loop), "one batch per loop")
        let channels = try (0..<3).map { _ in try Self.channel(fastPath, loop: loop, observer: Observer()) }
        try channels[0].writeInbound(ByteBuffer(bytes: Self.post(requests[0])))
        try channels[1].writeInbound(ByteBuffer(bytes: Self.post(requests[1])))
        try channels[2].writeInbound(
            ByteBuffer(bytes: Self.post(requests[2]) + Self.post(requests[3]) + Self.post(requests[4], close: true)))
        for channel in channels {
            #expect(try channel.readOutbound(as: ByteBuffer.self) == nil, "nothing is signed while the loop is still reading")
        }
        loop.run()
        let answers = try channels.map { channel in
            var answers: [[UInt8]] = []
            while let buffer = try channel.readOutbound(as: ByteBuffer.self) { answers.append(Array(buffer.readableBytesView)) }
            return answers
        }
        #expect(answers.map(\.count) == [1, 1, 3])
        let expected = [[nonces[0]], [nonces[1]], [nonces[2], nonces[3], nonces[4]]]
        for (channelAnswers, channelNonces) in zip(answers, expected) {
            for (answer, nonce) in zip(channelAnswers, channelNonces) {
                #expect(answer.starts(with: Array("HTTP/1.1 200 OK\r\n".utf8)))
                // Each answer echoes its own request's nonce, and no other.
                for other in nonces { #expect(Self.contains(answer, other) == (other == nonce)) }
            }
        }
        #expect(channels[0].isActive && channels[1].isActive)
        #expect(!channels[2].isActive, "closed after the answer to its Connection: close request")
        _ = try channels[0].finish()
        _ = try channels[1].finish()
    }

    /// Pipelined requests answered from memory, by the database path and from memory again leave
    /// in the requests' order: the third waits for the second's database answer. An end of input
    /// that arrives meanwhile is delivered after the answers.
    @Test func pipelinedAnswersKeepTheirOrderAndAHalfCloseWaitsForThem() async throws {
        let (responder, serial) = try await warmResponder()
        let database = ManualDatabasePath()
        let observer = Observer()
        let loop = EmbeddedEventLoop()
        let channel = try Self.channel(fastPath(responder, database: database), loop: loop, observer: observer)
        let hit = Self.get("/.well-known/pki/ocsp/iss-test/\(serial)")
        let miss = Self.get("/.well-known/pki/ocsp/iss-test/ff")
        try channel.writeInbound(ByteBuffer(bytes: hit + miss + hit))
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        let first = try Self.written(channel)
        #expect(first.count == 1 && first[0].hasPrefix("HTTP/1.1 200 OK"), "the first is answered from memory at once")
        #expect(database.waiting == 1, "the second waits for the database")
        #expect(observer.seenEvents.isEmpty, "the end of input waits for the answers")

        database.answer("from-the-database")
        let rest = try Self.written(channel)
        #expect(rest.count == 2)
        #expect(rest.first?.hasSuffix("from-the-database") == true, "the database answer, then the third")
        #expect(rest.last?.hasPrefix("HTTP/1.1 200 OK") == true && rest.last?.hasSuffix("from-the-database") == false)
        #expect(observer.seenEvents == ["inputClosed"], "delivered after the last answer")
        _ = try channel.finish()
    }

    /// On a shared database the request waits for a change-counter read that began after it
    /// arrived; what follows waits behind it, and is answered after it, in order.
    @Test func aRequestWaitsForTheGateAndWhatFollowsWaitsBehindIt() async throws {
        let (responder, memory, _, serial) = try await memoryResponder()
        let loop = EmbeddedEventLoop()
        let reads = Mutex<[EventLoopPromise<Int64>]>([])
        let gate = OCSPEpochGate(
            memory: memory, metrics: metrics, logger: Logger(label: "test"),
            readEpoch: {
                let promise = loop.makePromise(of: Int64.self)
                reads.withLock { $0.append(promise) }
                return promise.futureResult
            })
        // The counter's first value is known (the first read empties memory), then memory warmed.
        gate.wait(on: loop) { _ in }
        reads.withLock { $0.removeFirst() }.succeed(1)
        loop.run()
        _ = await responder.respond(issuerID: "iss-test", serialHex: serial)
        try Self.gateExchange(fastPath(responder, database: ManualDatabasePath(), gate: gate), loop: loop, reads: reads, serial: serial)
    }

    /// The embedded part, without suspending: an `EmbeddedEventLoop` is used on one thread.
    private static func gateExchange(
        _ fastPath: OCSPFastPath, loop: EmbeddedEventLoop, reads: borrowing Mutex<[EventLoopPromise<Int64>]>, serial: String
    ) throws {
        let channel = try Self.channel(fastPath, loop: loop, observer: Observer())
        let hit = Self.get("/.well-known/pki/ocsp/iss-test/\(serial)")
        try channel.writeInbound(ByteBuffer(bytes: hit))
        try channel.writeInbound(ByteBuffer(bytes: hit))
        #expect(try Self.written(channel).isEmpty, "nothing before the counter was read")
        #expect(reads.withLock { $0.count } == 1)
        reads.withLock { $0.removeFirst() }.succeed(1)
        loop.run()
        #expect(try Self.written(channel).count == 1, "the first, then the second waits for its own read")
        #expect(reads.withLock { $0.count } == 1)
        reads.withLock { $0.removeFirst() }.succeed(1)
        loop.run()
        #expect(try Self.written(channel).count == 1)
        _ = try channel.finish()
    }

    /// `Connection: close` is honoured after its answer; what was pipelined behind it is dropped.
    @Test func connectionCloseIsAnsweredThenClosed() async throws {
        let (responder, serial) = try await warmResponder()
        let channel = try Self.channel(fastPath(responder, database: ManualDatabasePath()), loop: EmbeddedEventLoop(), observer: Observer())
        let target = "/.well-known/pki/ocsp/iss-test/\(serial)"
        try channel.writeInbound(ByteBuffer(bytes: Self.get(target, close: true) + Self.get(target)))
        let answers = try Self.written(channel)
        #expect(answers.count == 1 && answers[0].contains("Connection: close\r\n"))
        #expect(!channel.isActive)
        #expect(try channel.readInbound(as: ByteBuffer.self) == nil, "nothing reaches the decoder")
    }

    /// A client that does not read its answers: once the channel is not writable, requests stay
    /// unanswered and reading stops; writable again, both resume. Input past the buffer cap
    /// closes the connection.
    @Test func aClientThatDoesNotReadStopsBeingAnsweredAndRead() async throws {
        let (responder, serial) = try await warmResponder()
        var tuning = OCSPTuning.standard
        tuning.maxConnectionBuffer = 4_096
        let observer = Observer()
        let channel = try Self.channel(
            fastPath(responder, database: ManualDatabasePath(), tuning: tuning), loop: EmbeddedEventLoop(), observer: observer)
        let hit = Self.get("/.well-known/pki/ocsp/iss-test/\(serial)")
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        try channel.writeInbound(ByteBuffer(bytes: Array([[UInt8]](repeating: hit, count: 10).joined())))
        #expect(try Self.written(channel).isEmpty, "not answered while the socket is not writable")
        channel.read()
        #expect(observer.reads == 0, "not read either")

        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(try Self.written(channel).count == 10, "answered once writable")
        #expect(observer.reads == 1, "and read again")

        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        let before = metrics.exposition()
        try channel.writeInbound(ByteBuffer(bytes: Array([[UInt8]](repeating: hit, count: 100).joined())))
        #expect(!channel.isActive, "closed past the cap")
        #expect(try Self.written(channel).isEmpty)
        #expect(before != metrics.exposition())
        #expect(String(decoding: metrics.exposition(), as: UTF8.self).contains("label=\"connection_over_buffer\"} 1"))
    }

    /// A request the handler does not answer (another route) hands the connection to the decoder
    /// for good, from that request's first byte: an OCSP request after it goes there too.
    @Test func otherRequestsHandTheConnectionToTheDecoderForGood() async throws {
        let (responder, serial) = try await warmResponder()
        let channel = try Self.channel(fastPath(responder, database: ManualDatabasePath()), loop: EmbeddedEventLoop(), observer: Observer())
        let hit = Self.get("/.well-known/pki/ocsp/iss-test/\(serial)")
        let other = Self.get("/api/v1/issuers")
        try channel.writeInbound(ByteBuffer(bytes: hit + other + hit))
        #expect(try Self.written(channel).count == 1, "the first is answered here")
        var passed: [UInt8] = []
        while let buffer = try channel.readInbound(as: ByteBuffer.self) { passed += buffer.readableBytesView }
        #expect(passed == other + hit, "the rest reaches the decoder unchanged")
        try channel.writeInbound(ByteBuffer(bytes: hit))
        #expect(try Self.written(channel).isEmpty)
        #expect(try channel.readInbound(as: ByteBuffer.self).map { Array($0.readableBytesView) } == hit)
        _ = try channel.finish()
    }

    /// A head arriving one byte at a time is read once complete (its end searched for once).
    @Test func aHeadArrivingByteByByteIsAnswered() async throws {
        let (responder, serial) = try await warmResponder()
        let channel = try Self.channel(fastPath(responder, database: ManualDatabasePath()), loop: EmbeddedEventLoop(), observer: Observer())
        for byte in Self.get("/.well-known/pki/ocsp/iss-test/\(serial)") { try channel.writeInbound(ByteBuffer(bytes: [byte])) }
        #expect(try Self.written(channel).count == 1)
        _ = try channel.finish()
    }

    private static func contains(_ bytes: [UInt8], _ part: [UInt8]) -> Bool {
        guard bytes.count >= part.count else { return false }
        return (0...(bytes.count - part.count)).contains { bytes[$0..<($0 + part.count)].elementsEqual(part) }
    }
}
