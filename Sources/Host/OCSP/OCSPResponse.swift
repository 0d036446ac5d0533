import SwiftASN1

/// RFC 6960 §4.2.1 `OCSPResponse ::= SEQUENCE { responseStatus OCSPResponseStatus, responseBytes [0] EXPLICIT ResponseBytes OPTIONAL }`
/// with `ResponseBytes ::= SEQUENCE { responseType OBJECT IDENTIFIER, response OCTET STRING }` (id-pkix-ocsp-basic).
struct OCSPResponse: DERSerializable, Sendable {
    static let basicResponseType: ASN1ObjectIdentifier = [1, 3, 6, 1, 5, 5, 7, 48, 1, 1]

    var status: OCSPResponseStatus
    /// DER of the `BasicOCSPResponse` for `successful`.
    var basicResponse: [UInt8]?

    static func error(_ status: OCSPResponseStatus) -> OCSPResponse { OCSPResponse(status: status, basicResponse: nil) }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            coder.appendPrimitiveNode(identifier: .enumerated) { $0.append(status.rawValue) }
            if let basicResponse {
                try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.serialize(Self.basicResponseType)
                        try coder.serialize(ASN1OctetString(contentBytes: basicResponse[...]))
                    }
                }
            }
        }
    }

    var derBytes: [UInt8] {
        guard let basicResponse else {
            return [0x30, 0x03, 0x0A, 0x01, status.rawValue]
        }
        return Self.encoded(status: status, basicLength: basicResponse.count) { $0.append(contentsOf: basicResponse) }
    }

    /// A `successful` response around `basic`, encoded in one pass (the same bytes as
    /// `OCSPResponse(status: .successful, basicResponse: basic.derBytes()).derBytes`).
    static func successfulDER(_ basic: BasicOCSPResponse) -> [UInt8] {
        encoded(status: .successful, basicLength: basic.encodedLength) { basic.append(to: &$0) }
    }

    /// The response around a basic response of `basicLength` octets, which `appendBasic` writes:
    /// every length known first (``DEREnvelope``), so each byte is written once — the same bytes
    /// `serialize(into:)` produces.
    private static func encoded(status: OCSPResponseStatus, basicLength: Int, appendBasic: (inout [UInt8]) -> Void) -> [UInt8] {
        let octetString = DEREnvelope.encodedLength(basicLength)
        let responseBytes = DEREnvelope.encodedLength(basicResponseTypeDER.count + octetString)
        let explicit = DEREnvelope.encodedLength(responseBytes)
        var out: [UInt8] = []
        out.reserveCapacity(DEREnvelope.encodedLength(3 + explicit))
        DEREnvelope.appendHeader(0x30, contentLength: 3 + explicit, to: &out)
        out.append(contentsOf: [0x0A, 0x01, status.rawValue])
        DEREnvelope.appendHeader(0xA0, contentLength: responseBytes, to: &out)
        DEREnvelope.appendHeader(0x30, contentLength: basicResponseTypeDER.count + octetString, to: &out)
        out.append(contentsOf: basicResponseTypeDER)
        DEREnvelope.appendHeader(0x04, contentLength: basicLength, to: &out)
        appendBasic(&out)
        return out
    }

    private static let basicResponseTypeDER: [UInt8] = (try? DER.Serializer.bytes(of: basicResponseType)) ?? []
}
