import Foundation
import Hummingbird

/// The ACME admin API (SPEC §8, admin keys only): external account binding credentials
/// (`POST/GET /api/v1/admin/acme/eab`, `POST /api/v1/admin/acme/eab/{kid}/revoke`) and accounts
/// (`GET /api/v1/admin/acme/accounts`, `POST /api/v1/admin/acme/accounts/{id}/deactivate`).
struct AdminACMEController {
    let service: ACMEService
    let auth: Authenticator
    let body: RequestBody

    func register(on router: Router<HostRequestContext>) {
        let group = router.group("api/v1/admin/acme")
        group.post("eab") { request, _ in
            let principal = try await auth.principal(request, needs: .manageACME)
            guard let input = try await body.json(EABBody.self, from: request) else {
                throw HostError(.badRequest, "a JSON body is required")
            }
            let (kid, key) = try await service.createEAB(profile: input.profile, actor: principal.actor)
            var response = try Response.json(["kid": kid, "hmac_key": key, "profile": input.profile], status: .created)
            response.headers[.location] = "/api/v1/admin/acme/eab/\(kid)"
            return response
        }
        group.get("eab") { request, _ in
            _ = try await auth.principal(request, needs: .manageACME)
            let records = try await service.storage.acmeObjects(.eab, limit: 1_000)
            return try Response.json(["credentials": records.map(Self.credentialJSON)])
        }
        group.post("eab/:kid/revoke") { request, context in
            let principal = try await auth.principal(request, needs: .manageACME)
            return try Response.json(
                Self.credentialJSON(try await service.revokeEAB(kid: try context.parameters.require("kid"), actor: principal.actor)))
        }
        group.get("accounts") { request, _ in
            _ = try await auth.principal(request, needs: .manageACME)
            let records = try await service.storage.acmeObjects(.account, limit: 1_000)
            return try Response.json(["accounts": try records.map(Self.accountJSON)])
        }
        group.post("accounts/:id/deactivate") { request, context in
            let principal = try await auth.principal(request, needs: .manageACME)
            let record = try await service.deactivate(accountID: try context.parameters.require("id"), actor: principal.actor)
            return try Response.json(try Self.accountJSON(record))
        }
    }

    /// `{"profile"}`; unknown fields are refused.
    struct EABBody: JSONBody {
        static let fields = ["profile"]
        var profile: String

        init(from object: KeyedDecodingContainer<JSONField>) throws {
            profile = try object.decode(String.self, forKey: JSONField("profile"))
        }
    }

    /// A credential without its key.
    static func credentialJSON(_ record: ACMEObjectRecord) -> [String: String] {
        var object = ["kid": record.id, "profile": record.profile, "status": record.status, "created_at": record.createdAt.rfc3339]
        if let account = record.accountID { object["account_id"] = account }
        return object
    }

    static func accountJSON(_ record: ACMEObjectRecord) throws -> ACMEAccountJSON {
        let account = try ACMEJSON.decode(ACMEAccount.self, record.body)
        return ACMEAccountJSON(
            id: record.id, profile: record.profile, status: record.status, contact: account.contact, createdAt: record.createdAt.rfc3339)
    }

    struct ACMEAccountJSON: Encodable {
        var id: String
        var profile: String
        var status: String
        var contact: [String]
        var createdAt: String

        enum CodingKeys: String, CodingKey {
            case id, profile, status, contact
            case createdAt = "created_at"
        }
    }
}

extension ACMEService {
    /// An admin deactivates an account: it can no longer order or revoke (RFC 8555 §7.3.6).
    func deactivate(accountID: String, actor: String) async throws -> ACMEObjectRecord {
        guard var record = try await storage.acmeObject(.account, id: accountID) else {
            throw HostError(.notFound, "no ACME account \(accountID)")
        }
        guard record.status == "valid" else { throw HostError(.conflict, "ACME account \(accountID) is already \(record.status)") }
        record.status = "deactivated"
        record.version += 1
        guard
            try await storage.updateACMEObjects(
                [record],
                audit: AuditEntry(
                    occurredAt: now(), actor: actor, action: AuditAction.acmeAccountDeactivated, target: "acme-account:\(accountID)"))
        else { throw HostError(.conflict, "ACME account \(accountID) changed meanwhile; retry") }
        return record
    }
}
