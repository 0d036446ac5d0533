import ConnectorSupport
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

extension EdgeLimitTests {
    /// `trusted_proxies` with HAProxy (`send-proxy-v2`, connecting from 127.0.0.5) in front of the plain-HTTP listener: the
    /// per-IP OCSP limit counts the clients HAProxy saw (`::1`, `127.0.0.2`), not HAProxy; the
    /// trusted address without a header is closed; an untrusted peer is served as before.
    @Test func aTrustedProxysPROXYv2HeaderGivesTheClientAddress() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let config = try certctl.writeConfig(withLocalIssuerAnd: "trusted_proxies: [127.0.0.5/32]")
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(
            certctl, arguments: ["--config", config.path], environment: ["CERTCTL_OCSP_RATE_LIMIT_PER_IP_MIN": "3"]
        ) { server in
            let proxyPort = Certctl.freePort()
            let haproxyConfig = dir.appendingPathComponent("haproxy.cfg")
            try """
            defaults
              mode tcp
              timeout connect 5s
              timeout client 30s
              timeout server 30s
            frontend edge
              bind 127.0.0.1:\(proxyPort)
              bind [::1]:\(proxyPort)
              default_backend certctl
            backend certctl
              server certctl 127.0.0.1:\(server.pkiPort) send-proxy-v2 source 127.0.0.5

            """.write(to: haproxyConfig, atomically: true, encoding: .utf8)
            let log = dir.appendingPathComponent("haproxy.log")
            let haproxy = try ChildProcess(["haproxy", "-db", "-f", haproxyConfig.path], stdout: log, stderr: log)
            defer {
                haproxy.signal(SIGKILL)
                _ = haproxy.exitStatus
            }
            /// `curl` through HAProxy (or straight to certctl): the status and whether the OCSP
            /// answer was the rate limit's (`Retry-After`).
            func ocsp(_ host: String, port: Int, from source: String? = nil) async throws -> (status: String, limited: Bool) {
                let result = try await Command.run(
                    ["curl", "-s", "-D", "-", "-o", "/dev/null", "--max-time", "5"] + (source.map { ["--interface", $0] } ?? [])
                        + ["http://\(host):\(port)/.well-known/pki/ocsp/iss-local/01"])
                let status = result.stdout.split(separator: " ").dropFirst().first.map(String.init) ?? "none"
                return (status, result.stdout.lowercased().contains("retry-after"))
            }
            var ready = false
            for _ in 0..<50 where !ready {
                ready = try await ocsp("127.0.0.1", port: proxyPort, from: "127.0.0.3").status == "200"
                if !ready { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(ready, "HAProxy did not come up: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")
            // Three answers for ::1, then its limit; 127.0.0.2 behind the same HAProxy has its own.
            var answers: [Bool] = []
            for _ in 0..<4 { answers.append(try await ocsp("[::1]", port: proxyPort).limited) }
            #expect(answers == [false, false, false, true], "\(answers)")
            #expect(try await ocsp("127.0.0.1", port: proxyPort, from: "127.0.0.2").limited == false)
            // HAProxy's own address without a header: closed, counted.
            #expect(try await ocsp("127.0.0.1", port: server.pkiPort, from: "127.0.0.5").status == "none")
            // Any other peer is served as before (no header expected or read).
            #expect(try await ocsp("127.0.0.1", port: server.pkiPort, from: "127.0.0.4").status == "200")
            let counters = try await MetricsTests().counters(server, caFile: dir.appendingPathComponent("ca/iss-local.crt"))
            #expect(counters["connection.proxy_invalid"] ?? 0 >= 1, "\(counters)")
        }
    }
}
