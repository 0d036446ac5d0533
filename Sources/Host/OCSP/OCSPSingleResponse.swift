import Foundation
import SwiftASN1

/// RFC 6960 §4.2.1 `SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
/// nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }`.
struct OCSPSingleResponse: DERSerializable, Sendable {
    var certID: OCSPCertID
    var status: OCSPCertStatus
    var thisUpdate: Date
    var nextUpdate: Date

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.serialize(certID)
            try coder.serialize(status)
            try coder.serialize(GeneralizedTime(thisUpdate))
            try coder.serialize(GeneralizedTime(nextUpdate), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
        }
    }
}
