import ConnectorAPI
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// ``HostStorage`` on PostgreSQL (postgres-nio's connection pool), for production and for several
/// host instances on one database. Every mutating call is one transaction that also writes its
/// audit row. Connection failures surface as `unavailable` (HTTP 503); the pool reconnects by itself.
public final class PostgresStorage: HostStorage {
    let client: PostgresClient
    let logger: Logger
    let location: PostgresLocation
    /// Longest a call may wait for a connection and its queries. While PostgreSQL is unreachable the
    /// pool keeps queued requests waiting; this turns the wait into a prompt 503.
    let operationTimeout: Duration
    /// How ``ocspEpoch()`` reaches the server: one connection of its own, outside the pool.
    let epochConnectionConfiguration: PostgresConnection.Configuration
    /// That connection with the read prepared on it (or its connecting), while it works.
    let epochConnection = Mutex<EventLoopFuture<EpochReader>?>(nil)
    /// This process's row in `ocsp_leases` (``OCSPEpochSource``): random, new at every start.
    let instanceID = (0..<16).map { _ in UInt8.random(in: 0...255) }.hexString
    /// The lease lengths and waits of the OCSP memory leases.
    let ocspTuning: OCSPTuning

    /// The change counter's connection and its prepared read: each read is then Bind/Execute of a
    /// plan the server already holds, not Parse and plan again (PostgreSQL's share of every read).
    struct EpochReader: Sendable {
        let connection: PostgresConnection
        let read: PreparedQuery
    }

