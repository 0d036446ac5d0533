import ConnectorAPI
import Foundation
import SignerIssuance
import X509

extension LocalCAConnector: CAInitializableConnector {
    public static func isInitialized(_ configuration: IssuerConfiguration) -> Bool {
        guard let options = try? LocalCAOptions(configuration.options) else { return false }
        return FileManager.default.fileExists(atPath: options.certFile.path)
    }

    /// Creates the key file when missing (mode 0600, `key_type`), then the CA certificate.
    /// A subordinate's `cert_file` holds its certificate followed by the parent's chain.
    public static func initializeCA(
        _ configuration: IssuerConfiguration,
        subject: DistinguishedName,
        validityDays: Int,
        parent: (any CASigningConnector)?
    ) async throws -> Certificate {
        let options = try LocalCAOptions(configuration.options)
        try PEMBundle.refuseOverwrite(options.certFile, issuerID: configuration.id)
        let signer: SoftwareSigner
        if FileManager.default.fileExists(atPath: options.keyFile.path) {
            signer = try KeyFile.load(options.keyFile, issuerID: configuration.id)
        } else {
            signer = try SoftwareSigner(generating: options.keyType)
            try SecretFile.create(options.keyFile, contents: signer.privateKeyPEM)
        }
        let certificate = try await CACertificateBuilder.make(
            subject: subject,
            signer: signer,
            validityDays: validityDays,
            parent: parent.map { ($0.caCertificate, $0.signer) }
        )
        var bundle = [certificate]
        if let parent {
            bundle += try await parent.caChain()
        }
        try PEMBundle.write(bundle, to: options.certFile)
        return certificate
    }
}
