import ConnectorAPI
import SwiftASN1
import X509

/// The `reasonCode` CRL entry extension (RFC 5280 §5.3.1): `CRLReason ::= ENUMERATED`.
/// The same ENUMERATED is OCSP's `revocationReason`.
struct CRLReasonCode: DERSerializable, Sendable, Hashable {
    static let oid: ASN1ObjectIdentifier = [2, 5, 29, 21]

    var reason: RevocationReason

    init(_ reason: RevocationReason) {
        self.reason = reason
    }

    func serialize(into coder: inout DER.Serializer) throws {
        coder.appendPrimitiveNode(identifier: .enumerated) { $0.append(UInt8(reason.rawValue)) }
    }

    func makeExtension() throws -> Certificate.Extension {
        Certificate.Extension(oid: Self.oid, critical: false, value: try DER.Serializer.bytes(of: self)[...])
    }
}
