import ConnectorAPI
import Foundation
import IssuingKit

/// The issuers this host serves, by id.
public struct IssuerDirectory: Sendable {
    public let issuers: [String: LoadedIssuer]
    /// Ids in configuration order.
    public let order: [String]

    public init(_ issuers: [LoadedIssuer]) {
        self.issuers = Dictionary(uniqueKeysWithValues: issuers.map { ($0.id, $0) })
        self.order = issuers.map(\.id)
    }

    public subscript(id: String) -> LoadedIssuer? { issuers[id] }

    public var all: [LoadedIssuer] { order.compactMap { issuers[$0] } }

    /// Instantiates every configured issuer through the registry. Any failure names the issuer and
    /// stops start-up. A remote CA (no signer) may not know its CA certificate before it first
    /// issues; a signing connector must.
    public static func load(
        _ settings: [IssuerSettings], registry: ConnectorRegistry, dataDirectory: URL, services: ConnectorServices = ConnectorServices()
    ) async throws -> IssuerDirectory {
        var loaded: [LoadedIssuer] = []
        for issuer in settings {
            do {
                let connector = try await registry.makeConnector(
                    issuer.connectorConfiguration(dataDirectory: dataDirectory, services: services))
                if connector is any CASigningConnector, try await connector.caChain().isEmpty {
                    throw HostError.configuration("issuer \(issuer.id): the connector returned no CA certificate")
                }
                loaded.append(try LoadedIssuer(settings: issuer, connector: connector))
            } catch let error as ConnectorError {
                throw HostError.configuration(ConnectorError.naming(issuer: issuer.id, error.message))
            } catch let refusal as CACertificateCheck.Refusal {
                throw HostError.configuration("issuer \(issuer.id): \(refusal)")
            }
        }
        return IssuerDirectory(loaded)
    }
}
