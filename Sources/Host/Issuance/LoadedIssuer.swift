import ConnectorAPI
import X509

/// A configured issuer with its connector, ready to serve.
public struct LoadedIssuer: Sendable {
    public let settings: IssuerSettings
    public let connector: any IssuerConnector
    /// The CA chain, issuing CA first, read once at start-up.
    public let chain: [Certificate]

    public var id: String { settings.id }
    public var caCertificate: Certificate { chain[0] }
    /// The signer capability, when the connector has one (CRL/OCSP signing).
    public var signing: (any CASigningConnector)? { connector as? any CASigningConnector }
}
