import ConnectorAPI

/// An ECDSA signature's X.509 form, `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`
/// (RFC 3279 §2.2.3), built from a raw `r ‖ s` (swift-crypto's `rawRepresentation`, PKCS#11
/// `CKM_ECDSA` output).
///
/// Written out directly: going through swift-crypto's `derRepresentation` converts the raw form
/// back into a BoringSSL object first, which cost as much as hashing the whole response.
public enum ECDSASignatureDER {
    /// The DER of `raw` (`r ‖ s`, two equal halves of at most 66 octets: up to P-521).
    /// - Parameter coordinateSize: the curve's field size in octets (32 for P-256, 48 for P-384);
    ///   when given, `raw` must be exactly twice that.
    /// - Returns: `nil` when `raw` is empty, odd-length, longer than that, or not the curve's size.
    public static func encode(raw: [UInt8], coordinateSize: Int? = nil) -> [UInt8]? {
        raw.withUnsafeBytes { encode(raw: $0, coordinateSize: coordinateSize) }
    }

    /// ``encode(raw:coordinateSize:)`` on the signer's bytes where they are, into one buffer of the
    /// exact size (this runs for every live-signed OCSP answer).
    public static func encode(raw: UnsafeRawBufferPointer, coordinateSize: Int? = nil) -> [UInt8]? {
        guard !raw.isEmpty, raw.count % 2 == 0, raw.count <= 132 else { return nil }
        if let coordinateSize, raw.count != 2 * coordinateSize { return nil }
        let half = raw.count / 2
        let r = integer(raw, 0..<half)
        let s = integer(raw, half..<raw.count)
        let contentLength = r.encodedLength + s.encodedLength
        var der: [UInt8] = []
        der.reserveCapacity(contentLength + 3)
        der.append(0x30)
        if contentLength >= 0x80 { der.append(0x81) }
        der.append(UInt8(contentLength))
        r.append(from: raw, to: &der)
        s.append(from: raw, to: &der)
        return der
    }

    /// A non-negative INTEGER from big-endian magnitude bytes: leading zeros dropped (one kept for
    /// zero), and a zero prepended when the top bit is set.
    private struct Integer {
        var digits: Range<Int>
        var pad: Bool
        var encodedLength: Int { 2 + (pad ? 1 : 0) + digits.count }

        func append(from raw: UnsafeRawBufferPointer, to der: inout [UInt8]) {
            der.append(0x02)
            der.append(UInt8(encodedLength - 2))
            if pad { der.append(0) }
            der.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[digits]))
        }
    }

    private static func integer(_ raw: UnsafeRawBufferPointer, _ magnitude: Range<Int>) -> Integer {
        var start = magnitude.lowerBound
        while start < magnitude.upperBound - 1, raw[start] == 0 { start += 1 }
        return Integer(digits: start..<magnitude.upperBound, pad: raw[start] >= 0x80)
    }

    /// ``encode(raw:coordinateSize:)`` for a signer's output.
    /// - Throws: `ConnectorError` `internalFailure` when `raw` is not a signature of that curve.
    public static func encode(signer raw: [UInt8], coordinateSize: Int) throws -> [UInt8] {
        try raw.withUnsafeBytes { try encode(signer: $0, coordinateSize: coordinateSize) }
    }

    /// ``encode(signer:coordinateSize:)`` on bytes where they are (swift-crypto's `Data`).
    public static func encode(signer raw: UnsafeRawBufferPointer, coordinateSize: Int) throws -> [UInt8] {
        guard let der = encode(raw: raw, coordinateSize: coordinateSize) else {
            throw ConnectorError(.internalFailure, "ECDSA signature of unexpected size")
        }
        return der
    }
}
