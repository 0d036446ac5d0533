import SwiftASN1
import X509

/// RFC 8954 nonce (`id-pkix-ocsp-nonce`, 1.3.6.1.5.5.7.48.1.2): `Nonce ::= OCTET STRING (SIZE(1..32))`.
enum OCSPNonce {
    static let oid: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 2]
    static let maxLength = 32
    /// The DER of ``oid`` (tag, length, contents), for finding or reading it in raw request bytes.
    static let oidDER: [UInt8] = [0x06, 0x09, 0x2B, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x02]

    /// The nonce extension to echo, `nil` when the request has none.
    /// - Throws: ``OCSPFailure`` `unauthorized` for an empty or over-32-byte nonce (RFC 8954 §2.1).
    static func echo(from extensions: [Certificate.Extension]) throws -> Certificate.Extension? {
        guard let nonce = extensions.first(where: { $0.oid == oid }) else { return nil }
        // The value is a DER OCTET STRING; some old clients put the raw bytes there instead.
        // Read without a parser: a DER OCTET STRING of up to 32 bytes has a one-octet length. A
        // longer DER one (long form) is over the limit either way.
        let value = nonce.value
        let length: Int
        let start = value.startIndex
        if value.count >= 2, value[start] == 0x04, value[start + 1] < 0x80, Int(value[start + 1]) + 2 == value.count {
            length = Int(value[start + 1])
        } else {
            length = value.count
        }
        guard (1...maxLength).contains(length) else {
            throw OCSPFailure(.unauthorized, "nonce must be 1-\(maxLength) bytes, got \(length)")
        }
        return Certificate.Extension(oid: oid, critical: false, value: nonce.value)
    }
}
