import X509

/// A CA private key that signs, wherever it lives (a file, a PKCS#11 token, a plugin).
///
/// Key custody is separate from issuing logic: certificate, CRL and OCSP encoding is written once
/// against this protocol, and a connector only supplies the key.
public protocol CASigner: Sendable {
    /// The public half of the key.
    var publicKey: Certificate.PublicKey { get }

    /// The signature algorithm this signer uses (e.g. ecdsa-with-SHA256 for P-256,
    /// sha256WithRSAEncryption for RSA — PKCS#1 v1.5, never PSS).
    var signatureAlgorithm: Certificate.SignatureAlgorithm { get }

    /// Signs `bytes` (not a digest: the signer hashes) and returns the signature value as it goes
    /// into a BIT STRING: a DER `Ecdsa-Sig-Value` for ECDSA, the raw PKCS#1 block for RSA.
    func sign(_ bytes: [UInt8]) async throws -> [UInt8]
}
