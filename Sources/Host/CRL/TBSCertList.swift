import Foundation
import SwiftASN1
import X509

/// RFC 5280 §5.1.2 `TBSCertList`, always version 2:
///
/// ```
/// TBSCertList ::= SEQUENCE {
///   version Version OPTIONAL (v2), signature AlgorithmIdentifier, issuer Name,
///   thisUpdate Time, nextUpdate Time OPTIONAL,
///   revokedCertificates SEQUENCE OF … OPTIONAL, crlExtensions [0] EXPLICIT Extensions OPTIONAL }
/// ```
/// An empty revocation list is omitted, not encoded as an empty SEQUENCE.
struct TBSCertList: DERSerializable, Sendable {
    var signature: SignatureAlgorithmIdentifier
    /// The issuing CA's subject, byte for byte as in its certificate.
    var issuerDER: [UInt8]
    var thisUpdate: Date
    var nextUpdate: Date
    /// The DER of the revoked entries, concatenated (``RevokedEntries``); empty for none.
    var revokedEntriesDER: [UInt8]
    var extensions: [Certificate.Extension]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(1)  // v2
            try coder.serialize(signature)
            coder.serializeRawBytes(issuerDER)
            try coder.serialize(X509Time(thisUpdate))
            try coder.serialize(X509Time(nextUpdate))
            if !revokedEntriesDER.isEmpty {
                coder.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(revokedEntriesDER) }
            }
            try coder.serialize(ExtensionList(extensions: extensions), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
        }
    }
}
