/// What a connector declares it can do beyond issuing.
///
/// CRL and OCSP are not declared: the host publishes them exactly for connectors whose CA key
/// signs through it (``CASigningConnector``), and reports them that way in `GET /api/v1/issuers`.
public struct ConnectorCapabilities: Sendable, Hashable {
    /// Certificates from this issuer can be revoked through certctl. For a ``CASigningConnector``
    /// the host records and publishes the revocation; otherwise ``IssuerConnector/revoke(_:)``
    /// forwards it to the CA first.
    public var revoke: Bool

    /// - Parameter revoke: see ``revoke``.
    public init(revoke: Bool) {
        self.revoke = revoke
    }
}
