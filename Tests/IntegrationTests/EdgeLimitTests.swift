import Foundation
import Testing

/// The listener limits (SPEC §10) against a client that misbehaves on purpose
/// (`Python/edge_limits.py`, raw sockets): connections that never handshake, never send a head,
/// trickle one, or sit idle are closed on time; connections over the cap are closed at once while
/// a normal client still gets in; heads over the size limit are refused. Each closing is counted.
@Suite struct EdgeLimitTests {
    @Test func misbehavingConnectionsAreClosedOnTime() async throws {
        let certctl = try Certctl()
        let environment = [
            "CERTCTL_TLS_HANDSHAKE_TIMEOUT": "1s", "CERTCTL_REQUEST_HEAD_TIMEOUT": "1s", "CERTCTL_IDLE_TIMEOUT": "2s",
            "CERTCTL_MAX_CONNECTIONS": "20", "CERTCTL_MAX_HEADER_SIZE": "2KiB",
        ]
        try await ServerProcess.with(certctl, environment: environment) { server in
            let run = try await Python.run(
                "edge_limits.py", ["\(server.port)", "\(server.pkiPort)", certctl.caFile.path, "20"])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            var cases: [String: [String: Any]] = [:]
            for line in run.stdout.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                cases[object["case"] as? String ?? ""] = object
            }
            func seconds(_ name: String, _ key: String = "closed_after") -> Double { cases[name]?[key] as? Double ?? -1 }
            // Closed by the limit: not before it (0.8 s of slack for timer granularity), and well before a test timeout.
            for (name, key, limit) in [
                ("handshake_never_started", "closed_after", 1.0), ("tls_no_request", "closed_after", 1.0),
                ("slowloris", "closed_after", 1.0), ("keep_alive", "idle_closed_after", 2.0),
                ("ocsp_keep_alive", "idle_closed_after", 2.0),
            ] {
                #expect(seconds(name, key) >= limit - 0.2 && seconds(name, key) < limit + 3, "\(name): \(cases[name] ?? [:])")
            }
            #expect(cases["slowloris"]?["normal_meanwhile"] as? Int == 200, "\(cases["slowloris"] ?? [:])")
            // A request every 0.5 s keeps a connection whose idle limit is 2 s for 4 s.
            #expect(cases["keep_alive"]?["answers"] as? Int == 8, "\(cases["keep_alive"] ?? [:])")
            #expect(cases["ocsp_keep_alive"]?["status"] as? Int == 200, "\(cases["ocsp_keep_alive"] ?? [:])")
            // Over the cap: closed at once; a normal client gets in once places are free.
            let over = cases["over_the_cap"] ?? [:]
            #expect((over["closed_after"] as? Double ?? 9) < 0.5 && over["normal_after_release"] as? Int == 200, "\(over)")
            let headers = cases["headers"] ?? [:]
            #expect(headers["small"] as? Int == 200, "\(headers)")
            #expect(headers["large"] as? Int == 431 && headers["large_ocsp"] as? Int == 431, "\(headers)")

            let counters = try await MetricsTests().counters(server)
            #expect(counters["connection.refused"] ?? 0 >= 1, "\(counters)")
            #expect(counters["connection.handshake_timeout"] ?? 0 >= 1, "\(counters)")
            #expect(counters["connection.head_timeout"] ?? 0 >= 2, "\(counters)")
            #expect(counters["connection.idle_timeout"] ?? 0 >= 2, "\(counters)")
        }
    }
}
