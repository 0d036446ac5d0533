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
        let status = try status.derBytes()
        var out: [UInt8] = []
        out.reserveCapacity(encodedLength(status: status))
        append(status: status, to: &out)
        return out
    }

    /// The DER encoding's length; `status` is this response's ``OCSPCertStatus/derBytes()``.
    func encodedLength(status: [UInt8]) -> Int {
        DEREnvelope.encodedLength(contentLength(status: status))
    }

    private func contentLength(status: [UInt8]) -> Int {
        let time = X509Time.generalizedTimeLength
        return certID.encoded.count + status.count + time + DEREnvelope.encodedLength(time)
    }

    /// Appends the DER encoding, its length written first and each byte once.
    func append(status: [UInt8], to out: inout [UInt8]) {
        DEREnvelope.appendHeader(0x30, contentLength: contentLength(status: status), to: &out)
        out.append(contentsOf: certID.encoded)
        out.append(contentsOf: status)
        X509Time.appendGeneralizedTime(thisUpdate, to: &out)
        DEREnvelope.appendHeader(0xA0, contentLength: X509Time.generalizedTimeLength, to: &out)
        X509Time.appendGeneralizedTime(nextUpdate, to: &out)
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.serializeRawBytes(try derBytes())
    }
}
