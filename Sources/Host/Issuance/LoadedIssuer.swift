import ConnectorAPI
import Foundation
import IssuingKit
import X509

/// A configured issuer with its connector, ready to serve.
public struct LoadedIssuer: Sendable {
    public let settings: IssuerSettings
    public let connector: any IssuerConnector
    /// Whether the host signs CRLs for this issuer: it has a signer and its CA certificate's
    /// keyUsage allows cRLSign (``CACertificateCheck``).
    public let publishesCRL: Bool

    /// - Throws: ``CACertificateCheck/Refusal`` when a signing connector's CA certificate is not
    ///   one certctl may issue under.
    public init(settings: IssuerSettings, connector: any IssuerConnector) throws {
        self.settings = settings
        self.connector = connector
        if let signing = connector as? any CASigningConnector {
            publishesCRL = try CACertificateCheck(signing.caCertificate).signsCRLs
        } else {
            publishesCRL = false
        }
    }

    public var id: String { settings.id }
    /// The signer capability, when the connector has one (certificates, OCSP).
    public var signing: (any CASigningConnector)? { connector as? any CASigningConnector }
    /// The signer when the host publishes a CRL for this issuer (see ``publishesCRL``).
    public var crlSigning: (any CASigningConnector)? { publishesCRL ? signing : nil }

    /// The issuing CA certificate as the connector knows it now; `nil` for a remote CA that has
    /// not issued yet (its chain is learned from its first certificate).
    public func currentCACertificate() async throws -> Certificate? {
        if let signing { return signing.caCertificate }
        return try await connector.caChain().first
    }

    /// Why this issuer cannot issue at `now` as far as the host can tell without asking the
    /// connector: its CA certificate is outside its validity. `nil` otherwise.
    public func caProblem(now: Date) -> String? {
        guard let signing else { return nil }
        return CACertificateCheck.validityProblem(signing.caCertificate, now: now)
    }
}
