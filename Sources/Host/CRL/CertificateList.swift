import SwiftASN1

/// RFC 5280 §5.1 `CertificateList ::= SEQUENCE { tbsCertList, signatureAlgorithm, signatureValue BIT STRING }`,
/// assembled from the already-serialized TBS bytes that were signed.
struct CertificateList: DERSerializable, Sendable {
    var tbsBytes: [UInt8]
    var signatureAlgorithm: SignatureAlgorithmIdentifier
    var signature: [UInt8]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.serializeRawBytes(tbsBytes)
            try coder.serialize(signatureAlgorithm)
            try coder.serialize(ASN1BitString(bytes: signature[...]))
        }
    }
}
