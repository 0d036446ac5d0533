#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// An IPv4 or IPv6 address as it appears in an `iPAddress` SAN (4 or 16 octets).
struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    let bytes: [UInt8]

    /// From a SAN's octets. - Throws: `invalidName` unless there are exactly 4 or 16.
    init(octets: [UInt8]) throws {
        guard octets.count == 4 || octets.count == 16 else {
            throw PolicyRefusal(
                .invalidName, value: octets.map { String($0, radix: 16) }.joined(separator: ":"), "not a 4- or 16-octet IP address")
        }
        bytes = octets
    }

    /// From octets already known to be 4 or 16.
    init(checked octets: [UInt8]) {
        bytes = octets
    }

    /// From text (`10.1.2.3`, `fd00::1`); `nil` when it is neither.
    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// Dotted quad, or RFC 5952 IPv6 text.
    var description: String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        let ok = bytes.withUnsafeBytes { raw in inet_ntop(family, raw.baseAddress, &buffer, socklen_t(buffer.count)) != nil }
        guard ok else { return bytes.map { String($0) }.joined(separator: ".") }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
