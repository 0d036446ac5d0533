import ConnectorAPI
import Foundation
import IssuingKit
import X509

/// `type: ephemeral` — a CA whose key exists only in this process's memory: created at every
/// start, gone at exit. Handy for CI and throwaway environments (nothing on disk to protect), and
/// a complete in-process connector in ~60 lines.
///
/// It is *signer-backed*: it supplies a key (``MemorySigner``) and lets IssuingKit's
/// ``SignerBackedIssuer`` build certificates, so the host signs its CRLs and OCSP answers exactly
/// as for the built-in file and HSM issuers, and every policy and pre-issuance check applies.
///
/// ```yaml
/// issuers:
///   - id: iss-ephemeral
///     type: ephemeral
///     common_name: CI throwaway CA     # optional
///     ca_validity_days: 7              # optional, 1–365
/// ```
struct EphemeralCAConnector: SignerBackedConnector, ConnectorFactory {
    static let type = "ephemeral"

    /// The options, decoded and validated before use: an unknown key or a bad value stops
    /// `certctl serve` with a message naming the issuer and the key.
    struct Options: Decodable {
        var commonName: String?
        var caValidityDays: Int?
    }

    let issuer: SignerBackedIssuer

    static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        let options = try configuration.options.decode(Options.self)
        let days = options.caValidityDays ?? 7
        guard (1...365).contains(days) else {
            throw configuration.options.invalid("ca_validity_days must be 1–365, not \(days)")
        }
        let name = options.commonName ?? "certctl ephemeral CA (\(configuration.id))"
        guard !name.isEmpty, name.count <= 64 else {
            throw configuration.options.invalid("common_name must be 1–64 characters")
        }
        let signer = MemorySigner()
        let certificate = try await CACertificateBuilder.make(
            subject: try DistinguishedName { CommonName(name) }, signer: signer, validityDays: days, parent: nil)
        return EphemeralCAConnector(issuer: try SignerBackedIssuer(caCertificate: certificate, signer: signer))
    }
}
