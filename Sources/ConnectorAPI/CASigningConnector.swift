import X509

/// Capability: the connector's CA key signs through a ``CASigner``, so the host can sign CRLs and
/// OCSP responder certificates for this issuer.
public protocol CASigningConnector: IssuerConnector {
    /// The issuing CA certificate the signer's key belongs to.
    var caCertificate: Certificate { get }
    /// The signer holding the CA key.
    var signer: any CASigner { get }
}

/// Capability: `certctl ca init` can create this issuer's CA certificate.
public protocol CAInitializableConnector: Sendable {
    /// Whether the CA certificate already exists (then `ca init` refuses to overwrite it).
    static func isInitialized(_ configuration: IssuerConfiguration) -> Bool

    /// Creates the CA certificate (and, where the connector manages it, the key).
    ///
    /// - Parameters:
    ///   - configuration: the issuer's configuration.
    ///   - subject: the CA's distinguished name.
    ///   - validityDays: CA certificate lifetime.
    ///   - parent: the parent CA for a subordinate; `nil` for a self-signed root.
    /// - Returns: the new CA certificate, already written where the connector reads it.
    static func initializeCA(
        _ configuration: IssuerConfiguration,
        subject: DistinguishedName,
        validityDays: Int,
        parent: (any CASigningConnector)?
    ) async throws -> Certificate
}
