import SwiftASN1
import X509

/// RFC 6960 §4.2.1 `BasicOCSPResponse ::= SEQUENCE { tbsResponseData ResponseData, signatureAlgorithm AlgorithmIdentifier,
/// signature BIT STRING, certs [0] EXPLICIT SEQUENCE OF Certificate OPTIONAL }`, from the signed TBS bytes.
struct BasicOCSPResponse: DERSerializable, Sendable {
    var tbsBytes: [UInt8]
    var signatureAlgorithm: SignatureAlgorithmIdentifier
    var signature: [UInt8]
    /// The delegated responder certificate (always included, RFC 6960 §4.2.2.2).
    var certificates: [Certificate]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbsBytes)
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(ASN1BitString(bytes: signature[...]))
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                try coder.serializeSequenceOf(certificates)
            }
        }
    }
}
