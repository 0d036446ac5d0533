import SwiftASN1
import X509

/// RFC 6960 §4.2.1 `BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
/// signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }`, from the signed TBS bytes.
struct BasicOCSPResponse: Sendable {
    var tbsBytes: [UInt8]
    var signatureAlgorithm: SignatureAlgorithmIdentifier
    var signature: [UInt8]
    /// DER of the delegated responder certificate (always included, RFC 6960 §4.2.2.2), encoded
    /// once per responder.
    var certificateDER: [UInt8]

    func derBytes() throws -> [UInt8] {
        DEREnvelope.wrap(
            0x30, tbsBytes, try DER.Serializer.bytes(of: signatureAlgorithm),
            DEREnvelope.wrap(0x03, [0], signature),
            DEREnvelope.wrap(0xA0, DEREnvelope.wrap(0x30, certificateDER))
        )
    }
}
