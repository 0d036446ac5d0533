import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Two `certctl serve` processes on one PostgreSQL database with the same config, CA key files and
/// data directory — as two machines mounting the same secrets would.
@Suite(.serialized, .enabled(if: PostgresCluster.available, PostgresCluster.skipReason)) struct MultiInstanceTests {
    static func crlNumber(_ server: ServerProcess, _ dir: URL) async throws -> (number: Int, text: String) {
        let crl = try await server.request(
            "GET", "/.well-known/pki/crl/iss-local", caFile: dir.appendingPathComponent("data/tls/server.crt"))
        let file = dir.appendingPathComponent("crl-\(UUID().uuidString.prefix(6)).der")
        try crl.body.write(to: file)
        let text = try await Command.check(["openssl", "crl", "-inform", "DER", "-in", file.path, "-noout", "-text", "-crlnumber"])
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("crlNumber=") }),
            let number = Int(line.dropFirst("crlNumber=0x".count), radix: 16)
        else { throw TestFailure("no CRL number in \(text)") }
        return (number, text)
    }

    /// Whether `server`'s CRL lists `serial` within `window` from now, checked every 50 ms.
    static func lists(_ server: ServerProcess, _ dir: URL, serial: String, within window: Duration) async throws -> Bool {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < window {
            if try await crlNumber(server, dir).text.uppercased().contains(serial.uppercased()) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// A first start bootstraps the shared data directory; `prepare` runs after it; then A and B
    /// start together.
    static func twoInstances(
        _ certctl: Certctl, environment: [String: String], prepare: () async throws -> Void = {}
    ) async throws -> (ServerProcess, ServerProcess) {
        await (try await ServerProcess(certctl, environment: environment)).stop()
        try await prepare()
        async let startA = ServerProcess(certctl, environment: environment)
        async let startB = ServerProcess(certctl, environment: environment)
        return try await (startA, startB)
    }

    @Test func twoInstancesShareRevocationStateAndSchedulerWork() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let database = try await PostgresCluster.freshDatabase()
        let env = ["CERTCTL_DATABASE_URL": database, "CERTCTL_CRL_GENERATION_INTERVAL": "4s"]
        // No OCSP responder exists when they start, so both need one at the same moment.
        let (a, b) = try await Self.twoInstances(certctl, environment: env) {
            try await Command.check(["psql", database, "-Atqc", "DELETE FROM ocsp_responders"])
            try? FileManager.default.removeItem(at: certctl.dataDirectory.appendingPathComponent("ocsp-keys"))
        }
        defer { Task { _ = await (a.stop(), b.stop()) } }
        let tls = dir.appendingPathComponent("data/tls/server.crt")
        let key = try a.adminKey

        // Issued through A; B answers it (from memory after the first request); revoked through A:
        // B's very next OCSP answer says revoked, and its CRL within a second.
        let issued = try await a.issue("shared")
        let serial = try #require(issued["serial"] as? String)
        let ocspOnB = [
            "openssl", "ocsp", "-issuer", certctl.caFile.path, "-cert", dir.appendingPathComponent("shared.crt").path, "-url",
            "\(b.pkiBaseURL)/.well-known/pki/ocsp/iss-local", "-CAfile", certctl.caFile.path,
        ]
        let hitsBefore = try await MetricsTests().counters(b, caFile: tls)["ocsp.memory_hit"] ?? 0
        for _ in 0..<3 {
            #expect(try await Command.run(ocspOnB).stdout.contains("shared.crt: good"))
            #expect(try await Command.run(ocspOnB + ["-no_nonce"]).stdout.contains("shared.crt: good"))
        }
        #expect(try await MetricsTests().counters(b, caFile: tls)["ocsp.memory_hit"] ?? 0 > hitsBefore)
        let revoked = try await a.request(
            "POST", "/api/v1/certificates/\(issued["id"] as? String ?? "")/revoke", key: key, json: ["reason": "keyCompromise"], caFile: tls
        )
        #expect(revoked.status == 200)
        // B's CRL is polled from the revocation on, alongside B's OCSP answers (not after them: on
        // a loaded machine the two `openssl ocsp` runs alone can take most of the second).
        async let onB = Self.lists(b, dir, serial: serial, within: .seconds(1))
        for nonce in [true, false] {
            let ocsp = try await Command.run(ocspOnB + (nonce ? [] : ["-no_nonce"]))
            #expect(ocsp.stdout.contains("shared.crt: revoked"), "\(ocsp.stdout)\(ocsp.stderr)")
        }
        #expect(try await onB, "B's CRL did not list the serial revoked through A within 1 s")

        // One responder certificate per issuer, not one per instance.
        let responders = try await Command.check([
            "psql", database, "-Atqc", "SELECT count(*) FROM ocsp_responders WHERE issuer_id = 'iss-local'",
        ])
        #expect(responders.trimmingCharacters(in: .whitespacesAndNewlines) == "1")

        // Concurrent issuance through both: no lost rows, no duplicate serials.
        let countSQL =
            "SELECT count(*), count(DISTINCT serial) FROM certificates; SELECT count(*) FROM audit_events WHERE action = 'cert_issued'"
        let initial = try await Command.check(["psql", database, "-Atqc", countSQL]).split(separator: "\n")
        let rowsBefore = try #require(Int(initial.first?.split(separator: "|").first ?? ""))
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for n in 0..<16 {
                group.addTask {
                    try await (n % 2 == 0 ? a : b).request(
                        "POST", "/api/v1/certificates", key: key,
                        json: [
                            "issuer_id": "iss-local",
                            "csr_pem": try String(contentsOf: dir.appendingPathComponent("shared.csr"), encoding: .utf8),
                        ],
                        caFile: tls
                    ).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0 == 201 }, "\(results)")
        let counts = try await Command.check(["psql", database, "-Atqc", countSQL])
        let expected = rowsBefore + 16
        #expect(counts.split(separator: "\n") == ["\(expected)|\(expected)", "\(expected)"], "\(counts)")

        // A killed with issuances in flight: every certificate row has its audit row and vice versa.
        let csr = try String(contentsOf: dir.appendingPathComponent("shared.csr"), encoding: .utf8)
        let before = try await Self.crlNumber(b, dir).number
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<24 {
                group.addTask {
                    _ = try? await a.request(
                        "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-local", "csr_pem": csr], caFile: tls)
                }
            }
            try await Task.sleep(for: .milliseconds(150))
            kill(a.pid, SIGKILL)
            try await group.waitForAll()
        }
        let orphans = try await Command.check([
            "psql", database, "-Atqc",
            """
            SELECT (SELECT count(*) FROM certificates c WHERE NOT EXISTS
                       (SELECT 1 FROM audit_events e WHERE e.target = 'certificate:' || c.id AND e.action = 'cert_issued')),
                   (SELECT count(*) FROM audit_events e WHERE e.action = 'cert_issued' AND NOT EXISTS
                       (SELECT 1 FROM certificates c WHERE e.target = 'certificate:' || c.id))
            """,
        ])
        #expect(orphans.trimmingCharacters(in: .whitespacesAndNewlines) == "0|0", "\(orphans)")

        // CRL numbers only go up, whichever instance signs; with A killed, B keeps the schedule.
        try await Task.sleep(for: .seconds(6))
        let after = try await Self.crlNumber(b, dir).number
        #expect(after > before, "B did not take over CRL generation: \(before) → \(after)")
        // Every signed CRL got its own number (the served one only ever moves up, checked above).
        let numbers = try await Command.check(["psql", database, "-Atqc", "SELECT crl_number FROM crl_events WHERE succeeded"])
        let signed = numbers.split(separator: "\n").compactMap { Int($0) }
        #expect(signed.count >= 3 && Set(signed).count == signed.count, "\(signed)")
    }

    /// B answers from memory under its lease. A revocation through A returns once B acknowledged
    /// it — at once while B runs, after B's lease ran out while B is frozen (SIGSTOP) — and B,
    /// thawed, answers `revoked` on its very next request either way.
    @Test func revocationsWaitForLeaseHoldersAndNoLongerThanALease() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let database = try await PostgresCluster.freshDatabase()
        let (a, b) = try await Self.twoInstances(certctl, environment: ["CERTCTL_DATABASE_URL": database])
        defer { Task { _ = await (a.stop(), b.stop()) } }
        let tls = dir.appendingPathComponent("data/tls/server.crt")
        let key = try a.adminKey

        for (name, frozen) in [("running", false), ("frozen", true)] {
            let issued = try await a.issue(name)
            let ocspOnB = [
                "openssl", "ocsp", "-issuer", certctl.caFile.path, "-cert", dir.appendingPathComponent("\(name).crt").path, "-url",
                "\(b.pkiBaseURL)/.well-known/pki/ocsp/iss-local", "-CAfile", certctl.caFile.path,
            ]
            // Asked repeatedly, B takes a lease and answers from memory without reading the counter.
            let before = try await MetricsTests().counters(b, caFile: tls)
            for _ in 0..<3 {
                #expect(try await Command.run(ocspOnB).stdout.contains("\(name).crt: good"))
                #expect(try await Command.run(ocspOnB + ["-no_nonce"]).stdout.contains("\(name).crt: good"))
            }
            let after = try await MetricsTests().counters(b, caFile: tls)
            #expect(after["ocsp.memory_hit"] ?? 0 > before["ocsp.memory_hit"] ?? 0)
            #expect(after["ocsp.memory_lease_taken"] ?? 0 >= 1)
            let leases = try await Command.check([
                "psql", database, "-Atqc", "SELECT count(*) FROM ocsp_leases WHERE lease_until > now()",
            ])
            #expect(leases.trimmingCharacters(in: .whitespacesAndNewlines) != "0")

            if frozen { kill(b.pid, SIGSTOP) }
            let started = ContinuousClock.now
            let revoked = try await a.request(
                "POST", "/api/v1/certificates/\(issued["id"] as? String ?? "")/revoke", key: key, json: ["reason": "keyCompromise"],
                caFile: tls)
            let took = ContinuousClock.now - started
            if frozen { kill(b.pid, SIGCONT) }
            #expect(revoked.status == 200)
            if frozen {
                // B renewed at most half a second before it froze: its lease held for over a second more.
                #expect(took > .milliseconds(500) && took < .seconds(4), "waited \(took) for a frozen lease holder")
            } else {
                #expect(took < .seconds(1), "waited \(took) for a running lease holder")
            }
            for nonce in [true, false] {
                let ocsp = try await Command.run(ocspOnB + (nonce ? [] : ["-no_nonce"]))
                #expect(ocsp.stdout.contains("\(name).crt: revoked"), "\(name): \(ocsp.stdout)\(ocsp.stderr)")
            }
        }
    }

    /// One ACME client alternating between two instances on one database (same Host header, as
    /// behind a load balancer): a nonce from one is good at the other, and an account, order,
    /// challenge and finalize spread over both complete.
    @Test func anACMEOrderSpreadOverTwoInstances() async throws {
        let certctl = try Certctl()
        let database = try await PostgresCluster.freshDatabase()
        let config = try certctl.writeConfig(
            withLocalIssuerAnd: """
                profiles:
                  - id: web
                    issuers: [iss-local]
                    names:
                      dns: ["*.example.test"]
                    acme:
                      enabled: true
                      challenges: [http-01]
                """)
        #expect(
            try await certctl.run(
                ["ca", "init", "--config", config.path, "--issuer", "iss-local"], environment: ["CERTCTL_DATABASE_URL": database]
            ).status == 0)
        let http01 = Certctl.freePort()
        let dns = try await ChallengeTestServer(logFile: certctl.directory.appendingPathComponent("challtestsrv.log"))
        let env = [
            "CERTCTL_DATABASE_URL": database, "CERTCTL_CONFIG": config.path, "CERTCTL_ACME_HTTP01_PORT": "\(http01)",
            "CERTCTL_ACME_DNS_RESOLVER": dns.dnsAddress,
        ]
        let (a, b) = try await Self.twoInstances(certctl, environment: env)
        defer { Task { _ = await (a.stop(), b.stop()) } }
        let run = try await Python.run(
            "acme_two_instances.py",
            ["\(a.port)", "\(b.port)", certctl.directory.appendingPathComponent("ca/iss-local.crt").path, "\(http01)"])
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        var steps: [String: [String: Any]] = [:]
        for line in run.stdout.split(separator: "\n") {
            if let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
                steps[object["step"] as? String ?? ""] = object
            }
        }
        #expect(steps["new_account"]?["status"] as? Int == 201, "\(run.stdout)")
        #expect(steps["challenge"]?["body_status"] as? String == "valid", "\(run.stdout)")
        #expect(steps["finalize"]?["body_status"] as? String == "valid", "\(run.stdout)")
        #expect(steps["certificate"]?["pem"] as? Bool == true, "\(run.stdout)")
        #expect((steps["certificate"]?["instances"] as? [Int])?.count == 2, "both instances answered: \(run.stdout)")
    }
}
