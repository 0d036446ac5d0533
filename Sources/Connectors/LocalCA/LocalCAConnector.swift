import ConnectorAPI
import ConnectorSupport
import Foundation
import IssuingKit

/// `type: local` — a CA whose key and certificate are files on the host.
///
/// Keys (all paths relative to the config file's directory), see ``LocalCAOptions``:
/// - `key_file` (required): PEM private key, mode 0600 (EC P-256, P-384, RSA 2048–4096).
/// - `cert_file` (required): PEM CA certificate, followed by its parents for a subordinate.
/// - `key_type` (optional, `ca init` only): key to generate when `key_file` is missing;
///   `ecdsa-p256` (default), `ecdsa-p384`, `rsa-2048`, `rsa-3072`, `rsa-4096`.
public struct LocalCAConnector: SignerBackedConnector {
    public let issuer: SignerBackedIssuer
}

extension LocalCAConnector: ConnectorFactory {
    public static let type = "local"

    public static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        let options = try configuration.options.decode(LocalCAOptions.self)
        let certificates = try PEMBundle.readCA(options.certFile, issuerID: configuration.id)
        let signer = try KeyFile.load(options.keyFile, issuerID: configuration.id)
        return LocalCAConnector(issuer: try SignerBackedIssuer(certificates, signer: signer, issuerID: configuration.id))
    }
}
