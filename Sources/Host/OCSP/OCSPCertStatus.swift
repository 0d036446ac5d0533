import ConnectorAPI
import Foundation
import SwiftASN1

/// RFC 6960 §4.2.1 `CertStatus ::= CHOICE { good [0] IMPLICIT NULL, revoked [1] IMPLICIT RevokedInfo,
/// unknown [2] IMPLICIT UnknownInfo }`, with
/// `RevokedInfo ::= SEQUENCE { revocationTime GeneralizedTime, revocationReason [0] EXPLICIT CRLReason OPTIONAL }`.
/// The reason is omitted for `unspecified`, as in the CRL.
enum OCSPCertStatus: DERSerializable, Sendable, Hashable {
    case good
    case revoked(at: Date, reason: RevocationReason)
    case unknown

    /// The status of a certificate the database holds.
    init(_ found: SerialStatus) {
        if let revokedAt = found.revokedAt {
            self = .revoked(at: revokedAt, reason: found.reason ?? .unspecified)
        } else {
            self = .good
        }
    }

    /// The DER of this CertStatus; `good` and `unknown` (`[0]`/`[2]` IMPLICIT NULL) without a
    /// serializer.
    func derBytes() throws -> [UInt8] {
        switch self {
        case .good: [0x80, 0x00]
        case .unknown: [0x82, 0x00]
        case .revoked: try DER.Serializer.bytes(of: self)
        }
    }

    func serialize(into coder: inout DER.Serializer) throws {
        switch self {
        case .good:
            coder.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific)) { _ in }
        case .revoked(let at, let reason):
            try coder.appendConstructedNode(identifier: ASN1Identifier(tagWithNumber: 1, tagClass: .contextSpecific)) { coder in
                try coder.serialize(GeneralizedTime(at))
                if reason != .unspecified {
                    try coder.serialize(CRLReasonCode(reason), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
                }
            }
        case .unknown:
            coder.appendPrimitiveNode(identifier: ASN1Identifier(tagWithNumber: 2, tagClass: .contextSpecific)) { _ in }
        }
    }
}
