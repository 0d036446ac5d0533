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

    /// The encoding in one buffer of its exact size: every length is known before its content.
    func derBytes() throws -> [UInt8] {
        let statuses = try responses.map { try $0.status.derBytes() }
        var responsesLength = 0
        for (response, status) in zip(responses, statuses) { responsesLength += response.encodedLength(status: status) }
        var extensionsLength = 0
        for e in extensions { extensionsLength += DEREnvelope.encodedLength(try Self.extensionContentLength(e)) }
        let keyHash = DEREnvelope.encodedLength(responderKeyHash.count)
        let content =
            DEREnvelope.encodedLength(keyHash) + X509Time.generalizedTimeLength + DEREnvelope.encodedLength(responsesLength)
            + (extensions.isEmpty ? 0 : DEREnvelope.encodedLength(DEREnvelope.encodedLength(extensionsLength)))
        var out: [UInt8] = []
        out.reserveCapacity(DEREnvelope.encodedLength(content))
        DEREnvelope.appendHeader(0x30, contentLength: content, to: &out)
        DEREnvelope.appendHeader(0xA2, contentLength: keyHash, to: &out)
        DEREnvelope.appendHeader(0x04, contentLength: responderKeyHash.count, to: &out)
        out.append(contentsOf: responderKeyHash)
        X509Time.appendGeneralizedTime(producedAt, to: &out)
        DEREnvelope.appendHeader(0x30, contentLength: responsesLength, to: &out)
        for (response, status) in zip(responses, statuses) { response.append(status: status, to: &out) }
        if !extensions.isEmpty {
            DEREnvelope.appendHeader(0xA1, contentLength: DEREnvelope.encodedLength(extensionsLength), to: &out)
            DEREnvelope.appendHeader(0x30, contentLength: extensionsLength, to: &out)
            for e in extensions {
                DEREnvelope.appendHeader(0x30, contentLength: try Self.extensionContentLength(e), to: &out)
                out.append(contentsOf: try Self.oidDER(e))
                if e.critical { out.append(contentsOf: [0x01, 0x01, 0xFF]) }
                DEREnvelope.appendHeader(0x04, contentLength: e.value.count, to: &out)
                out.append(contentsOf: e.value)
            }
        }
        return out
    }

    /// One `Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
    /// extnValue OCTET STRING }` (RFC 5280 §4.1): its content's length. In practice the one
    /// extension is the echoed nonce, whose OID bytes are known.
    private static func extensionContentLength(_ e: Certificate.Extension) throws -> Int {
        try oidDER(e).count + (e.critical ? 3 : 0) + DEREnvelope.encodedLength(e.value.count)
    }

    private static func oidDER(_ e: Certificate.Extension) throws -> [UInt8] {
        e.oid == OCSPNonce.oid ? OCSPNonce.oidDER : try DER.Serializer.bytes(of: e.oid)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(try derBytes())
    }
}
