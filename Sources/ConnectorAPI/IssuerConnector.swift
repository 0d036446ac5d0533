import X509

/// An issuer connector: one certificate authority behind the host.
///
/// The host owns everything around issuance — authentication, CSR validation, storage, audit,
/// revocation state, CRL and OCSP — and calls a connector only for the parts that differ between CAs.
/// A connector is created once per configured issuer by a ``ConnectorFactory`` registered in the
/// ``ConnectorRegistry`` under its type string, and then shared by all requests, so it must be
/// safe to call concurrently. The issuer's id and type are the configuration's
/// (``IssuerConfiguration``); a connector does not repeat them.
///
/// Optional behaviour is discovered at run time with `as? any …`:
/// - ``CASigningConnector``: the CA key can sign arbitrary bytes, so the host signs CRLs and OCSP
///   responses for this issuer itself.
/// - ``CAInitializableConnector``: `certctl ca init` can create the CA certificate.
/// - ``HealthReportingConnector``: `GET /readyz` asks it whether its backend is usable.
/// - ``StoppableConnector``: the host stops it at shutdown.
public protocol IssuerConnector: Sendable {
    /// What this connector declares beyond issuing; the host reports it in `GET /api/v1/issuers`.
    var capabilities: ConnectorCapabilities { get }

    /// The CA chain, issuing CA first, up to (and including) the root when the connector knows it.
    func caChain() async throws -> [Certificate]

    /// Issues one certificate for a CSR whose self-signature the host has already verified.
    func issue(_ request: IssueRequest) async throws -> IssueResponse

    /// Tells the connector that the host is about to record a revocation of a certificate it issued
    /// (called only when ``capabilities`` declares `revoke`).
    ///
    /// Connectors whose CA keeps its own revocation state (a remote CA) forward it; connectors whose
    /// revocation state lives in the host (file or HSM keys) have nothing to do. Throwing a
    /// ``ConnectorError`` makes the host refuse the revocation and change nothing.
    func revoke(_ request: RevokeRequest) async throws
}
