import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import Host

/// The raw HTTP/1 head reader of the OCSP fast path: what it accepts it must read exactly as NIO's
/// decoder does, and anything outside its subset is left to that decoder.
@Suite struct HTTP1RequestFrameTests {
    private func read(_ text: String) -> HTTP1RequestFrame.Result {
        read(Array(text.utf8))
    }

    private func read(_ bytes: [UInt8]) -> HTTP1RequestFrame.Result {
        bytes.withUnsafeBytes { HTTP1RequestFrame.read($0) }
    }

    private func frame(_ text: String) throws -> HTTP1RequestFrame {
        guard case .frame(let frame) = read(text) else { throw Unexpected(result: read(text)) }
        return frame
    }

    private struct Unexpected: Error { var result: HTTP1RequestFrame.Result }

    private static let post =
        "POST /.well-known/pki/ocsp/iss-local HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/ocsp-request\r\n"
        + "Content-Length: 83\r\n\r\n"

    @Test func aPostHeadIsFramedByItsContentLength() throws {
        let frame = try frame(Self.post + "body bytes follow")
        #expect(frame.method == .post)
        #expect(Array(Self.post.utf8)[frame.target].elementsEqual("/.well-known/pki/ocsp/iss-local".utf8))
        #expect(frame.isHTTP11 && frame.keepAlive)
        #expect(frame.contentLength == 83)
        #expect(frame.headLength == Self.post.utf8.count)
        #expect(frame.length == Self.post.utf8.count + 83)
        #expect(frame.ifNoneMatch == nil)
    }

    @Test func everyPrefixOfAHeadIsIncomplete() {
        let bytes = Array(Self.post.utf8)
        for end in 0..<bytes.count {
            #expect(read(Array(bytes[..<end])) == .incomplete, "\(end) bytes")
        }
    }

    @Test func connectionPersistenceFollowsTheVersion() throws {
        #expect(try !frame("GET /x HTTP/1.0\r\n\r\n").keepAlive)
        #expect(try frame("GET /x HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").keepAlive)
        #expect(try frame("GET /x HTTP/1.1\r\n\r\n").keepAlive)
        #expect(try !frame("GET /x HTTP/1.1\r\nConnection: close\r\n\r\n").keepAlive)
        #expect(try !frame("GET /x HTTP/1.1\r\nconnection: TE, CLOSE\r\n\r\n").keepAlive)
        #expect(try !frame("GET /x HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n").keepAlive)
        #expect(try !frame("GET /x HTTP/1.0\r\n\r\n").isHTTP11)
    }

    @Test func ifNoneMatchIsFoundAndFieldsAreTrimmed() throws {
        let text = "GET /x HTTP/1.1\r\nIF-NONE-MATCH:  \"abc\"  \r\nIf-None-Match: \"second\"\r\ncontent-length:  0 \r\n\r\n"
        let frame = try frame(text)
        let range = try #require(frame.ifNoneMatch)
        #expect(String(decoding: Array(text.utf8)[range], as: UTF8.self) == "\"abc\"")
        #expect(frame.contentLength == 0)
        #expect(frame.method == .get)
        #expect(try self.frame("DELETE /x HTTP/1.1\r\n\r\n").method == .other)
    }

    @Test(arguments: [
        "GET /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "POST /x HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        "GET /x HTTP/1.1\r\nUpgrade: h2c\r\n\r\n",
        "GET /x HTTP/1.1\r\nConnection: Upgrade\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: +3\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 3 4\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length:\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 1234567890123\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\r\n b\r\n\r\n",
        "GET /x HTTP/1.1\nHost: a\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\n\r\n",
        "GET /x HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET /x HTTP/1.1\r\n: a\r\n\r\n",
        "GET /x HTTP/1.1\r\nHo\"st: a\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: caf\u{E9}\r\n\r\n",
        "GET /x HTTP/1.1\r\nHost: a\u{7F}\r\n\r\n",
        "GET x HTTP/1.1\r\n\r\n",
        "POST /x HTTP/1.1\r\nContent-Length: 3\t\r\n\r\n",
        "GET /x HTTP/1.0\r\nConnection:\tkeep-alive\r\n\r\n",
        "GET http://a/x HTTP/1.1\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\n\r\n",
        "CONNECT a:443 HTTP/1.1\r\n\r\n",
        "PURGE /x HTTP/1.1\r\n\r\n",
        "get /x HTTP/1.1\r\n\r\n",
        "GET  /x HTTP/1.1\r\n\r\n",
        "GET /x  HTTP/1.1\r\n\r\n",
        "GET /x HTTP/2.0\r\n\r\n",
        "GET /x HTTP/1.2\r\n\r\n",
        "GET /x http/1.1\r\n\r\n",
        "GET /x HTTP/1.1 \r\n\r\n",
        "GET /\u{E9} HTTP/1.1\r\n\r\n",
        "ABCDEFGHIJKLMNOPQ /x HTTP/1.1\r\n\r\n",
        "\r\nGET /x HTTP/1.1\r\n\r\n",
    ])
    func outsideTheSubsetIsUnsupported(text: String) {
        #expect(read(text) == .unsupported)
        #expect(scanned(Array(text.utf8)) == .unsupported, "fed a byte at a time, the scan refuses it too")
    }

