import NIOCore

/// The key a client's requests are counted under by per-client limits: its IPv4 address, or its
/// IPv6 address cut to `CERTCTL_RATE_LIMIT_IPV6_PREFIX` bits — a host given a /64 has 2⁶⁴
/// addresses, and counting each as its own client would make the limit unlimited. An
/// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, from a dual-stack socket) counts as its IPv4 address.
/// Client headers (`X-Forwarded-For` and the like) are never read.
enum ClientKey {
    static func make(_ address: SocketAddress?, ipv6Prefix: Int) -> String {
        guard let peer = IPAddress(peer: address) else { return "unknown" }
        if peer.bytes.count == 4 { return peer.description }
        return IPRange(around: peer, prefix: ipv6Prefix).description
    }
}
