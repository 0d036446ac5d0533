import ConnectorAPI
import SignerIssuance
import X509

/// A plugin that holds the CA key (`sign`): the host builds and stores certificates, CRLs and OCSP
/// responder certificates through the shared ``SignerBackedIssuer``; only signatures cross the
/// process boundary. Revocation state lives in the host.
public struct ExternalSigningConnector: CASigningConnector, SupervisedPluginConnector {
    public let id: String
    public var type: String { ExternalConnector.type }
    public var capabilities: ConnectorCapabilities { .signerBacked }
    let issuer: SignerBackedIssuer
    let supervisor: PluginSupervisor
    let handshake: PluginProtocol.Handshake

    public var caCertificate: Certificate { issuer.caCertificate }
    public var signer: any CASigner { issuer.signer }

    public func caChain() async throws -> [Certificate] { issuer.chain }

    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        try await issuer.issue(request)
    }

    /// Revocation is recorded and published by the host (CRL, OCSP); nothing to forward.
    public func revoke(_ request: RevokeRequest) async throws {}
}
