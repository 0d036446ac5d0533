import ConnectorAPI
import X509

/// A connector whose CA key signs through a ``CASigner`` and whose certificates are built by
/// ``SignerBackedIssuer``: the local file CA, the PKCS#11 HSM and `sign` plugins.
///
/// Conform and provide ``issuer``; everything ``IssuerConnector`` and ``CASigningConnector`` ask
/// for follows from it. The host then signs this issuer's CRLs and OCSP responses itself and
/// records revocations in its own database, so ``revoke(_:)`` has nothing to forward.
///
/// ```swift
/// struct VaultTransitConnector: SignerBackedConnector {
///     let issuer: SignerBackedIssuer
/// }
/// ```
public protocol SignerBackedConnector: CASigningConnector {
    /// The CA certificate, its parents and its signer.
    var issuer: SignerBackedIssuer { get }
}

extension SignerBackedConnector {
    /// Revocation: recorded by the host and published in its CRL and OCSP answers.
    public var capabilities: ConnectorCapabilities { ConnectorCapabilities(revoke: true) }
    /// The issuing CA certificate.
    public var caCertificate: Certificate { issuer.caCertificate }
    /// The signer holding the CA key.
    public var signer: any CASigner { issuer.signer }
    /// The CA certificate followed by its parents.
    public func caChain() async throws -> [Certificate] { issuer.chain }
    /// Builds and signs the certificate with ``SignerBackedIssuer/issue(_:)``.
    public func issue(_ request: IssueRequest) async throws -> IssueResponse { try await issuer.issue(request) }
    /// Nothing to forward: the revocation lives in the host, which publishes it.
    public func revoke(_ request: RevokeRequest) async throws {}
}
