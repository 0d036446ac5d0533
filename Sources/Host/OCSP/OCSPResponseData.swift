import Foundation
import SwiftASN1
import X509

/// RFC 6960 §4.2.1 `ResponseData ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, responderID ResponderID,
/// producedAt GeneralizedTime, responses SEQUENCE OF SingleResponse, responseExtensions [1] EXPLICIT Extensions OPTIONAL }`,
/// with `ResponderID` always `byKey [2] EXPLICIT KeyHash` (SHA-1 of the responder's public key, RFC 5019 §2.2.3).
///
/// Encoded with ``DEREnvelope`` (each length known before its content) rather than swift-asn1's
/// serializer: this is the to-be-signed part of every live-signed answer.
struct OCSPResponseData: DERSerializable, Sendable {
    var responderKeyHash: [UInt8]
    var producedAt: Date
    var responses: [OCSPSingleResponse]
    var extensions: [Certificate.Extension]

    func derBytes() throws -> [UInt8] {
        DEREnvelope.wrap(
            0x30,
            DEREnvelope.wrap(0xA2, DEREnvelope.wrap(0x04, responderKeyHash)),
            X509Time.generalizedTimeDER(producedAt),
            DEREnvelope.wrap(0x30, Array(try responses.map { try $0.derBytes() }.joined())),
            extensions.isEmpty ? [] : DEREnvelope.wrap(0xA1, try DER.Serializer.bytes(of: ExtensionList(extensions: extensions)))
        )
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(try derBytes())
    }
}
