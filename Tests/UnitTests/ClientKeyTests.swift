import NIOCore
import Testing

@testable import Host

/// Per-client limit keys: IPv4 as is, IPv6 by prefix, IPv4-mapped IPv6 as IPv4.
@Suite struct ClientKeyTests {
    static func key(_ text: String, prefix: Int = 64) throws -> String {
        ClientKey.make(try SocketAddress(ipAddress: text, port: 443), ipv6Prefix: prefix)
    }

    @Test func ipv4IsItsAddress() throws {
        #expect(try Self.key("10.1.2.3") == "10.1.2.3")
        #expect(try Self.key("::ffff:10.1.2.3") == "10.1.2.3")
    }

    @Test func ipv6AddressesInOnePrefixShareAKey() throws {
        #expect(try Self.key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64")
        #expect(try Self.key("2001:db8:1:2:ffff:ffff:ffff:ffff") == "2001:db8:1:2::/64")
        #expect(try Self.key("2001:db8:1:3::1") == "2001:db8:1:3::/64")
        #expect(try Self.key("2001:db8:1:2:aaaa::1", prefix: 48) == "2001:db8:1::/48")
        #expect(try Self.key("2001:db8:1:2:aaaa::1", prefix: 52) == "2001:db8:1::/52")
        #expect(try Self.key("2001:db8:1:f2ff::1", prefix: 52) == "2001:db8:1:f000::/52")
        #expect(try Self.key("2001:db8::1", prefix: 128) == "2001:db8::1/128")
        #expect(ClientKey.make(nil, ipv6Prefix: 64) == "unknown")
    }
}
