import CPKCS11
import ConnectorAPI
import Foundation
import IssuingKit
import X509

/// `type: pkcs11` — the CA key lives in a PKCS#11 token and never leaves it. Certificates, CRLs and
/// OCSP responder certificates are all signed in the token through the shared signer-backed
/// issuing path.
public struct PKCS11CAConnector: SignerBackedConnector, HealthReportingConnector {
    public let issuer: SignerBackedIssuer
    let token: PKCS11Token

    public func healthProblem() async -> String? {
        do {
            try await token.check()
            return nil
        } catch let error as ConnectorError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    /// Loads the module, opens a session and logs in (a wrong PIN fails here, once, naming the issuer).
    static func token(_ configuration: IssuerConfiguration, _ options: PKCS11Options) async throws -> PKCS11Token {
        let module = try PKCS11Module.load(options.module)
        let token = PKCS11Token(
            module: module, uri: options.uri, pin: try options.pin(issuerID: configuration.id),
            pinGuard: PKCS11PINGuard(dataDirectory: configuration.dataDirectory, pinFile: options.pinFile), issuerID: configuration.id,
            maxSessions: options.maxSessions, timeout: options.timeout
        )
        do {
            try await token.connect()
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: configuration.id)
        }
        return token
    }
}

extension PKCS11CAConnector: ConnectorFactory {
    public static let type = "pkcs11"

    public static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        let options = try PKCS11Options(configuration.options)
        let certificates = try PEMBundle.readCA(options.certFile, issuerID: configuration.id)
        let token = try await token(configuration, options)
        let signer = try PKCS11Signer(token: token, publicKey: certificates[0].publicKey)
        do {
            // The token must hold the private key for this certificate: prove it with one signature.
            let probe = Array("certctl key check".utf8)
            let signature = try await signer.sign(probe)
            guard signer.publicKey.isValidSignature(signature, for: probe, signatureAlgorithm: signer.signatureAlgorithm) else {
                throw ConnectorError.invalidConfiguration("issuer \(configuration.id): the token key does not match cert_file")
            }
            return PKCS11CAConnector(issuer: try SignerBackedIssuer(certificates, signer: signer, issuerID: configuration.id), token: token)
        } catch let error as ConnectorError {
            throw error.configurationError(issuer: configuration.id)
        }
    }
}

extension PKCS11CAConnector: CAInitializableConnector {
    public static func isInitialized(_ configuration: IssuerConfiguration) -> Bool {
        guard let options = try? PKCS11Options(configuration.options) else { return false }
        return FileManager.default.fileExists(atPath: options.certFile.path)
    }

    /// Builds the CA certificate for the token's existing key pair (read from its public-key object).
    public static func initializeCA(_ configuration: IssuerConfiguration, _ request: CAInitializationRequest) async throws -> Certificate {
        let options = try PKCS11Options(configuration.options)
        try PEMBundle.refuseOverwrite(options.certFile, issuerID: configuration.id)
        let token = try await token(configuration, options)
        let uri = options.uri
        let publicKey = try await token.withSession("read public key") { f, session in try PKCS11Objects.publicKey(f, session, uri) }
        return try await CACertificateBuilder.initialize(
            certFile: options.certFile, request, signer: try PKCS11Signer(token: token, publicKey: publicKey))
    }
}
