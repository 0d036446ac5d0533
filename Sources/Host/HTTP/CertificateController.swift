import ConnectorAPI
import Foundation
import Hummingbird

/// `/api/v1/certificates`: issue, read, list, revoke.
struct CertificateController {
    let certificates: CertificateService
    let auth: Authenticator
    let body: RequestBody

    struct IssueBody: Decodable {
        var issuerID: String
        var csrPEM: String
        var validityDays: Int?

        enum CodingKeys: String, CodingKey {
            case issuerID = "issuer_id"
            case csrPEM = "csr_pem"
            case validityDays = "validity_days"
        }
    }

    struct RevokeBody: Decodable {
        var reason: String?
    }

    func register(on router: Router<HostRequestContext>) {
        let group = router.group("api/v1/certificates")
        group.post { request, _ in try await issue(request) }
        group.get { request, _ in try await list(request) }
        group.get(":id") { request, context in
            _ = try await auth.principal(request)
            return try Response.json(CertificateJSON(try await certificates.certificate(id: try context.parameters.require("id"))))
        }
        group.post(":id/revoke") { request, context in try await revoke(request, id: try context.parameters.require("id")) }
    }

    func issue(_ request: Request) async throws -> Response {
        let principal = try await auth.principal(request)
        guard let input = try await body.json(IssueBody.self, from: request) else {
            throw HostError(.badRequest, "a JSON body is required")
        }
        let record = try await certificates.issue(
            issuerID: input.issuerID, csrPEM: input.csrPEM, validityDays: input.validityDays, actor: principal.actor
        )
        var response = try Response.json(CertificateJSON(record), status: .created)
        response.headers[.location] = "/api/v1/certificates/\(record.id)"
        return response
    }

    func list(_ request: Request) async throws -> Response {
        _ = try await auth.principal(request)
        let pagination = try Pagination(request)
        var status: CertificateStatus?
        if let text = request.uri.queryParameters.get("status"), !text.isEmpty {
            guard let parsed = CertificateStatus(rawValue: text) else {
                throw HostError(.badRequest, "status must be one of active, revoked, expired")
            }
            status = parsed
        }
        let issuerID = request.uri.queryParameters.get("issuer_id").flatMap { $0.isEmpty ? nil : String($0) }
        var serial: String?
        if let text = request.uri.queryParameters.get("serial"), !text.isEmpty {
            // The same hex `openssl` prints, either case, leading zeros allowed.
            guard let parsed = SerialNumberInteger(hex: String(text)) else { throw HostError(.badRequest, "serial must be hex") }
            serial = parsed.hex
        }
        let now = Date()
        let rows = try await certificates.list(
            CertificateQuery(
                issuerID: issuerID, status: status, serial: serial, beforeSeq: pagination.beforeSeq, limit: pagination.limit + 1, now: now)
        )
        let page = pagination.page(rows, seq: \.seq)
        return try Response.json(
            PageJSON(key: "certificates", rows: page.rows.map { CertificateJSON($0, now: now) }, nextCursor: page.nextCursor)
        )
    }

    func revoke(_ request: Request, id: String) async throws -> Response {
        let principal = try await auth.principal(request)
        let input = try await body.json(RevokeBody.self, from: request, allowEmpty: true)
        let reasonName = input?.reason ?? RevocationReason.unspecified.name
        guard let reason = RevocationReason(name: reasonName) else {
            throw HostError(
                .badRequest,
                "reason '\(reasonName)' is not an RFC 5280 reason name (e.g. keyCompromise, superseded, cessationOfOperation)"
            )
        }
        let record = try await certificates.revoke(id: id, reason: reason, actor: principal.actor)
        return try Response.json(CertificateJSON(record))
    }
}
