import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import X509
import _CryptoExtras

/// A ``CASigner`` whose key lives in a plugin: the host hashes, the plugin signs the digest
/// (`sign`), and the host verifies every signature against the CA public key before using it, so
/// a confused plugin can never put a bad signature into a certificate or CRL.
struct PluginSigner: CASigner {
    let supervisor: PluginSupervisor
    let publicKey: Certificate.PublicKey
    let signatureAlgorithm: Certificate.SignatureAlgorithm
    let issuerID: String

    init(supervisor: PluginSupervisor, publicKey: Certificate.PublicKey, issuerID: String) throws {
        self.supervisor = supervisor
        self.publicKey = publicKey
        self.issuerID = issuerID
        guard let keyType = KeyType(publicKey) else {
            throw ConnectorError.invalidConfiguration(
                "issuer \(issuerID): the plugin's CA key type is not supported (EC P-256/P-384, RSA 2048–4096)")
        }
        signatureAlgorithm = keyType.caSignatureAlgorithm
    }

    /// What start-up (and `certctl plugin check`) has the plugin sign to show its key is the CA
    /// certificate's.
    static let keyCheckMessage = Array("certctl: does this plugin hold the CA certificate's key?".utf8)

    var algorithmName: String {
        switch signatureAlgorithm {
        case .ecdsaWithSHA256: "ecdsa-with-SHA256"
        case .ecdsaWithSHA384: "ecdsa-with-SHA384"
        default: "sha256WithRSAEncryption"
        }
    }

    /// The `sign` parameters for `bytes`: the algorithm and the digest the host computed.
    func signParams(for bytes: [UInt8]) -> PluginProtocol.SignParams {
        let digest: [UInt8] =
            signatureAlgorithm == .ecdsaWithSHA384 ? Array(SHA384.hash(data: bytes)) : Array(SHA256.hash(data: bytes))
        return PluginProtocol.SignParams(algorithm: algorithmName, digest: Data(digest).base64EncodedString())
    }

    func sign(_ bytes: [UInt8]) async throws -> [UInt8] {
        let result = try await supervisor.call(
            "sign", signParams(for: bytes), as: PluginProtocol.SignResult.self,
            check: { [self] result in problem(with: result.signature, over: bytes) })
        return Array(Data(base64Encoded: result.signature) ?? Data())
    }

    /// Why `signature` (base64) is not this CA's signature over `bytes`; `nil` when it is.
    func problem(with signature: String, over bytes: [UInt8]) -> String? {
        Self.problem(with: signature, over: bytes, publicKey: publicKey)
    }

    /// Why `signature` (base64) is not `publicKey`'s signature over `bytes`; `nil` when it is.
    static func problem(with signature: String, over bytes: [UInt8], publicKey: Certificate.PublicKey) -> String? {
        guard let decoded = Data(base64Encoded: signature).map(Array.init) else { return "the plugin's signature is not base64" }
        guard verifies(decoded, over: bytes, publicKey: publicKey) else {
            return "the plugin's signature does not verify with the CA public key"
        }
        return nil
    }

    private static func verifies(_ signature: [UInt8], over bytes: [UInt8], publicKey: Certificate.PublicKey) -> Bool {
        if let key = P256.Signing.PublicKey(publicKey), let value = try? P256.Signing.ECDSASignature(derRepresentation: signature) {
            return key.isValidSignature(value, for: bytes)
        }
        if let key = P384.Signing.PublicKey(publicKey), let value = try? P384.Signing.ECDSASignature(derRepresentation: signature) {
            return key.isValidSignature(value, for: bytes)
        }
        if let key = _RSA.Signing.PublicKey(publicKey) {
            return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: bytes, padding: .insecurePKCS1v1_5)
        }
        return false
    }
}
