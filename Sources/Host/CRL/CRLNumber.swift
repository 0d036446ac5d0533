import SwiftASN1
import X509

/// The `cRLNumber` CRL extension (RFC 5280 §5.2.3): a non-critical, monotonically increasing INTEGER.
struct CRLNumber: DERSerializable, Sendable, Hashable {
    static let oid: ASN1ObjectIdentifier = [2, 5, 29, 20]

    var value: Int64

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.serialize(value)
    }

    func makeExtension() throws -> Certificate.Extension {
        Certificate.Extension(oid: Self.oid, critical: false, value: try DER.Serializer.bytes(of: self)[...])
    }
}
