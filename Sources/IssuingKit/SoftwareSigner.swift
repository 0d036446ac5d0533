import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import X509
import _CryptoExtras

/// A ``CASigner`` over a key held in process memory (loaded from a file, or a plugin's key).
///
/// Supported: ECDSA P-256 (ecdsa-with-SHA256), P-384 (ecdsa-with-SHA384), RSA 2048–4096
/// (sha256WithRSAEncryption, PKCS#1 v1.5).
public struct SoftwareSigner: CASigner {
    enum Key: Sendable {
        case p256(P256.Signing.PrivateKey)
        case p384(P384.Signing.PrivateKey)
        case rsa(_RSA.Signing.PrivateKey)
    }

    let key: Key
    public let publicKey: Certificate.PublicKey
    public let signatureAlgorithm: Certificate.SignatureAlgorithm

    /// Loads a PEM private key (PKCS#8 `PRIVATE KEY`, SEC1 `EC PRIVATE KEY` or `RSA PRIVATE KEY`).
    /// The error never echoes the PEM.
    public init(pemEncoded pem: String) throws {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) {
            self.init(.p256(key))
        } else if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) {
            self.init(.p384(key))
        } else if let key = try? _RSA.Signing.PrivateKey(pemRepresentation: pem) {
            guard (2048...4096).contains(key.keySizeInBits) else {
                throw ConnectorError.invalidConfiguration("RSA CA keys must be 2048-4096 bits, got \(key.keySizeInBits)")
            }
            self.init(.rsa(key))
        } else {
            throw ConnectorError.invalidConfiguration("not a PEM EC P-256, P-384 or RSA private key")
        }
    }

    /// Generates a new key of `type`.
    public init(generating type: KeyType) throws {
        switch type {
        case .ecdsaP256: self.init(.p256(P256.Signing.PrivateKey()))
        case .ecdsaP384: self.init(.p384(P384.Signing.PrivateKey()))
        case .rsa2048: self.init(.rsa(try _RSA.Signing.PrivateKey(keySize: .bits2048)))
        case .rsa3072: self.init(.rsa(try _RSA.Signing.PrivateKey(keySize: .bits3072)))
        case .rsa4096: self.init(.rsa(try _RSA.Signing.PrivateKey(keySize: .bits4096)))
        }
    }

    init(_ key: Key) {
        self.key = key
        switch key {
        case .p256(let k):
            publicKey = Certificate.PublicKey(k.publicKey)
            signatureAlgorithm = .ecdsaWithSHA256
        case .p384(let k):
            publicKey = Certificate.PublicKey(k.publicKey)
            signatureAlgorithm = .ecdsaWithSHA384
        case .rsa(let k):
            publicKey = Certificate.PublicKey(k.publicKey)
            signatureAlgorithm = .sha256WithRSAEncryption
        }
    }

    /// PKCS#8 PEM of the private key, for writing a `0600` key file. Never log or return it.
    public var privateKeyPEM: String {
        switch key {
        case .p256(let k): k.pemRepresentation
        case .p384(let k): k.pemRepresentation
        case .rsa(let k): k.pkcs8PEMRepresentation
        }
    }

    public func sign(_ bytes: [UInt8]) async throws -> [UInt8] {
        try signSynchronously(bytes)
    }

    /// ``sign(_:)`` without suspending: the key is in memory, so a caller on a SwiftNIO event loop
    /// (the OCSP fast path) can sign in place.
    public func signSynchronously(_ bytes: [UInt8]) throws -> [UInt8] {
        switch key {
        case .p256(let k):
            try k.signature(for: SHA256.hash(data: bytes)).rawRepresentation.withUnsafeBytes {
                try ECDSASignatureDER.encode(signer: $0, coordinateSize: 32)
            }
        case .p384(let k):
            try k.signature(for: SHA384.hash(data: bytes)).rawRepresentation.withUnsafeBytes {
                try ECDSASignatureDER.encode(signer: $0, coordinateSize: 48)
            }
        case .rsa(let k): Array(try k.signature(for: SHA256.hash(data: bytes), padding: .insecurePKCS1v1_5).rawRepresentation)
        }
    }
}
