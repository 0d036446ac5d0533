import NIOCore

extension IPAddress {
    /// A socket's peer address; an IPv4-mapped IPv6 peer (`::ffff:a.b.c.d`, from a dual-stack
    /// socket) as its IPv4 address. `nil` for a Unix socket or no address.
    init?(peer socket: SocketAddress?) {
        switch socket {
        case .v4(let v4):
            // Linux `sockaddr_in`: family (2), port (2), then `sin_addr`. Read by offset: naming the
            // member makes the compiler pick between Glibc's and CNIOLinux's identical declarations.
            self.init(checked: withUnsafeBytes(of: v4.address) { Array($0[4..<8]) })
        case .v6(let v6):
            // Linux `sockaddr_in6`: family (2), port (2), flow info (4), then `sin6_addr`.
            self = Self.unmapped(withUnsafeBytes(of: v6.address) { Array($0[8..<24]) })
        default:
            return nil
        }
    }

    /// 4 or 16 octets as an address, an IPv4-mapped IPv6 one as its IPv4 address.
    static func unmapped(_ octets: [UInt8]) -> IPAddress {
        if octets.count == 16, octets.prefix(10).allSatisfy({ $0 == 0 }), octets[10] == 0xFF, octets[11] == 0xFF {
            return IPAddress(checked: Array(octets[12...]))
        }
        return IPAddress(checked: octets)
    }
}
