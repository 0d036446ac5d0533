import ConnectorAPI
import ConnectorSupport
import SwiftASN1
import X509

/// Checks a CSR before any connector sees it: PEM, DER, self-signature, key type.
enum CSRValidator {
    /// - Throws: `badRequest` for non-PEM, undecodable or badly signed CSRs; `unprocessable` for
    ///   key types certctl does not issue for.
    static func validate(pem: String) throws -> CertificateSigningRequest {
        guard let document = LenientPEM(pem) else {
            throw HostError(.badRequest, "csr_pem is not a PEM document")
        }
        guard document.label == "CERTIFICATE REQUEST" || document.label == "NEW CERTIFICATE REQUEST" else {
            throw HostError(.badRequest, "csr_pem holds a \(document.label), not a CERTIFICATE REQUEST")
        }
        let csr: CertificateSigningRequest
        do {
            csr = try CertificateSigningRequest(derEncoded: document.der)
        } catch {
            // swift-certificates refuses some well-formed requests at parse time (e.g. RSA keys
            // under 2048 bits): those are unacceptable key types (422), not malformed input (400).
            if hasCertificationRequestShape(document.der) {
                throw HostError(
                    .unprocessable, "unsupported key in CSR (supported: \(KeyType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            throw HostError(.badRequest, "csr_pem is not a valid PKCS#10 certificate request")
        }
        guard KeyType(csr.publicKey) != nil else {
            throw HostError(
                .unprocessable,
                "unsupported key type in CSR (supported: \(KeyType.allCases.map(\.rawValue).joined(separator: ", ")))"
            )
        }
        guard csr.publicKey.isValidSignature(csr.signature, for: csr) else {
            throw HostError(.badRequest, "the CSR's signature does not verify")
        }
        return csr
    }

    /// Whether `der` is shaped like RFC 2986 `CertificationRequest`:
    /// `SEQUENCE { SEQUENCE { INTEGER, Name, SEQUENCE { AlgorithmIdentifier, BIT STRING }, [0] … }, AlgorithmIdentifier, BIT STRING }`.
    static func hasCertificationRequestShape(_ der: [UInt8]) -> Bool {
        func children(_ node: ASN1Node) -> [ASN1Node]? {
            guard node.identifier == .sequence, case .constructed(let nodes) = node.content else { return nil }
            return Array(nodes)
        }
        guard let root = try? DER.parse(der), let outer = children(root), outer.count == 3, outer[2].identifier == .bitString,
            let info = children(outer[0]), info.count == 4, info[0].identifier == .integer,
            let spki = children(info[2]), spki.count == 2, spki[1].identifier == .bitString
        else { return false }
        return true
    }
}
