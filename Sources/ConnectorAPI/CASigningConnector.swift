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
    ///   - request: the CA's name, lifetime, parent and name constraints.
    /// - Returns: the new CA certificate, already written where the connector reads it.
    static func initializeCA(_ configuration: IssuerConfiguration, _ request: CAInitializationRequest) async throws -> Certificate
}

/// What `certctl ca init` asks a ``CAInitializableConnector`` to create.
public struct CAInitializationRequest: Sendable {
    /// The CA's distinguished name.
    public var subject: DistinguishedName
    /// CA certificate lifetime in days (a subordinate ends no later than its parent).
    public var validityDays: Int
    /// The parent CA for a subordinate; `nil` for a self-signed root.
    public var parent: (any CASigningConnector)?
    /// A critical nameConstraints extension for the new CA (`ca init --profile`), or `nil`.
    public var nameConstraints: NameConstraints?

    /// - Parameters:
    ///   - subject: see ``subject``.
    ///   - validityDays: see ``validityDays``.
    ///   - parent: see ``parent``.
    ///   - nameConstraints: see ``nameConstraints``.
    public init(subject: DistinguishedName, validityDays: Int, parent: (any CASigningConnector)?, nameConstraints: NameConstraints? = nil) {
        self.subject = subject
        self.validityDays = validityDays
        self.parent = parent
        self.nameConstraints = nameConstraints
    }
}
