import ConnectorAPI
import Crypto
import X509

/// Key custody for ``EphemeralCAConnector``: a P-256 key generated in memory. A KMS or vault
/// connector replaces exactly this type — `sign` calls the key store instead — and keeps the rest.
struct MemorySigner: CASigner {
    private let key = P256.Signing.PrivateKey()

    var publicKey: Certificate.PublicKey { Certificate.PublicKey(key.publicKey) }
    var signatureAlgorithm: Certificate.SignatureAlgorithm { .ecdsaWithSHA256 }

    /// The DER ECDSA signature over `bytes` (the signer hashes, with SHA-256).
    func sign(_ bytes: [UInt8]) async throws -> [UInt8] {
        Array(try key.signature(for: bytes).derRepresentation)
    }
}
