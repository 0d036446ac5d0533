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
        guard !raw.isEmpty, raw.count % 2 == 0, raw.count <= 132 else { return nil }
        if let coordinateSize, raw.count != 2 * coordinateSize { return nil }
        let half = raw.count / 2
        let r = integer(raw[..<half])
        let s = integer(raw[half...])
        let contentLength = r.count + s.count
        var der: [UInt8] = [0x30]
        der.reserveCapacity(contentLength + 3)
        if contentLength >= 0x80 { der.append(0x81) }
        der.append(UInt8(contentLength))
        der += r
        der += s
        return der
    }

    /// A non-negative INTEGER from big-endian magnitude bytes: leading zeros dropped (one kept for
    /// zero), and a zero prepended when the top bit is set.
    private static func integer(_ magnitude: ArraySlice<UInt8>) -> [UInt8] {
        var digits = magnitude.drop(while: { $0 == 0 })
        if digits.isEmpty { digits = [0][...] }
        let pad = digits.first! >= 0x80
        var out: [UInt8] = [0x02, UInt8(digits.count + (pad ? 1 : 0))]
        if pad { out.append(0) }
        out += digits
        return out
    }

    /// ``encode(raw:coordinateSize:)`` for a signer's output.
    /// - Throws: `ConnectorError` `internalFailure` when `raw` is not a signature of that curve.
    public static func encode(signer raw: [UInt8], coordinateSize: Int) throws -> [UInt8] {
        guard let der = encode(raw: raw, coordinateSize: coordinateSize) else {
            throw ConnectorError(.internalFailure, "ECDSA signature of unexpected size")
        }
        return der
    }
}
