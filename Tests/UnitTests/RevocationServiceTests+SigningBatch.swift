import Foundation
import NIOCore
import NIOEmbedded
import Testing

@testable import Host

extension RevocationServiceTests {
    /// Nonce requests that one event loop reads are signed together after it has read them all
    /// (``OCSPSigningBatch``), and each connection gets the answer to its own requests, in order:
    /// two connections in one batch, and three pipelined requests on a third, the last with
    /// `Connection: close`.
    @Test func nonceRequestsOfOneLoopAreSignedTogetherAndEachConnectionGetsItsOwn() async throws {
        let (responder, _, _, serial) = try await memoryResponder()
        // The status into memory, so nonce requests are answered by the fast path.
        _ = await responder.respond(issuerID: "iss-test", serialHex: serial)
        let fastPath = OCSPFastPath(
            responder: responder, limiter: FixedWindowLimiter(limit: 0, window: .seconds(60), clock: ContinuousClock()),
            metrics: metrics, gate: nil)
        let nonces = (0..<5).map { _ in (0..<16).map { _ in UInt8.random(in: 0...255) } }
        let requests = try nonces.map { try request(responder, serial: serial, nonce: $0) }
        try Self.exchange(fastPath, requests: requests, nonces: nonces)
    }

    /// The embedded part, without suspending: an `EmbeddedEventLoop` is used on one thread.
    private static func exchange(_ fastPath: OCSPFastPath, requests: [[UInt8]], nonces: [[UInt8]]) throws {
        let loop = EmbeddedEventLoop()
        let batch = fastPath.batches.batch(on: loop)
        #expect(fastPath.batches.batch(on: loop) === batch, "one batch per loop")
        let channels = (0..<3).map { _ in
            EmbeddedChannel(handler: OCSPRawChannelHandler(fastPath, order: OCSPConnectionOrder(), batch: batch), loop: loop)
        }
        for channel in channels { _ = channel.connect(to: try SocketAddress(ipAddress: "127.0.0.1", port: 1)) }
        func post(_ body: [UInt8], close: Bool = false) -> [UInt8] {
            let head =
                "POST /.well-known/pki/ocsp/iss-test HTTP/1.1\r\nHost: x\r\n\(close ? "Connection: close\r\n" : "")"
                + "Content-Length: \(body.count)\r\n\r\n"
            return Array(head.utf8) + body
        }
        try channels[0].writeInbound(ByteBuffer(bytes: post(requests[0])))
        try channels[1].writeInbound(ByteBuffer(bytes: post(requests[1])))
        try channels[2].writeInbound(ByteBuffer(bytes: post(requests[2]) + post(requests[3]) + post(requests[4], close: true)))
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

    private static func contains(_ bytes: [UInt8], _ part: [UInt8]) -> Bool {
        guard bytes.count >= part.count else { return false }
        return (0...(bytes.count - part.count)).contains { bytes[$0..<($0 + part.count)].elementsEqual(part) }
    }
}