    /// What ``HTTP1RequestFrame/scan(_:from:)`` says once `bytes` arrived a byte at a time,
    /// resuming each search where the previous one stopped (as the connection handler does).
    private func scanned(_ bytes: [UInt8]) -> HTTP1RequestFrame.Scan {
        var searched = 0
        for end in 1...bytes.count {
            let result = Array(bytes.prefix(end)).withUnsafeBytes { HTTP1RequestFrame.scan($0, from: searched) }
            switch result {
            case .incomplete(let next):
                #expect(next == end, "everything received is searched once")
                searched = next
            case .unsupported, .frame:
                return result
            }
        }
        return .incomplete(searched: searched)
    }

    /// Byte by byte, the scan frames exactly what ``HTTP1RequestFrame/read(_:)`` frames from the
    /// whole head, and only once the head is complete.
    @Test(arguments: [
        "GET /.well-known/pki/ocsp/iss/01 HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"e\"\r\n\r\n",
        "POST /x HTTP/1.0\r\nConnection: keep-alive\r\nContent-Length: 12\r\n\r\n",
        "DELETE /x HTTP/1.1\r\n\r\n",
    ])
    func theScanFramesCompleteHeadsLikeTheReader(text: String) throws {
        let bytes = Array(text.utf8)
        guard case .frame(let whole) = read(bytes) else {
            Issue.record("not a head: \(text)")
            return
        }
        #expect(scanned(bytes) == .frame(whole))
        #expect(scanned(Array(bytes.dropLast())) == .incomplete(searched: bytes.count - 1))
    }

    /// Thousands of corrupted requests: each one this reader frames, NIO's decoder reads with the
    /// same method, target, version, persistence and body length, and without an error.
    @Test func whatIsFramedNIOReadsTheSameWay() throws {
        let seeds = [
            Self.post + String(repeating: "b", count: 83),
            "GET /.well-known/pki/ocsp/iss-local/MEMwQTA%2FMD0wOzAJBgUrDgMCGgUA HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"e\"\r\n\r\n",
            "GET /x HTTP/1.0\r\nConnection: keep-alive\r\nUser-Agent: curl/8\r\nAccept: */*\r\n\r\n",
            "PUT /api/v1/x HTTP/1.1\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello",
        ].map { Array($0.utf8) }
        var random = OCSPRequestScannerTests.SplitMix(seed: 0x5EED_F00D)
        let alphabet = Array(" \t\r\n:,-/0123456789aAzZ\u{7F}\u{80}\"".utf8)
        var framed = 0
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = alphabet.randomElement(using: &random)!
                case 1: bytes.remove(at: index)
                default: bytes.insert(alphabet.randomElement(using: &random)!, at: index)
                }
            }
            guard case .frame(let frame) = read(bytes), bytes.count >= frame.length else { continue }
            framed += 1
            try expectNIOReads(Array(bytes[..<frame.length]), like: frame)
        }
        #expect(framed > 1_000)
    }

    private func expectNIOReads(_ bytes: [UInt8], like frame: HTTP1RequestFrame) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        defer { _ = try? channel.finish() }
        let text = String(decoding: bytes, as: UTF8.self).debugDescription
        do {
            try channel.writeInbound(channel.allocator.buffer(bytes: bytes))
        } catch {
            Issue.record("NIO refused what was framed: \(text): \(error)")
            return
        }
        guard case .head(let head) = try channel.readInbound(as: HTTPServerRequestPart.self) else {
            Issue.record("no head from NIO: \(text)")
            return
        }
        #expect(head.uri.utf8.elementsEqual(bytes[frame.target]), "\(text)")
        #expect(head.isKeepAlive == frame.keepAlive, "\(text)")
        #expect((head.version == .http1_1) == frame.isHTTP11, "\(text)")
        #expect((head.method == .GET) == (frame.method == .get) && (head.method == .POST) == (frame.method == .post), "\(text)")
        var body = 0
        while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
            switch part {
            case .head: Issue.record("a second head: \(text)")
            case .body(let chunk): body += chunk.readableBytes
            case .end:
                #expect(body == frame.contentLength, "\(text)")
                return
            }
        }
        Issue.record("NIO did not end the request: \(text)")
    }
}
