import Foundation
import Testing

/// The `acme` connector against Debian's Pebble: the host fronts a remote CA with its own API,
/// inventory, audit and revocation workflow, and publishes no CRL or OCSP for it.
@Suite(.serialized) struct ACMETests {
    /// Issue, fetch, revoke through the host; Pebble agrees it is revoked; CRL 404 and OCSP
    /// `unauthorized` for this issuer; the CRL scheduler leaves it alone. Pebble rejects a quarter
    /// of all nonces here, so the `badNonce` retry is exercised on nearly every call.
    @Test func issueFetchRevokeThroughTheHost() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let pebble = try await Pebble(in: dir, nonceRejectPercent: 25)
        defer { Task { await pebble.stop() } }
        let config = try pebble.writeConfig(for: certctl)
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)

        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try server.adminKey
            func get(_ path: String) async throws -> HTTPResult { try await server.request("GET", path, key: key, caFile: tls) }

            // Capabilities before the first issuance: no CRL, no OCSP, revocation forwarded; CA not known yet.
            let acme = try #require(try await issuers(get("/api/v1/issuers")).first { $0["id"] as? String == "iss-acme" })
            #expect(acme["type"] as? String == "acme")
            #expect(acme["capabilities"] as? [String: Bool] == ["crl": false, "ocsp": false, "revoke": true])
            #expect(acme["ca_certificate_pem"] is NSNull)
            #expect(try await get("/.well-known/pki/ca/iss-acme").status == 404)

            // Issue through the host: Pebble's chain, verified by openssl against Pebble's root.
            let csr = try await OpenSSL.makeCSR(
                in: dir, name: "leaf", subject: "/CN=app.example.test", san: "DNS:app.example.test,DNS:www.example.test")
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-acme", "csr_pem": csr], caFile: tls)
            #expect(issued.status == 201, "\(issued.text)")
            let object = try issued.json()
            let id = try #require(object["id"] as? String)
            let serial = try #require(object["serial"] as? String)
            #expect(object["issuer_id"] as? String == "iss-acme" && object["status"] as? String == "active")
            #expect(Set(object["sans"] as? [String] ?? []) == ["DNS:app.example.test", "DNS:www.example.test"])
            let root = dir.appendingPathComponent("pebble-root.pem")
            try await pebble.writeRoot(to: root)
            let chain = dir.appendingPathComponent("acme-chain.pem")
            try (object["chain_pem"] as? String ?? "").write(to: chain, atomically: true, encoding: .utf8)
            let verified = try await OpenSSL.verify(
                leafPEM: object["certificate_pem"] as? String ?? "", caFile: root, untrusted: chain, in: dir)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
            let fetched = try await get("/api/v1/certificates/\(id)")
            let fetchedSerial = try fetched.json()["serial"] as? String
            #expect(fetched.status == 200 && fetchedSerial == serial)
            let exported = try await get("/api/v1/certificates/\(id)/export/pem")
            #expect(exported.status == 200 && exported.text.components(separatedBy: "BEGIN CERTIFICATE").count == 3)

            // Now the host knows the issuing CA: Pebble's intermediate.
            let caPEM = try await get("/.well-known/pki/ca/iss-acme.pem")
            #expect(caPEM.status == 200 && (object["chain_pem"] as? String ?? "").hasPrefix(caPEM.text.trimmingCharacters(in: .newlines)))

            // No CRL and no OCSP from the host for a remote CA.
            let crl = try await get("/.well-known/pki/crl/iss-acme")
            #expect(crl.status == 404 && crl.contentType.hasPrefix("application/problem+json"))
            let leafFile = dir.appendingPathComponent("acme-leaf.pem")
            try (object["certificate_pem"] as? String ?? "").write(to: leafFile, atomically: true, encoding: .utf8)
            let intermediate = dir.appendingPathComponent("acme-ca.pem")
            try caPEM.text.write(to: intermediate, atomically: true, encoding: .utf8)
            let ocsp = try await Command.run([
                "openssl", "ocsp", "-issuer", intermediate.path, "-cert", leafFile.path, "-url",
                "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-acme", "-noverify",
            ])
            #expect((ocsp.stdout + ocsp.stderr).contains("unauthorized"), "\(ocsp.stdout)\(ocsp.stderr)")

            // Revoke through the host: forwarded to Pebble, recorded and audited by the host.
            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(id)/revoke", key: key, json: ["reason": "keyCompromise"], caFile: tls)
            #expect(revoked.status == 200, "\(revoked.text)")
            #expect(try revoked.json()["status"] as? String == "revoked")
            let upstream = try await pebble.certificateStatus(serial: serial)
            #expect(upstream["Status"] as? String == "Revoked", "\(upstream)")
            #expect(upstream["Reason"] as? Int == 1)
            let again = try await server.request(
                "POST", "/api/v1/certificates/\(id)/revoke", key: key, json: ["reason": "keyCompromise"], caFile: tls)
            #expect(again.status == 409)
            let audit = try await get("/api/v1/audit?limit=50").text
            #expect(audit.contains("cert_revoked") && audit.contains("certificate:\(id)"))

            // The CRL scheduler publishes only for signing issuers and logs nothing for iss-acme.
            let cache = try await get("/api/v1/admin/crl/cache").json()
            let rows = cache["cache_rows"] as? [[String: Any]] ?? []
            #expect(rows.map { $0["issuer_id"] as? String } == ["iss-local"])
            // (Any failure would be logged as "… CRL … failed" / "OCSP responder rotation failed" with issuer=iss-acme.)
            let crlLogLines = server.stderr.split(separator: "\n").filter { $0.contains("issuer=iss-acme") && $0.contains("failed") }
            #expect(crlLogLines.isEmpty, "\(crlLogLines)")
        }
    }

    /// Pebble really validates http-01: it fetches the key authorization from the host's plain-HTTP
    /// listener, which withdraws it afterwards.
    @Test func http01ChallengeIsSolvedByTheHostListener() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let pkiPort = Certctl.freePort()
        let pebble = try await Pebble(in: dir, httpPort: pkiPort, alwaysValid: false)
        defer { Task { await pebble.stop() } }
        let config = try pebble.writeConfig(for: certctl)
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], pkiPort: pkiPort) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let csr = try await OpenSSL.makeCSR(in: dir, name: "lh", subject: "/CN=localhost", san: "DNS:localhost")
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: try server.adminKey, json: ["issuer_id": "iss-acme", "csr_pem": csr], caFile: tls)
            #expect(issued.status == 201, "\(issued.text)")
            let log = pebble.log
            let prefix = "http://localhost:\(pkiPort)/.well-known/acme-challenge/"
            let line = try #require(log.split(separator: "\n").first { $0.contains("Attempting to validate w/ HTTP: \(prefix)") }, "\(log)")
            #expect(log.contains("set VALID by completed challenge"))
            // The answer is withdrawn once the authorization is decided.
            let token = String(line[line.range(of: prefix)!.upperBound...])
            let after = try await Command.run([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "\(server.pkiBaseURL)/.well-known/acme-challenge/\(token)",
            ])
            #expect(after.stdout == "404")
        }
    }

    /// dns-01, really validated: the operator's hook publishes `_acme-challenge.<name>` TXT in the
    /// DNS server Pebble resolves with (pebble-challtestsrv), Pebble checks it, the hook cleans up.
    @Test func dns01IsSolvedThroughTheOperatorHook() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let dnsLog = dir.appendingPathComponent("challtestsrv.log")
        let dns = try await ChallengeTestServer(logFile: dnsLog)
        let pebble = try await Pebble(in: dir, alwaysValid: false, dnsServer: dns.dnsAddress)
        defer { Task { await pebble.stop() } }
        let record = dir.appendingPathComponent("hook.log")
        let seen = dir.appendingPathComponent("hook-env.log")
        let hook = dir.appendingPathComponent("dns-hook.sh")
        let script = """
            #!/bin/sh
            set -eu
            echo "$1 $2 $3 $CERTCTL_ACME_RECORD_NAME" >> \(record.path)
            echo "secret=${AWS_SECRET_ACCESS_KEY:-unset} path=${PATH:+set}" >> \(seen.path)
            case "$1" in
              present) curl -fsS -X POST -d "{\\"host\\":\\"_acme-challenge.$2.\\",\\"value\\":\\"$3\\"}" \(dns.managementURL)/set-txt ;;
              cleanup) curl -fsS -X POST -d "{\\"host\\":\\"_acme-challenge.$2.\\"}" \(dns.managementURL)/clear-txt ;;
            esac

            """
        try script.write(to: hook, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
        let config = try pebble.writeConfig(for: certctl, acmeOptions: ["challenge": "dns-01", "dns_hook": hook.path])
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        // A secret in the host's environment that the hook must not see (only PATH, HOME, LANG, TZ pass).
        let hostSecret = ["AWS_SECRET_ACCESS_KEY": "host-secret-sentinel"]
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: hostSecret) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let csr = try await OpenSSL.makeCSR(in: dir, name: "dns", subject: "/CN=dns.example.test", san: "DNS:dns.example.test")
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: try server.adminKey, json: ["issuer_id": "iss-acme", "csr_pem": csr], caFile: tls)
            #expect(issued.status == 201, "\(issued.text)\n\(pebble.log)")
            // Pebble (not always-valid) looked the record up in the DNS server the hook wrote to.
            #expect(pebble.log.contains("Using custom DNS resolver") && pebble.log.contains("set VALID by completed challenge"))
            let published = try String(contentsOf: dnsLog, encoding: .utf8)
            #expect(published.contains("Added DNS-01 TXT challenge for Host \"_acme-challenge.dns.example.test.\""), "\(published)")
            let lines = try String(contentsOf: record, encoding: .utf8).split(separator: "\n").map {
                $0.split(separator: " ").map(String.init)
            }
            #expect(lines.count == 2, "\(lines)")
            #expect(lines.first?.prefix(2) == ["present", "dns.example.test"] && lines.last?.first == "cleanup")
            #expect(lines.first?.last == "_acme-challenge.dns.example.test")
            #expect(lines.first?[2].count == 43 && lines.first?[2] == lines.last?[2])  // base64url SHA-256
            let environment = try String(contentsOf: seen, encoding: .utf8)
            #expect(environment.contains("secret=unset path=set") && !environment.contains("sentinel"), "\(environment)")

            // A hook that fails refuses the order naming the hook and its exit; its stderr (which may
            // echo credentials) goes to the server log only. Nothing changes.
            try "#!/bin/sh\necho 'zone example.test is read-only' >&2\nexit 3\n".write(to: hook, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: hook.path)
            let csr2 = try await OpenSSL.makeCSR(in: dir, name: "dns2", subject: "/CN=other.example.test", san: "DNS:other.example.test")
            let refused = try await server.request(
                "POST", "/api/v1/certificates", key: try server.adminKey, json: ["issuer_id": "iss-acme", "csr_pem": csr2], caFile: tls)
            #expect(refused.status == 422 && refused.text.contains("exited with status 3"), "\(refused.text)")
            #expect(!refused.text.contains("read-only") && server.stderr.contains("zone example.test is read-only"), "\(refused.text)")
            let listed = try await server.request("GET", "/api/v1/certificates?issuer_id=iss-acme", key: try server.adminKey, caFile: tls)
            #expect((try listed.json()["certificates"] as? [Any])?.count == 1)
        }
    }

    /// Pebble stopped mid-run: the ACME issuer fails fast with a clear 503 naming it, its breaker
    /// opens (readyz names it), local issuance is unaffected, and issuance recovers when Pebble is
    /// back — a new Pebble that forgot the account, which is registered again.
    @Test func unreachableCAFailsItsOwnRequestsAndRecovers() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let pebble = try await Pebble(in: dir)
        defer { Task { await pebble.stop() } }
        let config = try pebble.writeConfig(for: certctl, acmeOptions: ["circuit_breaker_failures": "2", "circuit_breaker_open": "2s"])
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try server.adminKey
            func issue(_ issuer: String, _ name: String) async throws -> HTTPResult {
                let csr = try await OpenSSL.makeCSR(
                    in: dir, name: name, subject: "/CN=\(name).example.test", san: "DNS:\(name).example.test")
                return try await server.request(
                    "POST", "/api/v1/certificates", key: key, json: ["issuer_id": issuer, "csr_pem": csr], caFile: tls)
            }
            #expect(try await issue("iss-acme", "before").status == 201)

            await pebble.stop()
            let started = ContinuousClock.now
            let down = try await issue("iss-acme", "down1")
            #expect(ContinuousClock.now - started < .seconds(30))
            #expect(down.status == 503 && down.contentType.hasPrefix("application/problem+json"), "\(down.text)")
            let detail = try down.json()["detail"] as? String ?? ""
            #expect(detail.contains("iss-acme") && detail.contains("127.0.0.1:\(pebble.port)"), "\(detail)")
            #expect(try await issue("iss-acme", "down2").status == 503)
            // Breaker open: refused at once, readyz names the issuer, the local issuer still works.
            let fast = ContinuousClock.now
            let refused = try await issue("iss-acme", "down3")
            #expect(
                refused.status == 503 && ContinuousClock.now - fast < .seconds(2) && refused.text.contains("failing"), "\(refused.text)")
            let ready = try await server.unreadyAnswer(caFile: tls)
            #expect(ready.status == 503 && ready.text.contains("iss-acme"), "\(ready.text)")
            #expect(try await issue("iss-local", "local").status == 201)

            try await pebble.start()
            try await Task.sleep(for: .seconds(2.2))
            let recovered = try await issue("iss-acme", "after")
            #expect(recovered.status == 201, "\(recovered.text)")
            #expect(try await server.readyStatus(caFile: tls) == 200)
        }
    }

    private func issuers(_ result: HTTPResult) throws -> [[String: Any]] {
        try result.json()["issuers"] as? [[String: Any]] ?? []
    }
}
