import Foundation
import SwiftASN1
import X509

/// RFC 6960 §4.2.1 `ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID,
/// producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }`,
/// with `ResponderID` always `byKey [2] EXPLICIT KeyHash` (SHA-1 of the responder's public key, RFC 5019 §2.2.3).
struct OCSPResponseData: DERSerializable, Sendable {
    var responderKeyHash: [UInt8]
    var producedAt: Date
    var responses: [OCSPSingleResponse]
    var extensions: [Certificate.Extension]

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(
                ASN1OctetString(contentBytes: responderKeyHash[...]), explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific
            )
            try coder.serialize(GeneralizedTime(producedAt))
            try coder.serializeSequenceOf(responses)
            if !extensions.isEmpty {
                try coder.serialize(ExtensionList(extensions: extensions), explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific)
            }
        }
    }
}
