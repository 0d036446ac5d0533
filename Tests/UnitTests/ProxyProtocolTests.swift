import NIOCore
import Testing

@testable import Host

/// PROXY protocol v2 headers (HAProxy's spec, §2.2): what is accepted, what waits, what is refused.
@Suite struct ProxyProtocolTests {
    static func header(command: UInt8 = 0x21, family: UInt8, block: [UInt8]) -> [UInt8] {
        ProxyProtocolDecoder.signature + [command, family, UInt8(block.count >> 8), UInt8(block.count & 0xFF)] + block
    }

    static func parse(_ bytes: [UInt8]) throws -> (ProxyProtocolDecoder.Header, Int)? {
        try bytes.withUnsafeBytes { raw in
            try ProxyProtocolDecoder.parse(raw).map { ($0.header, $0.length) }
        }
    }

    @Test func tcpOverIPv4AndIPv6GiveTheSourceAddress() throws {
        let v4 = Self.header(family: 0x11, block: [192, 0, 2, 7, 10, 0, 0, 1, 0x30, 0x39, 0x00, 0x50])
        let parsed = try #require(try Self.parse(v4 + Array("GET / HTTP/1.1\r\n".utf8)))
        #expect(parsed.0 == .proxied(try SocketAddress(ipAddress: "192.0.2.7", port: 12_345)) && parsed.1 == 28)
        let source: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [9]
        let v6 = Self.header(
            family: 0x21, block: source + [UInt8](repeating: 0, count: 15) + [1] + [0x01, 0xBB, 0x00, 0x50] + [0x04, 0, 1, 0])
        let parsed6 = try #require(try Self.parse(v6))
        #expect(parsed6.0 == .proxied(try SocketAddress(ipAddress: "2001:db8::9", port: 443)) && parsed6.1 == v6.count)
        // LOCAL (the proxy's own health check): the peer address stands.
        #expect(try Self.parse(Self.header(command: 0x20, family: 0x00, block: []))?.0 == .local)
    }

    @Test func incompleteHeadersWait() throws {
        let v4 = Self.header(family: 0x11, block: [192, 0, 2, 7, 10, 0, 0, 1, 0x30, 0x39, 0x00, 0x50])
        for length in [0, 5, 12, 15, 20] { #expect(try Self.parse(Array(v4.prefix(length))) == nil) }
    }

    @Test(arguments: [
        Array("PROXY TCP4 192.0.2.7 10.0.0.1 12345 80\r\n".utf8),  // v1 text: not accepted
        Array("GET / HTTP/1.1\r\n\r\n".utf8),
        header(command: 0x31, family: 0x11, block: [UInt8](repeating: 0, count: 12)),  // version 3
        header(command: 0x22, family: 0x11, block: [UInt8](repeating: 0, count: 12)),  // unknown command
        header(family: 0x12, block: [UInt8](repeating: 0, count: 12)),  // UDP
        header(family: 0x11, block: [UInt8](repeating: 0, count: 8)),  // short address block
        header(family: 0x11, block: [UInt8](repeating: 0, count: 600)),  // too long
    ])
    func refused(bytes: [UInt8]) {
        #expect(throws: ProxyProtocolDecoder.Invalid.self) { try Self.parse(bytes) }
    }
}
