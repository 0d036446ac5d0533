import ConnectorAPI
import IssuingKit

/// A plugin that holds the CA key (`sign`): the host builds and stores certificates, CRLs and OCSP
/// responder certificates through the shared ``SignerBackedIssuer``; only signatures cross the
/// process boundary. Revocation state lives in the host.
public struct ExternalSigningConnector: SignerBackedConnector, SupervisedPluginConnector {
    public let issuer: SignerBackedIssuer
    let supervisor: PluginSupervisor
    let handshake: PluginProtocol.Handshake
}
