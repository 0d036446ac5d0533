import ConnectorAPI
import Foundation
import Hummingbird
import Logging

/// `GET /healthz` (the process answers) and `GET /readyz` (database reachable, issuers loaded).
struct HealthController {
    let storage: any HostStorage
    let issuers: IssuerDirectory

    func register(on router: Router<HostRequestContext>) {
        router.get("healthz") { _, _ in try Response.json(["status": "ok"]) }
        router.get("readyz") { _, context in
            do {
                try await storage.ping()
            } catch {
                context.logger.warning("readiness: database unreachable", metadata: ["error": "\(error)"])
                throw HostError(.unavailable, "database unreachable")
            }
            guard !issuers.issuers.isEmpty else { throw HostError(.unavailable, "no issuers loaded") }
            var problems: [String] = []
            for issuer in issuers.all {
                if let problem = issuer.caProblem(now: Date()) {
                    problems.append(ConnectorError.naming(issuer: issuer.id, problem))
                } else if let health = issuer.connector as? any HealthReportingConnector, let problem = await health.healthProblem() {
                    problems.append(ConnectorError.naming(issuer: issuer.id, problem))
                }
            }
            guard problems.isEmpty else { throw HostError(.unavailable, problems.joined(separator: "; ")) }
            return try Response.json(["status": "ready"])
        }
    }
}
