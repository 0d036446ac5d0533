/// An address range, `10.0.0.0/8` or `fd00::/8`: a profile's `ip` and `ip_deny` entries, and the
/// address-and-mask form of an `iPAddress` name constraint.
struct IPRange: Sendable, Hashable, CustomStringConvertible {
    let network: [UInt8]
    let mask: [UInt8]

    /// `address/prefix`, or a bare address (a range of one).
    /// - Throws: a message when the text is not a CIDR or has bits set below the prefix.
    init(cidr text: String) throws(IPRangeError) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { throw IPRangeError("'\(text)' is not an IP address or CIDR") }
        let bits = address.bytes.count * 8
        var prefix = bits
        if parts.count == 2 {
            guard let parsed = Int(parts[1]), (0...bits).contains(parsed) else {
                throw IPRangeError("'\(text)': the prefix length must be 0-\(bits)")
            }
            prefix = parsed
        }
        let mask = Self.mask(prefix: prefix, octets: address.bytes.count)
        guard zip(address.bytes, mask).allSatisfy({ $0 & ~$1 == 0 }) else {
            throw IPRangeError(
                "'\(text)' has address bits set after the prefix (did you mean \(Self.masked(address.bytes, mask))/\(prefix)?)")
        }
        network = address.bytes
        self.mask = mask
    }

    /// The range of `prefix` leading bits (clamped to the address's length) around `address`.
    init(around address: IPAddress, prefix: Int) {
        mask = Self.mask(prefix: prefix, octets: address.bytes.count)
        network = zip(address.bytes, mask).map { $0 & $1 }
    }

    init(network: [UInt8], mask: [UInt8]) {
        self.network = network
        self.mask = mask
    }

    /// From a name constraint's octets: address then mask (8 or 32 octets); `nil` otherwise.
    init?(constraint octets: [UInt8]) {
        guard octets.count == 8 || octets.count == 32 else { return nil }
        let half = octets.count / 2
        mask = Array(octets[half...])
        network = zip(octets[..<half], mask).map { $0 & $1 }
    }

    /// The address and mask octets of a name constraint (RFC 5280 §4.2.1.10).
    var constraintOctets: [UInt8] { network + mask }

    func contains(_ address: IPAddress) -> Bool {
        address.bytes.count == network.count && zip(zip(address.bytes, mask), network).allSatisfy { $0.0 & $0.1 == $1 }
    }

    var prefixLength: Int { mask.reduce(0) { $0 + $1.nonzeroBitCount } }

    var description: String { "\(Self.masked(network, mask))/\(prefixLength)" }

    private static func mask(prefix: Int, octets: Int) -> [UInt8] {
        (0..<octets).map { index in
            let bits = max(0, min(8, prefix - index * 8))
            return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
        }
    }

    private static func masked(_ bytes: [UInt8], _ mask: [UInt8]) -> IPAddress {
        IPAddress(checked: zip(bytes, mask).map { $0 & $1 })
    }
}

struct IPRangeError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
