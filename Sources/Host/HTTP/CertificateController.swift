import ConnectorAPI
import Foundation
import Hummingbird

/// `/api/v1/certificates`: issue, read, list, revoke.
struct CertificateController {
    let certificates: CertificateService
    let auth: Authenticator
    let body: RequestBody

    struct IssueBody: JSONBody {
        static let fields = ["csr_pem", "issuer_id", "profile", "validity_days"]
        var issuerID: String?
        var profile: String?
        var csrPEM: String
        var validityDays: Int?

        init(from object: KeyedDecodingContainer<JSONField>) throws {
            csrPEM = try object.decode(String.self, forKey: JSONField("csr_pem"))
            issuerID = try object.decodeIfPresent(String.self, forKey: JSONField("issuer_id"))
            profile = try object.decodeIfPresent(String.self, forKey: JSONField("profile"))
            validityDays = try object.decodeIfPresent(Int.self, forKey: JSONField("validity_days"))
        }
    }

    struct RevokeBody: JSONBody {
        static let fields = ["reason"]
        var reason: String?

        init(from object: KeyedDecodingContainer<JSONField>) throws {
            reason = try object.decodeIfPresent(String.self, forKey: JSONField("reason"))
        }
    }

    func register(on router: Router<HostRequestContext>) {
        let group = router.group("api/v1/certificates")
        group.post { request, _ in try await issue(request) }
        group.get { request, _ in try await list(request) }
        group.get(":id") { request, context in
            let principal = try await auth.principal(request, needs: .readCertificates)
            let id = try context.parameters.require("id")
            return try Response.json(CertificateJSON(try await certificates.certificate(id: id, scope: principal.certificateScope)))
        }
        group.post(":id/revoke") { request, context in try await revoke(request, id: try context.parameters.require("id")) }
    }

    func issue(_ request: Request) async throws -> Response {
        let principal = try await auth.principal(request, needs: .issue)
        guard let input = try await body.json(IssueBody.self, from: request) else {
            throw HostError(.badRequest, "a JSON body is required")
        }
        let record = try await certificates.issue(
            IssuanceRequest(csrPEM: input.csrPEM, profile: input.profile, issuerID: input.issuerID, validityDays: input.validityDays),
            by: principal.requester)
        var response = try Response.json(CertificateJSON(record), status: .created)
        response.headers[.location] = "/api/v1/certificates/\(record.id)"
        return response
    }

    func list(_ request: Request) async throws -> Response {
        let principal = try await auth.principal(request, needs: .readCertificates)
        let pagination = try Pagination(request)
        // A filter given is a filter: `status=` or `serial=` with nothing is refused, not ignored.
        var status: CertificateStatus?
        if let text = request.uri.queryParameters.get("status") {
            guard let parsed = CertificateStatus(rawValue: String(text)) else {
                throw HostError(.badRequest, "status must be one of active, revoked, expired")
            }
            status = parsed
        }
        var issuerID: String?
        if let text = request.uri.queryParameters.get("issuer_id") {
            guard IssuanceProfile.isValidID(String(text)) else { throw HostError(.badRequest, "issuer_id must match [a-z0-9-]{1,64}") }
            issuerID = String(text)
        }
        var serial: String?
        if let text = request.uri.queryParameters.get("serial") {
            // The same hex `openssl` prints, either case, leading zeros allowed.
            guard text.count <= 40, let parsed = SerialNumberInteger(hex: String(text)) else {
                throw HostError(.badRequest, "serial must be 1-40 hex digits")
            }
            serial = parsed.hex
        }
        let now = Date()
        let rows = try await certificates.list(
            CertificateQuery(
                issuerID: issuerID, status: status, serial: serial, requestedBy: principal.certificateScope.requestedBy,
                beforeSeq: pagination.beforeSeq, limit: pagination.limit + 1, now: now)
        )
        let page = pagination.page(rows, seq: \.seq)
        return try Response.json(
            PageJSON(key: "certificates", rows: page.rows.map { CertificateJSON($0, now: now) }, nextCursor: page.nextCursor)
        )
    }

    func revoke(_ request: Request, id: String) async throws -> Response {
        let principal = try await auth.principal(request, needs: .revokeCertificates)
        let input = try await body.json(RevokeBody.self, from: request, allowEmpty: true)
        let reasonName = input?.reason ?? RevocationReason.unspecified.name
        guard let reason = RevocationReason(name: reasonName) else {
            throw HostError(
                .badRequest,
                "reason '\(reasonName)' is not an RFC 5280 reason name (e.g. keyCompromise, superseded, cessationOfOperation)"
            )
        }
        let record = try await certificates.revoke(id: id, reason: reason, actor: principal.actor, scope: principal.certificateScope)
        return try Response.json(CertificateJSON(record))
    }
}
