import ConnectorAPI
import ConnectorSupport
import Foundation
import IssuingKit
import X509

extension LocalCAConnector: CAInitializableConnector {
    public static func isInitialized(_ configuration: IssuerConfiguration) -> Bool {
        guard let options = try? configuration.options.decode(LocalCAOptions.self) else { return false }
        return FileManager.default.fileExists(atPath: options.certFile.path)
    }

    /// Creates the key file when missing (mode 0600, `key_type`), then the CA certificate.
    public static func initializeCA(_ configuration: IssuerConfiguration, _ request: CAInitializationRequest) async throws -> Certificate {
        let options = try configuration.options.decode(LocalCAOptions.self)
        try PEMBundle.refuseOverwrite(options.certFile, issuerID: configuration.id)
        let signer: SoftwareSigner
        if FileManager.default.fileExists(atPath: options.keyFile.path) {
            signer = try KeyFile.load(options.keyFile, issuerID: configuration.id)
        } else {
            signer = try SoftwareSigner(generating: options.keyType ?? .ecdsaP256)
            try SecretFile.create(options.keyFile, contents: signer.privateKeyPEM)
        }
        return try await CACertificateBuilder.initialize(certFile: options.certFile, request, signer: signer)
    }
}
