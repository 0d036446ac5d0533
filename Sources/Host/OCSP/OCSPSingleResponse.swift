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
        var out: [UInt8] = []
        try append(to: &out)
        return out
    }

    /// Appends the DER encoding, its length written first.
    func append(to out: inout [UInt8]) throws {
        let status = try status.derBytes()
        let thisUpdateDER = X509Time.generalizedTimeDER(thisUpdate)
        let nextUpdateDER = X509Time.generalizedTimeDER(nextUpdate)
        let content = certID.encoded.count + status.count + thisUpdateDER.count + DEREnvelope.encodedLength(nextUpdateDER.count)
        out.reserveCapacity(out.count + DEREnvelope.encodedLength(content))
        DEREnvelope.appendHeader(0x30, contentLength: content, to: &out)
        out.append(contentsOf: certID.encoded)
        out.append(contentsOf: status)
        out.append(contentsOf: thisUpdateDER)
        DEREnvelope.appendHeader(0xA0, contentLength: nextUpdateDER.count, to: &out)
        out.append(contentsOf: nextUpdateDER)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(try derBytes())
    }
}
