import Foundation
import Hummingbird

/// Resolves `Authorization: Bearer <api key>` to a ``Principal``. Admin-only routes are enforced
/// here, on the server side.
struct Authenticator: Sendable {
    let keys: APIKeyService

    /// - Throws: 401 without a valid, unrevoked key; 403 when `admin` is required and the key is not.
    func principal(_ request: Request, admin: Bool = false) async throws -> Principal {
        guard let header = request.headers[.authorization] else {
            throw HostError(.unauthorized, "missing Authorization: Bearer <api key>")
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let principal = try await keys.authenticate(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            throw HostError(.unauthorized, "invalid or revoked API key")
        }
        if admin && !principal.isAdmin {
            throw HostError(.forbidden, "this route needs an admin API key")
        }
        return principal
    }
}
