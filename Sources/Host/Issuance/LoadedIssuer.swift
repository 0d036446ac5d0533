import ConnectorAPI
import X509

/// A configured issuer with its connector, ready to serve.
public struct LoadedIssuer: Sendable {
    public let settings: IssuerSettings
    public let connector: any IssuerConnector

    public var id: String { settings.id }
    /// The signer capability, when the connector has one (CRL/OCSP signing).
    public var signing: (any CASigningConnector)? { connector as? any CASigningConnector }

    /// The issuing CA certificate as the connector knows it now; `nil` for a remote CA that has
    /// not issued yet (its chain is learned from its first certificate).
    public func currentCACertificate() async throws -> Certificate? {
        if let signing { return signing.caCertificate }
        return try await connector.caChain().first
    }
}
