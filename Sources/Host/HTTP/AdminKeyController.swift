import Foundation
import Hummingbird

/// The key API (admin, SPEC §7): `POST/GET /api/v1/admin/keys`, `PATCH /api/v1/admin/keys/{id}`,
/// `POST /api/v1/admin/keys/{id}/revoke`. The secret is in the creation answer only.
struct AdminKeyController {
    let keys: APIKeyService
    let policy: IssuancePolicy
    let auth: Authenticator
    let body: RequestBody

    func register(on router: Router<HostRequestContext>) {
        let group = router.group("api/v1/admin/keys")
        group.post { request, _ in
            let principal = try await auth.principal(request, needs: .manageKeys)
            guard let input = try await body.json(CreateBody.self, from: request) else {
                throw HostError(.badRequest, "a JSON body is required")
            }
            let (record, token) = try await keys.create(
                name: input.name, role: input.role, profiles: input.profiles ?? [], expiresAt: input.expiresAt, actor: principal.actor)
            var response = try Response.json(APIKeyJSON(record, key: token), status: .created)
            response.headers[.location] = "/api/v1/admin/keys/\(record.id)"
            return response
        }
        group.get { request, _ in
            _ = try await auth.principal(request, needs: .manageKeys)
            return try Response.json(["keys": try await keys.list().map { APIKeyJSON($0) }])
        }
        group.patch(":id") { request, context in
            let principal = try await auth.principal(request, needs: .manageKeys)
            guard let input = try await body.json(PatchBody.self, from: request) else {
                throw HostError(.badRequest, "a JSON body is required")
            }
            let id = try context.parameters.require("id")
            guard input.change != APIKeyChange() else {
                throw HostError(.badRequest, "nothing to change: give role, profiles or expires_at")
            }
            return try Response.json(APIKeyJSON(try await keys.update(id: id, input.change, actor: principal.actor)))
        }
        group.post(":id/revoke") { request, context in
            let principal = try await auth.principal(request, needs: .manageKeys)
            return try Response.json(APIKeyJSON(try await keys.revoke(id: try context.parameters.require("id"), actor: principal.actor)))
        }
    }
}

extension AdminKeyController {
    /// `{"name","role","profiles"?,"expires_at"?}`; unknown fields are refused.
    struct CreateBody: JSONBody {
        static let fields = ["name", "role", "profiles", "expires_at"]
        var name: String
        var role: APIKeyRole
        var profiles: [String]?
        var expiresAt: Date?

        init(from object: KeyedDecodingContainer<JSONField>) throws {
            name = try object.decode(String.self, forKey: JSONField("name"))
            role = try APIKeyRole.decode(object, JSONField("role"))
            profiles = try object.decodeIfPresent([String].self, forKey: JSONField("profiles"))
            expiresAt = try object.decodeIfPresent(String.self, forKey: JSONField("expires_at")).map(RFC3339.parse)
        }
    }

    /// `{"role"?,"profiles"?,"expires_at"?}`; `"expires_at": null` removes the expiry.
    struct PatchBody: JSONBody {
        static let fields = ["role", "profiles", "expires_at"]
        static let nullableFields = ["expires_at"]
        var change = APIKeyChange()

        init(from object: KeyedDecodingContainer<JSONField>) throws {
            let expires = JSONField("expires_at")
            if object.contains(JSONField("role")) { change.role = try APIKeyRole.decode(object, JSONField("role")) }
            change.profiles = try object.decodeIfPresent([String].self, forKey: JSONField("profiles"))
            if object.contains(expires) {
                change.expiresAt = .some(
                    try object.decodeNil(forKey: expires) ? nil : RFC3339.parse(try object.decode(String.self, forKey: expires)))
            }
        }
    }
}

/// The key object; `key` (the token) only in the creation answer.
struct APIKeyJSON: Encodable {
    var record: APIKeyRecord
    var key: String?

    init(_ record: APIKeyRecord, key: String? = nil) {
        self.record = record
        self.key = key
    }

    enum CodingKeys: String, CodingKey {
        case id, name, role, profiles, key
        case createdAt = "created_at"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(record.id, forKey: .id)
        try c.encode(record.name, forKey: .name)
        try c.encode(record.role.rawValue, forKey: .role)
        try c.encode(record.profiles, forKey: .profiles)
        try c.encode(record.createdAt.rfc3339, forKey: .createdAt)
        try c.encode(record.expiresAt?.rfc3339, forKey: .expiresAt)
        try c.encode(record.revokedAt?.rfc3339, forKey: .revokedAt)
        try c.encodeIfPresent(key, forKey: .key)
    }
}

extension APIKeyRole {
    static func decode<K: CodingKey>(_ container: KeyedDecodingContainer<K>, _ key: K) throws -> APIKeyRole {
        let text = try container.decode(String.self, forKey: key)
        guard let role = APIKeyRole(rawValue: text) else {
            throw HostError(.badRequest, "role '\(text)' is not one of \(APIKeyRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return role
    }
}

/// RFC 3339 timestamps in request bodies (`2027-01-01T00:00:00Z`, fractional seconds allowed).
enum RFC3339 {
    static func parse(_ text: String) throws -> Date {
        if let date = try? Date(text, strategy: .iso8601) { return date }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
        throw HostError(.badRequest, "'\(text)' is not an RFC 3339 timestamp such as 2027-01-01T00:00:00Z")
    }
}
