import ConnectorAPI
import Foundation
import SignerIssuance
import X509

/// `type: local` — a CA whose key and certificate are files on the host.
///
/// Keys (all paths relative to the config file's directory):
/// - `key_file` (required): PEM private key, mode 0600 (EC P-256, P-384, RSA 2048–4096).
/// - `cert_file` (required): PEM CA certificate, followed by its parents for a subordinate.
/// - `key_type` (optional, `ca init` only): key to generate when `key_file` is missing;
///   `ecdsa-p256` (default), `ecdsa-p384`, `rsa-2048`, `rsa-3072`, `rsa-4096`.
public struct LocalCAConnector: CASigningConnector {
    public let id: String
    public var type: String { Self.type }
    public var capabilities: ConnectorCapabilities { .signerBacked }
    let issuer: SignerBackedIssuer

    public var caCertificate: Certificate { issuer.caCertificate }
    public var signer: any CASigner { issuer.signer }

    init(id: String, issuer: SignerBackedIssuer) {
        self.id = id
        self.issuer = issuer
    }

    public func caChain() async throws -> [Certificate] { issuer.chain }

    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        try await issuer.issue(request)
    }

    /// Revocation state for a file-backed CA lives in the host (CRL, OCSP); nothing to forward.
    public func revoke(_ request: RevokeRequest) async throws {}
}

extension LocalCAConnector: ConnectorFactory {
    public static let type = "local"

    public static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        let options = try LocalCAOptions(configuration.options)
        let certificates = try PEMBundle.readCA(options.certFile, issuerID: configuration.id)
        let signer = try KeyFile.load(options.keyFile, issuerID: configuration.id)
        do {
            let issuer = try SignerBackedIssuer(caCertificate: certificates[0], parents: Array(certificates.dropFirst()), signer: signer)
            return LocalCAConnector(id: configuration.id, issuer: issuer)
        } catch let error as ConnectorError {
            throw ConnectorError.invalidConfiguration("issuer \(configuration.id): \(error.message)")
        }
    }
}
