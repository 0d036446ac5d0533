import Foundation
import Logging
import PostgresNIO
import Testing

@testable import Host

/// The storage backends the shared storage suite runs against. PostgreSQL comes from the
/// throwaway cluster `scripts/test.sh` starts (`CERTCTL_TEST_POSTGRES_URL`); each test gets a new
/// database in it, so tests never see each other's rows. Without that variable the PostgreSQL
/// suites report themselves skipped, with the reason; CI always sets it.
enum StorageBackend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory
    case sqlite
    case postgres

    var testDescription: String { rawValue }

    /// Why the PostgreSQL suites are skipped when they are.
    static let postgresMissing = "CERTCTL_TEST_POSTGRES_URL is not set (scripts/test.sh starts a throwaway PostgreSQL and sets it)"

    static var postgresAvailable: Bool { !(ProcessInfo.processInfo.environment["CERTCTL_TEST_POSTGRES_URL"] ?? "").isEmpty }

    /// The cluster's admin URL, e.g. `postgres://postgres@127.0.0.1:PORT/postgres?sslmode=disable`.
    static var postgresURL: String {
        get throws {
            guard let url = ProcessInfo.processInfo.environment["CERTCTL_TEST_POSTGRES_URL"], !url.isEmpty else {
                throw TestSetupError(postgresMissing)
            }
            return url
        }
    }

    /// Runs `body` with a migrated storage of this kind, its background work running alongside.
    func with(_ body: (any HostStorage) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await run(MemoryStorage(), body)
        case .sqlite:
            try await run(SQLiteStorage.migrated(), body)
        case .postgres:
            let location = try await Self.freshDatabase()
            try await run(try PostgresStorage(location, logger: Logger(label: "test"), operationTimeout: .seconds(60)), body)
        }
    }

    private func run(_ storage: any HostStorage, _ body: (any HostStorage) async throws -> Void) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await storage.run() }
            defer { group.cancelAll() }
            try await storage.migrate()
            try await body(storage)
        }
    }

    /// Creates an empty database in the test cluster and returns its location.
    static func freshDatabase() async throws -> PostgresLocation {
        guard case .postgres(let admin) = try HostConfiguration.parseDatabaseURL(try postgresURL, key: "", base: URL(fileURLWithPath: "/"))
        else { throw TestSetupError("CERTCTL_TEST_POSTGRES_URL is not a postgres:// URL") }
        let name = "certctl_test_\(UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""))"
        let storage = try PostgresStorage(admin, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await storage.run() }
            defer { group.cancelAll() }
            try await storage.client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        var location = admin
        location.database = name
        return location
    }
}

struct TestSetupError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
