/// Creates a connector for one configured issuer. Validate every option here, before use: an
/// error thrown from `make` stops `certctl serve` with a message naming the issuer and setting.
public protocol ConnectorFactory: Sendable {
    /// The `type:` string in the configuration, e.g. `local`.
    static var type: String { get }

    /// Builds a connector from validated options.
    static func make(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector
}

/// The connector types the host can instantiate, keyed by type string.
///
/// The `certctl` executable registers the built-in connectors; the host never names a concrete
/// connector.
public struct ConnectorRegistry: Sendable {
    private var factories: [String: any ConnectorFactory.Type] = [:]

    /// An empty registry.
    public init() {}

    /// Registers a factory under its ``ConnectorFactory/type``. Registering a type twice replaces it.
    public mutating func register(_ factory: any ConnectorFactory.Type) {
        factories[factory.type] = factory
    }

    /// The factory for `type`, or `nil` when the type is unknown.
    public func factory(for type: String) -> (any ConnectorFactory.Type)? {
        factories[type]
    }

    /// All registered type strings, sorted.
    public var types: [String] { factories.keys.sorted() }

    /// Creates a connector for `configuration`, failing with `invalidConfiguration` for unknown types.
    public func makeConnector(_ configuration: IssuerConfiguration) async throws -> any IssuerConnector {
        guard let factory = factories[configuration.type] else {
            throw ConnectorError.invalidConfiguration(
                "issuer \(configuration.id): unknown type '\(configuration.type)' (known: \(types.joined(separator: ", ")))"
            )
        }
        return try await factory.make(configuration)
    }
}
