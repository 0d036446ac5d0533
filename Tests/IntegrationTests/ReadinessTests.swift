import Foundation
import Testing

/// `/readyz` (SPEC §10): anonymous callers get the status and failing issuer ids only, keys that
/// may read metrics get every check; a flood runs the probes at most once per interval.
@Suite struct ReadinessTests {
    @Test func anonymousCallersGetTheStatusAndKeyHoldersTheChecks() async throws {
        let certctl = try Certctl()
        let client = try await certctl.run(["admin", "keys", "create", "--name", "tenant", "--role", "client"])
        let admin = try await certctl.run(["admin", "keys", "create", "--name", "ops", "--role", "admin"])
        #expect(client.status == 0 && admin.status == 0, "\(client.stderr)\(admin.stderr)")
        try await ServerProcess.with(certctl) { server in
            let anonymous = try await server.request("GET", "/readyz")
            #expect(anonymous.status == 200)
            let body = try anonymous.json()
            #expect(body["status"] as? String == "ready" && body["failing_issuers"] as? [String] == [] && body["checks"] == nil, "\(body)")
            // A client key is a tenant: the same view as anonymous.
            #expect(try await server.request("GET", "/readyz", key: client.lastLine).json()["checks"] == nil)
            let detailed = try await server.request("GET", "/readyz", key: admin.lastLine).json()
            let checks = detailed["checks"] as? [[String: Any]] ?? []
            #expect(checks.map { $0["name"] as? String ?? "" } == ["database", "issuer:iss-local"], "\(detailed)")
            #expect(checks.allSatisfy { $0["ok"] as? Bool == true && ($0["checked_at"] as? String ?? "").hasSuffix("Z") }, "\(detailed)")
            #expect(try await server.request("GET", "/readyz", key: "certctl_bogus_key").status == 401)
        }
    }

    /// 200 `/readyz` calls, 50 at a time, while a certificate is issued: the probes run at most once
    /// per two-second interval, everyone is answered, and issuance is not held up.
    @Test func aFloodRunsTheProbesAtMostOncePerInterval() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let before = try await MetricsTests().counters(server)
            async let flood = Self.flood(server, caFile: certctl.caFile)
            async let issued = server.issue("during-flood")
            let answered = try await flood
            #expect(answered.ok == 200, "\(answered.output)")
            // One run per started two-second interval (a slow machine spreads the flood over more).
            let allowed = Double(Int(answered.seconds / 2) + 2)
            #expect(try await issued["id"] != nil)
            let after = try await MetricsTests().counters(server)
            let runs = (after["health.probe_run"] ?? 0) - (before["health.probe_run"] ?? 0)
            let reused = (after["health.probe_reused"] ?? 0) - (before["health.probe_reused"] ?? 0)
            #expect(runs <= allowed && runs + reused >= 200, "runs \(runs), reused \(reused), \(answered.output)")
        }
    }

    /// 200 `GET /readyz` from Python threads, 50 at a time: how many answered 200, and how long it took.
    static func flood(_ server: ServerProcess, caFile: URL) async throws -> (ok: Int, seconds: Double, output: String) {
        let run = try await Python.inline(
            """
            import concurrent.futures, ssl, sys, time, urllib.error, urllib.request
            context = ssl.create_default_context(cafile=sys.argv[2])
            def ask(_):
                try:
                    return urllib.request.urlopen(sys.argv[1] + "/readyz", context=context, timeout=20).status
                except urllib.error.HTTPError as error:
                    return error.code
            started = time.monotonic()
            with concurrent.futures.ThreadPoolExecutor(50) as pool:
                statuses = list(pool.map(ask, range(200)))
            print(sum(1 for s in statuses if s == 200), time.monotonic() - started)
            """, [server.baseURL, caFile.path])
        let fields = run.stdout.split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return (Int(fields.first ?? "") ?? 0, Double(fields.last ?? "") ?? 0, run.stdout + run.stderr)
    }
}
