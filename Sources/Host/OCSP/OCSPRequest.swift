import SwiftASN1
import X509

/// RFC 6960 §4.1.1, parsed:
///
/// ```
/// OCSPRequest ::= SEQUENCE { tbsRequest TBSRequest, optionalSignature [0] EXPLICIT Signature OPTIONAL }
/// TBSRequest  ::= SEQUENCE { version [0] EXPLICIT Version DEFAULT v1, requestorName [1] EXPLICIT GeneralName OPTIONAL,
///                            requestList SEQUENCE OF Request, requestExtensions [2] EXPLICIT Extensions OPTIONAL }
/// Request     ::= SEQUENCE { reqCert CertID, singleRequestExtensions [0] EXPLICIT Extensions OPTIONAL }
/// ```
/// Request signatures are not required by certctl and are ignored (RFC 5019 §2.1.2).
struct OCSPRequest: Sendable {
    var certIDs: [OCSPCertID]
    var extensions: [Certificate.Extension]

    /// - Throws: ``OCSPFailure`` `malformedRequest` for anything that is not a complete DER OCSPRequest.
    init(derBytes: [UInt8]) throws {
        do {
            let root = try DER.parse(derBytes)
            guard root.encodedBytes.count == derBytes.count else { throw OCSPFailure(.malformedRequest, "trailing bytes") }
            (certIDs, extensions) = try DER.sequence(root, identifier: .sequence) { nodes in
                let tbs = try OCSPCertID.next(&nodes)
                // optionalSignature, when present, is ignored.
                _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { $0 }
                return try DER.sequence(tbs, identifier: .sequence) { nodes in
                    _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { node in
                        guard try Int(derEncoded: node) == 0 else { throw OCSPFailure(.malformedRequest, "unsupported OCSP version") }
                    }
                    _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 1, tagClass: .contextSpecific) { $0 }
                    let ids = try DER.sequence(of: OCSPSingleRequest.self, identifier: .sequence, rootNode: try OCSPCertID.next(&nodes))
                        .map(\.certID)
                    let extensions =
                        try DER.optionalExplicitlyTagged(&nodes, tagNumber: 2, tagClass: .contextSpecific) { node in
                            try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: node)
                        } ?? []
                    return (ids, extensions)
                }
            }
        } catch let failure as OCSPFailure {
            throw failure
        } catch {
            throw OCSPFailure(.malformedRequest, "not a DER OCSPRequest")
        }
        guard !certIDs.isEmpty else { throw OCSPFailure(.malformedRequest, "empty requestList") }
    }
}

/// One `Request` of the request list; single-request extensions are ignored.
struct OCSPSingleRequest: DERParseable, Sendable {
    var certID: OCSPCertID

    init(derEncoded node: ASN1Node) throws {
        certID = try DER.sequence(node, identifier: .sequence) { nodes in
            let id = try OCSPCertID(derEncoded: try OCSPCertID.next(&nodes))
            _ = try DER.optionalExplicitlyTagged(&nodes, tagNumber: 0, tagClass: .contextSpecific) { $0 }
            return id
        }
    }
}
