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

    var algorithmName: String {
        switch signatureAlgorithm {
        case .ecdsaWithSHA256: "ecdsa-with-SHA256"
        case .ecdsaWithSHA384: "ecdsa-with-SHA384"
        default: "sha256WithRSAEncryption"
        }
    }

    func sign(_ bytes: [UInt8]) async throws -> [UInt8] {
        let digest: [UInt8] =
            signatureAlgorithm == .ecdsaWithSHA384 ? Array(SHA384.hash(data: bytes)) : Array(SHA256.hash(data: bytes))
        let result = try await supervisor.call(
            "sign", PluginProtocol.SignParams(algorithm: algorithmName, digest: Data(digest).base64EncodedString()),
            as: PluginProtocol.SignResult.self)
        guard let signature = Data(base64Encoded: result.signature).map(Array.init) else {
            throw ConnectorError(.upstreamFailure, "issuer \(issuerID): the plugin's signature is not base64")
        }
        guard verifies(signature, over: bytes) else {
            throw ConnectorError(.upstreamFailure, "issuer \(issuerID): the plugin's signature does not verify with the CA public key")
        }
        return signature
    }

    private func verifies(_ signature: [UInt8], over bytes: [UInt8]) -> Bool {
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
