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
        let producedAtDER = X509Time.generalizedTimeDER(producedAt)
        var responsesDER: [UInt8] = []
        for response in responses { try response.append(to: &responsesDER) }
        let extensionsDER = try Self.extensionsDER(extensions)
        let keyHash = DEREnvelope.encodedLength(responderKeyHash.count)
        let content =
            DEREnvelope.encodedLength(keyHash) + producedAtDER.count + DEREnvelope.encodedLength(responsesDER.count)
            + (extensionsDER.isEmpty ? 0 : DEREnvelope.encodedLength(extensionsDER.count))
        var out: [UInt8] = []
        out.reserveCapacity(DEREnvelope.encodedLength(content))
        DEREnvelope.appendHeader(0x30, contentLength: content, to: &out)
        DEREnvelope.appendHeader(0xA2, contentLength: keyHash, to: &out)
        DEREnvelope.appendHeader(0x04, contentLength: responderKeyHash.count, to: &out)
        out.append(contentsOf: responderKeyHash)
        out.append(contentsOf: producedAtDER)
        DEREnvelope.appendHeader(0x30, contentLength: responsesDER.count, to: &out)
        out.append(contentsOf: responsesDER)
        if !extensionsDER.isEmpty {
            DEREnvelope.appendHeader(0xA1, contentLength: extensionsDER.count, to: &out)
            out.append(contentsOf: extensionsDER)
        }
        return out
    }

    /// `Extensions ::= SEQUENCE OF Extension` with `Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER,
    /// critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING }` (RFC 5280 §4.1); `[]` for none.
    /// In practice one extension, the echoed nonce, whose OID bytes are known.
    private static func extensionsDER(_ extensions: [Certificate.Extension]) throws -> [UInt8] {
        guard !extensions.isEmpty else { return [] }
        var list: [UInt8] = []
        for e in extensions {
            let oid = e.oid == OCSPNonce.oid ? OCSPNonce.oidDER : try DER.Serializer.bytes(of: e.oid)
            let critical: [UInt8] = e.critical ? [0x01, 0x01, 0xFF] : []
            let value = DEREnvelope.encodedLength(e.value.count)
            DEREnvelope.appendHeader(0x30, contentLength: oid.count + critical.count + value, to: &list)
            list.append(contentsOf: oid)
            list.append(contentsOf: critical)
            DEREnvelope.appendHeader(0x04, contentLength: e.value.count, to: &list)
            list.append(contentsOf: e.value)
        }
        return DEREnvelope.wrap(0x30, list)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(try derBytes())
    }
}
