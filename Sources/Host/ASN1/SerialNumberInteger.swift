import SwiftASN1

/// A certificate serial number as a DER INTEGER, from its magnitude octets (as stored in hex).
struct SerialNumberInteger: DERSerializable, Sendable, Hashable {
    /// Big-endian magnitude without leading zero octets.
    var magnitude: [UInt8]

    /// From lower-case or upper-case hex, leading zeros allowed; `nil` for non-hex or empty input
    /// or more than 20 octets (RFC 5280 §4.1.2.2).
    init?(hex: some StringProtocol) {
        self.init(hexUTF8: hex.utf8)
    }

    /// From hex as UTF-8 bytes (e.g. straight from a database row).
    init?(hexUTF8: some Collection<UInt8>) {
        var text = Array(hexUTF8)
        guard !text.isEmpty, text.count <= 64 else { return nil }
        if text.count % 2 == 1 { text.insert(UInt8(ascii: "0"), at: 0) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.count / 2)
        for index in stride(from: 0, to: text.count, by: 2) {
            guard let high = Self.nibble(text[index]), let low = Self.nibble(text[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        while bytes.count > 1 && bytes[0] == 0 { bytes.removeFirst() }
        guard bytes.count <= 20 else { return nil }
        magnitude = bytes
    }

    init(magnitude: [UInt8]) {
        var bytes = magnitude
        while bytes.count > 1 && bytes[0] == 0 { bytes.removeFirst() }
        self.magnitude = bytes.isEmpty ? [0] : bytes
    }

    /// Whether INTEGER content octets are minimal, as DER requires (X.690 §8.3.2): no leading
    /// 0x00 before an octet below 0x80, no leading 0xFF before one from 0x80. Checked for CertID
    /// serials so each serial has one encoding per hash algorithm and parameter form, which keeps
    /// the OCSP memory and the pre-signed cache at a few entries per certificate.
    static func isMinimalContent(_ bytes: some Collection<UInt8>) -> Bool {
        var iterator = bytes.makeIterator()
        guard let first = iterator.next() else { return false }
        guard let second = iterator.next() else { return true }
        return !(first == 0x00 && second < 0x80) && !(first == 0xFF && second >= 0x80)
    }

    /// Lower-case hex without leading zeros (as stored and as `openssl x509 -serial` prints, lower-cased).
    var hex: String { magnitude.hexString }

    func serialize(into coder: inout DER.Serializer) throws {
        let content = magnitude[0] >= 0x80 ? [0] + magnitude : magnitude
        coder.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: content) }
    }

    /// The value of one hex digit (either case), or `nil`.
    static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
