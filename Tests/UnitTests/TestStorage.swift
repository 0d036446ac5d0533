import ConnectorAPI
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

extension HostConfiguration {
    /// The embedded default on `directory`, with the `local` development issuer the `certctl`
    /// executable adds (`iss-local`, bootstrapped on first load).
    static func development(_ directory: URL) throws -> HostConfiguration {
        var configuration = try load(configPath: nil, environment: ["CERTCTL_DATA_DIR": directory.path])
        let ca = directory.appendingPathComponent("ca")
        configuration.developmentIssuer = IssuerSettings(
            id: "iss-local", type: "local",
            options: ConnectorOptions(
                [
                    "key_file": .scalar(ca.appendingPathComponent("iss-local.key").path),
                    "cert_file": .scalar(ca.appendingPathComponent("iss-local.crt").path),
                ],
                baseDirectory: directory, issuerID: "iss-local"))
        return configuration
    }
}
