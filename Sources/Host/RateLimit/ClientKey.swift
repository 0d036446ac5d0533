import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The key a client's requests are counted under by per-client limits: its IPv4 address, or its
/// IPv6 address cut to `CERTCTL_RATE_LIMIT_IPV6_PREFIX` bits — a host given a /64 has 2⁶⁴
/// addresses, and counting each as its own client would make the limit unlimited. An
/// IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, from a dual-stack socket) counts as its IPv4 address.
/// Client headers (`X-Forwarded-For` and the like) are never read.
enum ClientKey {
    static func make(_ address: SocketAddress?, ipv6Prefix: Int) -> String {
        switch address {
        case .v4:
            return address?.ipAddress ?? "unknown"
        case .v6(let v6):
            let octets = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
            return make(octets: octets, ipv6Prefix: ipv6Prefix)
        default:
            return "unknown"
        }
    }

    /// The key for an address's 4 or 16 octets.
    static func make(octets: [UInt8], ipv6Prefix: Int) -> String {
        if octets.count == 4 { return IPAddress(checked: octets).description }
        if octets.prefix(10).allSatisfy({ $0 == 0 }), octets[10] == 0xFF, octets[11] == 0xFF {
            return IPAddress(checked: Array(octets[12...])).description
        }
        let prefix = min(128, max(0, ipv6Prefix))
        var masked = octets
        for index in 0..<16 {
            let keep = min(8, max(0, prefix - index * 8))
            masked[index] &= keep == 8 ? 0xFF : ~(0xFF >> UInt8(keep))
        }
        return "\(IPAddress(checked: masked))/\(prefix)"
    }
}
