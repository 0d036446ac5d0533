import X509

/// An issuer connector: one certificate authority behind the host.
///
/// The host owns everything around issuance — authentication, CSR validation, storage, audit,
/// revocation state, CRL and OCSP — and calls a connector only for the parts that differ between CAs.
/// A connector is created once per configured issuer by a ``ConnectorFactory`` registered in the
/// ``ConnectorRegistry`` under its type string, and then shared by all requests, so it must be
/// safe to call concurrently.
///
/// Optional behaviour is discovered at run time with `as? any …`:
/// - ``CASigningConnector``: the CA key can sign arbitrary bytes, so the host signs CRLs and OCSP
///   responses for this issuer itself.
/// - ``CAInitializableConnector``: `certctl ca init` can create the CA certificate.
public protocol IssuerConnector: Sendable {
    /// The issuer id from the configuration (`[a-z0-9-]{1,64}`).
    var id: String { get }

    /// The type string this connector was registered under (e.g. `local`).
    var type: String { get }

    /// What this connector can do; the host reports it in `GET /api/v1/issuers`.
    var capabilities: ConnectorCapabilities { get }

    /// The CA chain, issuing CA first, up to (and including) the root when the connector knows it.
    func caChain() async throws -> [Certificate]

    /// Issues one certificate for a CSR whose self-signature the host has already verified.
    func issue(_ request: IssueRequest) async throws -> IssueResponse

    /// Tells the connector that the host revoked a certificate it issued.
    ///
    /// Connectors whose CA keeps its own revocation state (a remote CA) forward it; connectors whose
    /// revocation state lives in the host (file or HSM keys) have nothing to do. Throwing a
    /// ``ConnectorError`` makes the host refuse the revocation and change nothing.
    func revoke(_ request: RevokeRequest) async throws
}
