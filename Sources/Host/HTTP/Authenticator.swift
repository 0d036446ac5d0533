import Foundation
import Hummingbird

/// Resolves `Authorization: Bearer <api key>` to a ``Principal`` and applies the role table
/// (``APIKeyRole/allows(_:)``), on the server side, for every route.
struct Authenticator: Sendable {
    let keys: APIKeyService

    /// - Throws: 401 without a valid, unrevoked, unexpired key; 403 when its role may not use a
    ///   route that needs `permission`.
    func principal(_ request: Request, needs permission: Permission) async throws -> Principal {
        guard let principal = try await optionalPrincipal(request) else {
            throw HostError(.unauthorized, "missing Authorization: Bearer <api key>")
        }
        guard principal.role.allows(permission) else {
            throw HostError(.forbidden, "a \(principal.role.rawValue) key may not use this route")
        }
        return principal
    }

    /// The key's principal, `nil` without an `Authorization` header (routes that answer anyone,
    /// and key holders in more detail). - Throws: 401 for a key that is not valid.
    func optionalPrincipal(_ request: Request) async throws -> Principal? {
        guard let header = request.headers[.authorization] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            let principal = try await keys.authenticate(parts[1].trimmingCharacters(in: .whitespaces))
        else {
            throw HostError(.unauthorized, "invalid, revoked or expired API key")
        }
        return principal
    }
}
