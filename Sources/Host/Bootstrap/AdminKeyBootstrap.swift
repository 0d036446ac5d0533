import ConnectorAPI
import ConnectorSupport
import Foundation

/// The first admin API key: created when the database has no API keys at all, written to
/// `<data_dir>/admin-api-key` (0600) and printed once.
struct AdminKeyBootstrap {
    let dataDirectory: URL
    let keys: APIKeyService

    var file: URL { dataDirectory.appendingPathComponent("admin-api-key") }

    /// The new token when one was created, `nil` when keys already exist.
    func run() async throws -> String? {
        guard try await keys.list().isEmpty else { return nil }
        try? FileManager.default.removeItem(at: file)  // a leftover from a deleted database
        let (_, token) = try await keys.create(name: "bootstrap-admin", role: .admin, actor: "system")
        try SecretFile.create(file, contents: token + "\n")
        return token
    }
}
