import SwiftASN1
import X509

/// RFC 6960 §4.2.1 `BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
/// signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }`, from the signed TBS bytes.
struct BasicOCSPResponse: Sendable {
    var tbsBytes: [UInt8]
    /// DER of the `AlgorithmIdentifier`, encoded once per responder.
    var signatureAlgorithmDER: [UInt8]
    var signature: [UInt8]
    /// DER of the delegated responder certificate (always included, RFC 6960 §4.2.2.2), encoded
    /// once per responder.
    var certificateDER: [UInt8]

    /// The DER encoding's length, known before it is written.
    var encodedLength: Int { DEREnvelope.encodedLength(contentLength) }

    private var contentLength: Int {
        tbsBytes.count + signatureAlgorithmDER.count + DEREnvelope.encodedLength(1 + signature.count)
            + DEREnvelope.encodedLength(DEREnvelope.encodedLength(certificateDER.count))
    }

    /// Appends the DER encoding: each byte written once.
    func append(to out: inout [UInt8]) {
        DEREnvelope.appendHeader(0x30, contentLength: contentLength, to: &out)
        out.append(contentsOf: tbsBytes)
        out.append(contentsOf: signatureAlgorithmDER)
        DEREnvelope.appendHeader(0x03, contentLength: 1 + signature.count, to: &out)
        out.append(0)
        out.append(contentsOf: signature)
        DEREnvelope.appendHeader(0xA0, contentLength: DEREnvelope.encodedLength(certificateDER.count), to: &out)
        DEREnvelope.appendHeader(0x30, contentLength: certificateDER.count, to: &out)
        out.append(contentsOf: certificateDER)
    }

    func derBytes() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength)
        append(to: &out)
        return out
    }
}
