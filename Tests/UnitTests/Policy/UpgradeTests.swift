import Foundation
import Testing

@testable import Host

/// A database made before profiles and roles keeps working: admin keys become `admin`, other
/// keys `operator` without profiles; certificates keep their requester and get no profile.
@Suite struct UpgradeTests {
    @Test func aVersion2SQLiteDatabaseMigratesToRoles() async throws {
        let path = try TestStorage.directory().appendingPathComponent("old.db").path
        do {
            // The schema as it was at version 2, with rows written then.
            let db = try SQLiteConnection(path: path)
            try db.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)")
            for migration in SQLiteSchema.migrations where migration.version <= 2 {
                try db.execute(migration.sql)
                try db.query("INSERT INTO schema_migrations (version, applied_at) VALUES (?1, 0)", [.integer(migration.version)])
            }
            try db.execute(
                """
                INSERT INTO api_keys (id, name, secret_hash, is_admin, created_at) VALUES ('aaaaaaaaaaaa', 'boss', x'01', 1, 1);
                INSERT INTO api_keys (id, name, secret_hash, is_admin, created_at) VALUES ('bbbbbbbbbbbb', 'ci', x'02', 0, 1);
                INSERT INTO certificates (id, issuer_id, serial, subject, sans, not_before, not_after, certificate_pem, chain_pem,
                    created_at, created_by) VALUES ('c1', 'iss-local', '7f', 'CN=x', '[]', 0, 4102444800, '', '', 1, 'apikey:bbbbbbbbbbbb');
                """)
        }
        let storage = try SQLiteStorage(path: path)
        try await storage.migrate()
        #expect(try await storage.apiKey(id: "aaaaaaaaaaaa")?.role == .admin)
        let operatorKey = try #require(try await storage.apiKey(id: "bbbbbbbbbbbb"))
        #expect(operatorKey.role == .operator && operatorKey.profiles.isEmpty && operatorKey.expiresAt == nil)
        let certificate = try #require(try await storage.certificate(id: "c1"))
        #expect(certificate.profile == nil && certificate.requestedBy == "apikey:bbbbbbbbbbbb")
        let mine = try await storage.certificates(CertificateQuery(requestedBy: "apikey:bbbbbbbbbbbb", limit: 10, now: Date()))
        #expect(mine.map(\.id) == ["c1"])
        #expect(try await storage.certificates(CertificateQuery(requestedBy: "apikey:other", limit: 10, now: Date())).isEmpty)
    }
}
