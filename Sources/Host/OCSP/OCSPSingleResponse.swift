import Foundation
import SwiftASN1

/// RFC 6960 §4.2.1 `SingleResponse ::= SEQUENCE { certID CertID, certStatus CertStatus, thisUpdate GeneralizedTime,
/// nextUpdate [0] EXPLICIT GeneralizedTime OPTIONAL, singleExtensions [1] EXPLICIT Extensions OPTIONAL }`.
struct OCSPSingleResponse: DERSerializable, Sendable {
    var certID: OCSPCertID
    var status: OCSPCertStatus
    var thisUpdate: Date
    var nextUpdate: Date

    func derBytes() throws -> [UInt8] {
        DEREnvelope.wrap(
            0x30, certID.encoded, try status.derBytes(), X509Time.generalizedTimeDER(thisUpdate),
            DEREnvelope.wrap(0xA0, X509Time.generalizedTimeDER(nextUpdate)))
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(try derBytes())
    }
}
