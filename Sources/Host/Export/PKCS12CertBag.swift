import SwiftASN1

/// A PKCS#12 `SafeBag` holding one certificate (RFC 7292 §4.2.3):
/// `SafeBag ::= SEQUENCE { certBag-OID, [0] EXPLICIT CertBag, bagAttributes SET OF … OPTIONAL }`,
/// `CertBag ::= SEQUENCE { x509Certificate-OID, [0] EXPLICIT OCTET STRING (DER certificate) }`,
/// with a `friendlyName` attribute when given.
struct PKCS12CertBag: DERSerializable, Sendable {
    static let certBag: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 12, 10, 1, 3]
    static let x509Certificate: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 22, 1]
    static let friendlyName: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 9, 20]

    var certificateDER: [UInt8]
    var friendlyName: String?

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(Self.certBag)
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(Self.x509Certificate)
                    try coder.serialize(
                        ASN1OctetString(contentBytes: certificateDER[...]), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific
                    )
                }
            }
            if let friendlyName {
                try coder.appendConstructedNode(identifier: .set) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(Self.friendlyName)
                        try coder.appendConstructedNode(identifier: .set) { coder in
                            try coder.serialize(ASN1BMPString(contentBytes: PKCS12KeyDerivation.bmpString(friendlyName).dropLast(2)))
                        }
                    }
                }
            }
        }
    }
}
