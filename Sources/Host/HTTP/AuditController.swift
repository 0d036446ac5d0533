import Hummingbird

/// `GET /api/v1/audit` (admin, auditor).
struct AuditController {
    let storage: any AuditLog
    let auth: Authenticator

    struct EventJSON: Encodable {
        var id: Int64
        var occurredAt: String
        var actor: String
        var action: String
        var target: String
        var detail: [String: String]

        enum CodingKeys: String, CodingKey {
            case id, actor, action, target, detail
            case occurredAt = "occurred_at"
        }
    }

    func register(on router: Router<HostRequestContext>) {
        router.get("api/v1/audit") { request, _ in
            _ = try await auth.principal(request, needs: .readAudit)
            let pagination = try Pagination(request)
            let rows = try await storage.auditEvents(limit: pagination.limit + 1, beforeSeq: pagination.beforeSeq)
            let page = pagination.page(rows, seq: \.seq)
            let events = page.rows.map {
                EventJSON(
                    id: $0.seq, occurredAt: $0.occurredAt.rfc3339, actor: $0.actor, action: $0.action, target: $0.target, detail: $0.detail)
            }
            return try Response.json(PageJSON(key: "events", rows: events, nextCursor: page.nextCursor))
        }
    }
}
