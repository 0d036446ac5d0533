import Foundation
import Hummingbird

/// `GET /healthz` (the process answers) and `GET /readyz` (SPEC §10): anyone gets the status and
/// the ids of failing issuers; a key that may read metrics (admin, operator, auditor) gets every
/// check with its detail and time. Reports come from ``ReadinessProbe``: reused for a short
/// interval and never run twice at once, so a flood of `/readyz` cannot load the database, a token
/// or the plugins.
struct HealthController {
    let probe: ReadinessProbe<ContinuousClock>
    let auth: Authenticator

    struct ReadinessJSON: Encodable {
        var status: String
        /// Anonymous callers: which issuers fail, nothing more.
        var failingIssuers: [String]?
        /// Key holders: every check.
        var checks: [CheckJSON]?

        enum CodingKeys: String, CodingKey {
            case status, checks
            case failingIssuers = "failing_issuers"
        }
    }

    struct CheckJSON: Encodable {
        var name: String
        var ok: Bool
        var detail: String?
        var checkedAt: String

        enum CodingKeys: String, CodingKey {
            case name, ok, detail
            case checkedAt = "checked_at"
        }
    }

    func register(on router: Router<HostRequestContext>) {
        router.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
        router.get("readyz") { request, _ in
            let principal = try await auth.optionalPrincipal(request)
            let report = await probe.report()
            var body = ReadinessJSON(status: report.ready ? "ready" : "unavailable")
            if let principal, principal.role.allows(.readMetrics) {
                body.checks = report.checks.map {
                    CheckJSON(name: $0.name, ok: $0.ok, detail: $0.detail, checkedAt: $0.checkedAt.rfc3339)
                }
            } else {
                body.failingIssuers = report.failingIssuers
            }
            return try Response.json(body, status: report.ready ? .ok : .serviceUnavailable)
        }
    }
}
