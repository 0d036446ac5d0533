import Foundation

/// One `issuers:` entry of the configuration, handed to a ``ConnectorFactory``.
///
/// The host has already taken the keys every issuer shares (`id`, `type`, `max_validity`,
/// `default_validity`); ``options`` holds the connector's own keys.
public struct IssuerConfiguration: Sendable {
    /// The issuer id (`[a-z0-9-]{1,64}`).
    public var id: String
    /// The connector type string.
    public var type: String
    /// Connector-specific settings.
    public var options: ConnectorOptions
    /// The host's data directory (absolute), for connectors that keep state there.
    public var dataDirectory: URL
    /// Facilities the host provides to connectors (e.g. `http-01` challenge publication).
    public var services: ConnectorServices

    /// - Parameters:
    ///   - id: the issuer id.
    ///   - type: the connector type string.
    ///   - options: the connector's own keys.
    ///   - dataDirectory: the host's data directory.
    ///   - services: what the host lends the connector.
    public init(id: String, type: String, options: ConnectorOptions, dataDirectory: URL, services: ConnectorServices = ConnectorServices())
    {
        self.id = id
        self.type = type
        self.options = options
        self.dataDirectory = dataDirectory
        self.services = services
    }
}