    /// The pool's own event-loop thread, for the life of the process (like NIO's singleton): database
    /// replies are read without waiting behind HTTP work on the server's event loops.
    static let eventLoops: MultiThreadedEventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// - Parameters:
    ///   - operationTimeout: the bound of each call (5 s in production; the storage test suite,
    ///     which checks semantics on a loaded machine, allows more).
    ///   - ocspTuning: the OCSP memory lease's lengths and waits.
    init(_ location: PostgresLocation, logger: Logger, operationTimeout: Duration = .seconds(5), ocspTuning: OCSPTuning = .standard)
        throws
    {
        self.ocspTuning = ocspTuning
        // The same TLS settings for the pool and for the change-counter connection.
        let tls: PostgresClient.Configuration.TLS
        let connectionTLS: PostgresConnection.Configuration.TLS
        var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
        switch location.tls {
        case .disable:
            (tls, connectionTLS) = (.disable, .disable)
        case .prefer:
            tlsConfiguration.certificateVerification = .none
            (tls, connectionTLS) = (.prefer(tlsConfiguration), .prefer(try NIOSSLContext(configuration: tlsConfiguration)))
        case .require, .verifyFull:
            // Chain and host name verified, against sslrootcert when given.
            tlsConfiguration.certificateVerification = .fullVerification
            if let roots = location.rootCertificateFile { tlsConfiguration.trustRoots = .file(roots) }
            (tls, connectionTLS) = (.require(tlsConfiguration), .require(try NIOSSLContext(configuration: tlsConfiguration)))
        }
        epochConnectionConfiguration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: connectionTLS)
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: tls)
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 16
        // The pool logs every failed reconnect attempt at info; certctl reports outages itself.
        var poolLogger = logger
        poolLogger.logLevel = max(logger.logLevel, .warning)
        self.client = PostgresClient(configuration: configuration, eventLoopGroup: Self.eventLoops, backgroundLogger: poolLogger)
        self.logger = logger
        self.location = location
        self.operationTimeout = operationTimeout
    }

    public func run() async {
        await client.run()
        let epoch = epochConnection.withLock { connection in
            defer { connection = nil }
            return connection
        }
        epoch?.whenSuccess { reader in let _: EventLoopFuture<Void> = reader.connection.close() }
    }

    public func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
                logger: self.logger)
            var applied = Set<Int64>()
            for try await version in try await connection.query("SELECT version FROM schema_migrations", logger: self.logger).decode(
                Int64.self)
            {
                applied.insert(version)
            }
            for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                }
                try await connection.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (\(migration.version), \(Date().unixSeconds))",
                    logger: self.logger)
            }
        }
    }

    public func ping() async throws {
        try await withConnection { connection in
            _ = try await connection.query("SELECT 1", logger: self.logger)
        }
    }

    // MARK: Access

    /// The bound of calls that read a whole data set (a CRL's revoked entries).
    static let bulkTimeout = Duration.seconds(300)

    /// Runs `body` on a pooled connection; database failures become `HostError`s.
    func withConnection<T: Sendable>(
        timeout: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await bounded(timeout: timeout) { try await self.client.withConnection { connection in try await body(connection) } }
        } catch {
            throw mapped(error)
        }
    }

    /// Runs `body` in one transaction (`BEGIN` … `COMMIT`, rolled back when it throws).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await bounded {
                try await self.client.withTransaction(logger: self.logger) { connection in try await body(connection) }
            }
        } catch let error as PostgresTransactionError {
            throw mapped(error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        } catch {
            throw mapped(error)
        }
    }

    /// A session-level advisory lock on one pooled connection, held for `body` and released after it
    /// (or by PostgreSQL when the connection or the instance dies). The lock wait and `body` are not
    /// bounded by ``operationTimeout``: a CRL pass may take longer than one query.
    public func withExclusiveLock<T: Sendable>(_ name: ExclusiveLock, wait: Bool, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T?
    {
        do {
            return try await client.withConnection { connection -> T? in
                if wait {
                    _ = try await connection.query("SELECT pg_advisory_lock(\(name.rawValue))", logger: self.logger)
                } else {
                    let rows = try await Self.rows(
                        try await connection.query("SELECT pg_try_advisory_lock(\(name.rawValue)) AS locked", logger: self.logger))
                    guard try rows.first?["locked"].decode(Bool.self) == true else { return nil }
                }
                do {
                    let result = try await body()
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(name.rawValue))", logger: self.logger)
                    return result
                } catch {
                    _ = try? await connection.query("SELECT pg_advisory_unlock(\(name.rawValue))", logger: self.logger)
                    throw error
                }
            }
        } catch {
            throw mapped(error)
        }
    }

    struct OperationTimeout: Error {}

    /// Runs `operation`, cancelling it (and so its connection lease) after ``operationTimeout``.
    func bounded<T: Sendable>(timeout: Duration? = nil, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        let operationTimeout = timeout ?? self.operationTimeout
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: operationTimeout)
                throw OperationTimeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }

    /// Host errors pass through; SQL errors are internal failures naming the SQLSTATE; anything else
    /// (refused, reset, timed out) means the database is unavailable.
    func mapped(_ error: any Error) -> any Error {
        if error is HostError || error is PostgresStaleWrite { return error }
        if error is OperationTimeout {
            logger.warning("database did not answer in time", metadata: ["timeout": "\(operationTimeout)"])
            return HostError(.unavailable, "database unavailable")
        }
        if let psql = error as? PSQLError {
            if let state = psql.serverInfo?[.sqlState] {
                // unique_violation: the row exists (e.g. a duplicate id); the caller's request conflicts.
                if state == "23505" { return HostError(.conflict, "the record already exists") }
                logger.error("database error", metadata: ["sqlstate": "\(state)", "message": "\(psql.serverInfo?[.message] ?? "")"])
                return HostError(.internalFailure, "database error (SQLSTATE \(state))")
            }
            logger.warning("database unavailable", metadata: ["error": "\(psql.code)"])
        }
        return HostError(.unavailable, "database unavailable")
    }

    // MARK: Rows

    static func rows(_ sequence: PostgresRowSequence) async throws -> [PostgresRandomAccessRow] {
        var rows: [PostgresRandomAccessRow] = []
        for try await row in sequence { rows.append(row.makeRandomAccess()) }
        return rows
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await withConnection { connection in try await self.insertAudit(entry, connection) }
    }

    public func auditEvents(limit: Int, beforeSeq: Int64?) async throws -> [AuditEntry] {
        try await withConnection { connection in
            let rows = try await Self.rows(
                try await connection.query(
                    "SELECT * FROM audit_events WHERE seq < \(beforeSeq ?? .max) ORDER BY seq DESC LIMIT \(Int64(limit))",
                    logger: self.logger))
            return try rows.map(Self.auditEntry)
        }
    }

    func insertAudit(_ entry: AuditEntry, _ connection: PostgresConnection) async throws {
        let detail = String(decoding: try JSONEncoder.sortedKeys.encode(entry.detail), as: UTF8.self)
        try await connection.query(
            """
            INSERT INTO audit_events (occurred_at_ms, actor, action, target, detail)
            VALUES (\(entry.occurredAt.unixMilliseconds), \(entry.actor), \(entry.action), \(entry.target), \(detail))
            """, logger: logger)
    }

    static func auditEntry(_ row: PostgresRandomAccessRow) throws -> AuditEntry {
        let detail = try JSONDecoder().decode([String: String].self, from: Data(try row["detail"].decode(String.self).utf8))
        return AuditEntry(
            seq: try row["seq"].decode(Int64.self),
            occurredAt: Date(unixMilliseconds: try row["occurred_at_ms"].decode(Int64.self)),
            actor: try row["actor"].decode(String.self),
            action: try row["action"].decode(String.self),
            target: try row["target"].decode(String.self),
            detail: detail
        )
    }
}

extension ByteBuffer {
    var allBytes: [UInt8] { getBytes(at: readerIndex, length: readableBytes) ?? [] }
}
