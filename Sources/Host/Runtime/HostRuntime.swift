import ConnectorAPI
import Foundation
import Logging
import X509

/// Opens the host's state: data directory, database (migrated) and, for `serve`, the issuers.
/// `serve`, `admin keys` and `ca init` all go through it so they share one database.
public enum HostRuntime {
    /// Creates the data directory (0700), opens and migrates the database, and runs `body` with it
    /// while the storage's background work (PostgreSQL's pool) runs alongside; that stops when
    /// `body` returns.
    public static func withStorage<T: Sendable>(
        _ configuration: HostConfiguration, logger: Logger = Logger(label: "certctl"), _ body: (any HostStorage) async throws -> T
    ) async throws -> T {
        do {
            try FileManager.default.createDirectory(
                at: configuration.dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw HostError.configuration("CERTCTL_DATA_DIR (data_dir): cannot create \(configuration.dataDirectory.path)")
        }
        let storage: any HostStorage
        switch configuration.database {
        case .sqlite(let path): storage = try SQLiteStorage(path: path)
        case .postgres(let location): storage = try PostgresStorage(location, logger: logger)
        }
        return try await withThrowingTaskGroup(of: Void.self, returning: T.self) { group in
            group.addTask { await storage.run() }
            defer { group.cancelAll() }
            do {
                try await storage.migrate()
            } catch let error as HostError where error.code == .unavailable {
                throw HostError.configuration("CERTCTL_DATABASE_URL: cannot reach the database (\(configuration.database.redacted))")
            }
            return try await body(storage)
        }
    }

    /// Loads the configured issuers; with none configured, bootstraps (when its CA does not exist
    /// yet) and loads the development issuer.
    public static func loadIssuers(
        _ configuration: HostConfiguration, registry: ConnectorRegistry, storage: any AuditLog,
        services: ConnectorServices = ConnectorServices(), logger: Logger
    ) async throws -> IssuerDirectory {
        if configuration.issuers.isEmpty, let dev = configuration.developmentIssuer,
            let factory = registry.factory(for: dev.type) as? any CAInitializableConnector.Type,
            !factory.isInitialized(dev.connectorConfiguration(dataDirectory: configuration.dataDirectory))
        {
            let certificate = try await CAInitializer(configuration: configuration, registry: registry, storage: storage).initialize(
                issuerID: dev.id, parentID: nil, commonName: "certctl development root (\(dev.id))", validityDays: 3650, actor: "system"
            )
            logger.notice("bootstrapped issuer", metadata: ["issuer": "\(dev.id)", "subject": "\(certificate.subject)"])
        }
        let issuers = try await IssuerDirectory.load(
            configuration.effectiveIssuers, registry: registry, dataDirectory: configuration.dataDirectory, services: services)
        for issuer in issuers.all where issuer.signing != nil {
            if !issuer.publishesCRL {
                logger.warning(
                    "the CA certificate's keyUsage lacks cRLSign: no CRL is published for this issuer (OCSP still is)",
                    metadata: ["issuer": "\(issuer.id)"])
            }
            if let problem = issuer.caProblem(now: Date()) {
                logger.warning(
                    "\(problem): this issuer is unhealthy and refuses issuance; the others serve", metadata: ["issuer": "\(issuer.id)"])
            }
        }
        return issuers
    }
}
