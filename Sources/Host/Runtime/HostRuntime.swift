import ConnectorAPI
import Foundation
import Logging
import X509

/// Opens the host's state: data directory, database (migrated) and, for `serve`, the issuers.
/// `serve`, `admin keys` and `ca init` all go through it so they share one database.
public enum HostRuntime {
    /// Creates the data directory (0700) and opens and migrates the database.
    public static func openStorage(_ configuration: HostConfiguration) async throws -> any HostStorage {
        do {
            try FileManager.default.createDirectory(
                at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw HostError.configuration("CERTCTL_DATA_DIR (data_dir): cannot create \(configuration.dataDirectory.path)")
        }
        switch configuration.database {
        case .sqlite(let path):
            let storage = try SQLiteStorage(path: path)
            try await storage.migrate()
            return storage
        }
    }

    /// Loads the configured issuers; with none configured, bootstraps and loads `iss-local`.
    public static func loadIssuers(
        _ configuration: HostConfiguration, registry: ConnectorRegistry, storage: any HostStorage,
        services: ConnectorServices = ConnectorServices(), logger: Logger
    ) async throws -> IssuerDirectory {
        var settings = configuration.issuers
        if settings.isEmpty {
            let dev = DevIssuer.settings(dataDirectory: configuration.dataDirectory)
            settings = [dev]
            let initializer = CAInitializer(configuration: configuration, registry: registry, storage: storage)
            if let factory = registry.factory(for: dev.type) as? any CAInitializableConnector.Type,
                !factory.isInitialized(dev.connectorConfiguration(dataDirectory: configuration.dataDirectory))
            {
                let certificate = try await initializer.initialize(
                    issuerID: DevIssuer.id, parentID: nil, commonName: "certctl development root (\(DevIssuer.id))",
                    validityDays: 3650, actor: "system"
                )
                logger.notice("bootstrapped issuer", metadata: ["issuer": "\(DevIssuer.id)", "subject": "\(certificate.subject)"])
            }
        }
        return try await IssuerDirectory.load(settings, registry: registry, dataDirectory: configuration.dataDirectory, services: services)
    }
}
