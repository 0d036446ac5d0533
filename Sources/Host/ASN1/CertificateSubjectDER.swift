import SwiftASN1
import X509

/// The exact DER of a certificate's subject Name, read from the certificate's own encoding
/// (OCSP's issuerNameHash is over these bytes, RFC 6960 §4.1.1).
enum CertificateSubjectDER {
    /// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version?, serialNumber, signature, issuer, validity, subject, … }, … }`
    static func of(_ certificate: Certificate) throws -> [UInt8] {
        let der = try DER.Serializer.bytes(of: certificate)
        let root = try DER.parse(der)
        guard case .constructed(let outer) = root.content, let tbs = outer.first(where: { _ in true }),
            case .constructed(let fields) = tbs.content
        else { throw HostError(.internalFailure, "malformed certificate") }
        var nodes = Array(fields)
        if let first = nodes.first, first.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific) {
            nodes.removeFirst()
        }
        // serialNumber, signature, issuer, validity, subject
        guard nodes.count > 4 else { throw HostError(.internalFailure, "malformed certificate") }
        return Array(nodes[4].encodedBytes)
    }
}
