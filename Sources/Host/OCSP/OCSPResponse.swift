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
        // Serialising fixed-shape values cannot fail.
        (try? DER.Serializer.bytes(of: self)) ?? [0x30, 0x03, 0x0A, 0x01, OCSPResponseStatus.internalError.rawValue]
    }
}
