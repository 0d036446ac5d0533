import Foundation

@testable import Host

enum TestStorage {
    static func directory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func make() throws -> SQLiteStorage {
        let storage = try SQLiteStorage(path: try directory().appendingPathComponent("test.db").path)
        return storage
    }
}

extension SQLiteStorage {
    /// Migrated storage for tests.
    static func migrated() async throws -> SQLiteStorage {
        let storage = try TestStorage.make()
        try await storage.migrate()
        return storage
    }
}
