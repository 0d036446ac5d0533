import Foundation
import Hummingbird

/// `GET /api/v1/admin/crl/cache` (admin): per-issuer CRL cache state and recent generations.
struct AdminCRLController {
    let crl: CRLService
    let storage: any CRLStore
    let auth: Authenticator
    let settings: RevocationSettings

    struct Row: Encodable {
        struct Event: Encodable {
            var startedAt: String
            var durationMs: Int64
            var succeeded: Bool
            var crlNumber: Int64?
            var revokedCount: Int?
            enum CodingKeys: String, CodingKey {
                case succeeded
                case startedAt = "started_at"
                case durationMs = "duration_ms"
                case crlNumber = "crl_number"
                case revokedCount = "revoked_count"
            }
        }
        var issuerID: String
        var cachePresent: Bool
        var crlNumber: Int64?
        var thisUpdate: String?
        var nextUpdate: String?
        var generatedAt: String?
        var generationDurationMs: Int64?
        var revokedCount: Int?
        var isStale: Bool
        var recentEvents: [Event]

        enum CodingKeys: String, CodingKey {
            case issuerID = "issuer_id"
            case cachePresent = "cache_present"
            case crlNumber = "crl_number"
            case thisUpdate = "this_update"
            case nextUpdate = "next_update"
            case generatedAt = "generated_at"
            case generationDurationMs = "generation_duration_ms"
            case revokedCount = "revoked_count"
            case isStale = "is_stale"
            case recentEvents = "recent_events"
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(issuerID, forKey: .issuerID)
            try c.encode(cachePresent, forKey: .cachePresent)
            try c.encode(crlNumber, forKey: .crlNumber)
            try c.encode(thisUpdate, forKey: .thisUpdate)
            try c.encode(nextUpdate, forKey: .nextUpdate)
            try c.encode(generatedAt, forKey: .generatedAt)
            try c.encode(generationDurationMs, forKey: .generationDurationMs)
            try c.encode(revokedCount, forKey: .revokedCount)
            try c.encode(isStale, forKey: .isStale)
            try c.encode(recentEvents, forKey: .recentEvents)
        }
    }

    struct Body: Encodable {
        var cacheRows: [Row]
        var rowCount: Int
        var generatedAt: String
        enum CodingKeys: String, CodingKey {
            case cacheRows = "cache_rows"
            case rowCount = "row_count"
            case generatedAt = "generated_at"
        }
    }

    func register(on router: Router<HostRequestContext>) {
        router.get("api/v1/admin/crl/cache") { request, _ in
            _ = try await auth.principal(request, needs: .readCRLCache)
            let now = Date()
            var rows: [Row] = []
            for issuer in crl.publishingIssuers {
                let stored = try await storage.latestCRL(issuerID: issuer.id)
                let events = try await storage.crlEvents(issuerID: issuer.id, limit: 10).map {
                    Row.Event(
                        startedAt: $0.startedAt.rfc3339, durationMs: $0.durationMs, succeeded: $0.succeeded, crlNumber: $0.crlNumber,
                        revokedCount: $0.revokedCount
                    )
                }
                rows.append(
                    Row(
                        issuerID: issuer.id, cachePresent: stored != nil, crlNumber: stored?.number, thisUpdate: stored?.thisUpdate.rfc3339,
                        nextUpdate: stored?.nextUpdate.rfc3339, generatedAt: stored?.generatedAt.rfc3339,
                        generationDurationMs: stored?.generationDurationMs, revokedCount: stored?.revokedCount,
                        isStale: Self.isStale(stored, now: now, interval: settings.crlGenerationInterval), recentEvents: events
                    )
                )
            }
            return try Response.json(Body(cacheRows: rows, rowCount: rows.count, generatedAt: now.rfc3339))
        }
    }

    /// Stale: missing, past nextUpdate, or older than two generation intervals (the scheduler is behind).
    static func isStale(_ crl: StoredCRL?, now: Date, interval: Int64) -> Bool {
        guard let crl else { return true }
        return crl.nextUpdate <= now || now.timeIntervalSince(crl.thisUpdate) > TimeInterval(2 * interval)
    }
}
