import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Who may get what (SPEC §7), against the running server with openssl-made CSRs: profiles, roles,
/// ownership, the key API, the issuance limit, reload, `policy check`, `ca init --profile` and the
/// check of what a passthrough CA returns.
@Suite struct PolicyTests {
    static let profiles = """
        profiles:
          - id: team-a
            issuers: [iss-local]
            key_types: [ecdsa-p256]
            default_validity: 10d
            max_validity: 30d
            names:
              dns: ["*.a.example.test"]
              dns_deny: ["admin.a.example.test"]
              ip: ["10.1.0.0/16"]
          - id: team-b
            issuers: [iss-b]
            ext_key_usage: [clientAuth]
            names:
              dns: ["*.b.example.test"]
              email: ["b.example.test"]
              allow_wildcards: true
        """

    /// Two file CAs and the two profiles; `extraIssuers`/`extraProfiles` are appended.
    static func setUp(_ certctl: Certctl, extraIssuers: String = "", extraProfiles: String = "") async throws -> URL {
        let config = certctl.directory.appendingPathComponent("certctl.yaml")
        try """
        issuers:
          - id: iss-local
            type: local
            key_file: ca/iss-local.key
            cert_file: ca/iss-local.crt
          - id: iss-b
            type: local
            key_file: ca/iss-b.key
            cert_file: ca/iss-b.crt
        \(extraIssuers)
        \(profiles)
        \(extraProfiles)

        """.write(to: config, atomically: true, encoding: .utf8)
        for issuer in ["iss-local", "iss-b"] {
            let initialized = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", issuer])
            #expect(initialized.status == 0, "\(initialized.stderr)")
        }
        return config
    }

    /// The server's TLS certificate (self-signed once issuers are configured).
    static func tls(_ certctl: Certctl) -> URL { certctl.dataDirectory.appendingPathComponent("tls/server.crt") }

    struct Client {
        let server: ServerProcess
        let key: String
        let tls: URL

        func call(_ method: String, _ path: String, json: Any? = nil) async throws -> HTTPResult {
            try await server.request(method, path, key: key, json: json, caFile: tls)
        }

        /// Issues from an openssl CSR made with `subject`, `san` and `keyAlgorithm`.
        func issue(
            _ name: String, san: String?, subject: String = "/", profile: String? = nil, issuer: String? = nil, days: Int? = nil,
            keyAlgorithm: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"]
        ) async throws -> HTTPResult {
            let csr = try await OpenSSL.makeCSR(
                in: server.certctl.directory, name: "\(name)-\(UUID().uuidString.prefix(6))", keyAlgorithm: keyAlgorithm, subject: subject,
                san: san)
            var body: [String: Any] = ["csr_pem": csr]
            if let profile { body["profile"] = profile }
            if let issuer { body["issuer_id"] = issuer }
            if let days { body["validity_days"] = days }
            return try await call("POST", "/api/v1/certificates", json: body)
        }
    }

    /// Creates a key over the key API; returns (id, token).
    static func createKey(_ admin: Client, name: String, role: String, profiles: [String] = [], expiresAt: String? = nil) async throws
        -> (id: String, token: String)
    {
        var body: [String: Any] = ["name": name, "role": role, "profiles": profiles]
        if let expiresAt { body["expires_at"] = expiresAt }
        let created = try await admin.call("POST", "/api/v1/admin/keys", json: body)
        guard created.status == 201 else { throw TestFailure("create key \(name): \(created.status) \(created.text)") }
        let object = try created.json()
        return (object["id"] as? String ?? "", object["key"] as? String ?? "")
    }

    @Test func refusalsAreClearChangeNothingAndAreAuditedAndCounted() async throws {
        let certctl = try Certctl()
        let config = try await Self.setUp(certctl)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = Self.tls(certctl)
            let admin = Client(server: server, key: try server.adminKey, tls: tls)
            let teamA = Client(
                server: server, key: try await Self.createKey(admin, name: "a", role: "client", profiles: ["team-a"]).token, tls: tls)

            let ok = try await teamA.issue("ok", san: "DNS:App.A.Example.Test,IP:10.1.2.3", subject: "/CN=app.a.example.test", days: 7)
            #expect(ok.status == 201, "\(ok.text)")
            let certificate = try ok.json()
            #expect(certificate["profile"] as? String == "team-a")
            #expect((certificate["requested_by"] as? String)?.hasPrefix("apikey:") == true)
            #expect(certificate["sans"] as? [String] == ["DNS:app.a.example.test", "IP:10.1.2.3"])
            let text = try await OpenSSL.x509(certificate["certificate_pem"] as? String ?? "", ["-text"], in: certctl.directory)
            #expect(text.contains("TLS Web Server Authentication") && !text.contains("Client Authentication"), "\(text)")
            #expect(text.contains("Digital Signature") && !text.contains("Key Encipherment"))

            let before = try await admin.call("GET", "/api/v1/certificates?limit=100").json()["certificates"] as? [Any]
            let p384 = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"]
            let upn = "otherName:1.3.6.1.4.1.311.20.2.3;UTF8:administrator@corp"
            let cases: [(String, String?, String, String?, String?, Int?, [String]?, Int, String)] = [
                ("outside", "DNS:evil.example.test", "/", nil, nil, nil, nil, 403, "evil.example.test: not allowed by profile team-a"),
                (
                    "denied", "DNS:admin.a.example.test", "/", nil, nil, nil, nil, 403,
                    "admin.a.example.test: denied by admin.a.example.test"
                ),
                (
                    "wildcard", "DNS:*.x.a.example.test", "/", nil, nil, nil, nil, 403,
                    "*.x.a.example.test: profile team-a does not allow wildcard"
                ),
                ("upn", "DNS:u.a.example.test,\(upn)", "/", nil, nil, nil, nil, 403, "otherName UPN: SAN type not allowed"),
                ("ip", "IP:192.168.1.1", "/", nil, nil, nil, nil, 403, "192.168.1.1: not allowed by profile team-a"),
                ("ulabel", "DNS:bücher.a.example.test", "/", nil, nil, nil, nil, 400, "U-label"),
                (
                    "cn", "DNS:c.a.example.test", "/CN=other.a.example.test", nil, nil, nil, nil, 403,
                    "CN=other.a.example.test: the CN must also be one of the SANs"
                ),
                ("email", "email:x@a.example.test", "/", nil, nil, nil, nil, 403, "profile team-a allows no email addresses"),
                (
                    "subject", "DNS:s.a.example.test", "/O=Evil/CN=s.a.example.test", nil, nil, nil, nil, 403,
                    "O=Evil: profile team-a does not allow this subject attribute"
                ),
                ("p384", "DNS:k.a.example.test", "/", nil, nil, nil, p384, 422, "ecdsa-p384: profile team-a allows ecdsa-p256"),
                ("days", "DNS:d.a.example.test", "/", nil, nil, 31, nil, 422, "validity_days 31: over the maximum of 30 days"),
                ("profile", "DNS:p.b.example.test", "/", "team-b", nil, nil, nil, 403, "team-b: this key may not use profile team-b"),
                (
                    "issuer", "DNS:i.a.example.test", "/", "team-a", "iss-b", nil, nil, 403,
                    "iss-b: profile team-a does not include this issuer"
                ),
                ("unknown", "DNS:n.a.example.test", "/", "nope", nil, nil, nil, 422, "nope: no such profile"),
            ]
            for (name, san, subject, profile, issuer, days, algorithm, status, detail) in cases {
                let refused = try await teamA.issue(
                    name, san: san, subject: subject, profile: profile, issuer: issuer, days: days,
                    keyAlgorithm: algorithm ?? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"])
                #expect(refused.status == status, "\(name): \(refused.text)")
                #expect(refused.contentType == "application/problem+json", "\(name)")
                #expect((try refused.json()["detail"] as? String)?.contains(detail) == true, "\(name): \(refused.text)")
            }
            // A control character, sent as a raw CSR openssl builds from a config file.
            let control = certctl.directory.appendingPathComponent("control.cnf")
            try "[r]\ndistinguished_name=dn\nreq_extensions=e\n[dn]\n[e]\nsubjectAltName=DNS:a\u{1}b.a.example.test\n".write(
                to: control, atomically: true, encoding: .utf8)
            let controlCSR = certctl.directory.appendingPathComponent("control.csr")
            try await Command.check([
                "openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                certctl.directory.appendingPathComponent("control.key").path, "-subj", "/", "-config", control.path, "-section", "r",
                "-out", controlCSR.path,
            ])
            let refused = try await teamA.call(
                "POST", "/api/v1/certificates", json: ["csr_pem": try String(contentsOf: controlCSR, encoding: .utf8)])
            #expect(refused.status == 400 && refused.text.contains("control character"), "\(refused.text)")

            let after = try await admin.call("GET", "/api/v1/certificates?limit=100").json()["certificates"] as? [Any]
            #expect(after?.count == before?.count, "no refusal wrote a certificate row")
            let audit = try await admin.call("GET", "/api/v1/audit?limit=100").json()["events"] as? [[String: Any]] ?? []
            let denied = audit.filter { $0["action"] as? String == "cert_issue_denied" }.compactMap { $0["detail"] as? [String: String] }
            #expect(denied.count == cases.count + 1)
            let outside = denied.first { $0["rule"] == "dns_not_allowed" }
            #expect(outside?["profile"] == "team-a" && outside?["value"] == "evil.example.test", "\(denied)")
            let metrics = try await admin.call("GET", "/api/v1/metrics/prometheus").text
            #expect(metrics.contains("certctl_policy_counter_total{label=\"dns_not_allowed\"} 1"), "\(metrics)")
            #expect(metrics.contains("certctl_policy_counter_total{label=\"san_type\"} 1"))
            #expect(metrics.contains("certctl_policy_counter_total{label=\"name_constraints\"} 0"))
        }
    }

    @Test func rolesScopesExpiryAndTheKeyAPI() async throws {
        let certctl = try Certctl()
        let config = try await Self.setUp(certctl)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = Self.tls(certctl)
            let admin = Client(server: server, key: try server.adminKey, tls: tls)
            let a1 = try await Self.createKey(admin, name: "a1", role: "client", profiles: ["team-a"])
            let a2 = Client(
                server: server, key: try await Self.createKey(admin, name: "a2", role: "client", profiles: ["team-a"]).token, tls: tls)
            let operatorB = Client(
                server: server, key: try await Self.createKey(admin, name: "ob", role: "operator", profiles: ["team-b"]).token, tls: tls)
            let auditor = Client(server: server, key: try await Self.createKey(admin, name: "au", role: "auditor").token, tls: tls)
            let client1 = Client(server: server, key: a1.token, tls: tls)

            let mine = try await client1.issue("mine", san: "DNS:mine.a.example.test")
            #expect(mine.status == 201, "\(mine.text)")
            let id = try #require(try mine.json()["id"] as? String)
            // Another client key: the certificate does not exist for it.
            for (method, path, body) in [
                ("GET", "/api/v1/certificates/\(id)", nil), ("GET", "/api/v1/certificates/\(id)/export/pem", nil),
                ("POST", "/api/v1/certificates/\(id)/export/pkcs12", ["password": "x"]),
                ("POST", "/api/v1/certificates/\(id)/revoke", ["reason": "superseded"]),
            ] as [(String, String, Any?)] {
                #expect(try await a2.call(method, path, json: body).status == 404, "\(method) \(path)")
            }
            #expect((try await a2.call("GET", "/api/v1/certificates").json()["certificates"] as? [Any])?.count == 0)
            #expect((try await client1.call("GET", "/api/v1/certificates").json()["certificates"] as? [Any])?.count == 1)
            #expect(try await client1.call("GET", "/api/v1/certificates/\(id)/export/pem").status == 200)
            // The auditor reads everything and changes nothing.
            #expect(try await auditor.call("GET", "/api/v1/certificates/\(id)").status == 200)
            #expect(try await auditor.call("GET", "/api/v1/audit").status == 200)
            #expect(try await auditor.call("POST", "/api/v1/certificates/\(id)/revoke", json: ["reason": "superseded"]).status == 403)
            #expect(try await auditor.call("GET", "/api/v1/certificates/\(id)/export/pem").status == 403)
            #expect(try await auditor.issue("au", san: "DNS:au.a.example.test").status == 403)
            // The operator of team B issues a client certificate with a wildcard and an email, and
            // may revoke team A's certificate.
            let b = try await operatorB.issue("b", san: "DNS:*.x.b.example.test,email:ops@b.example.test")
            #expect(b.status == 201, "\(b.text)")
            let bText = try await OpenSSL.x509(try b.json()["certificate_pem"] as? String ?? "", ["-text"], in: certctl.directory)
            #expect(bText.contains("TLS Web Client Authentication") && !bText.contains("Server Authentication"))
            #expect(try await operatorB.call("POST", "/api/v1/certificates/\(id)/revoke", json: ["reason": "superseded"]).status == 200)
            // Issuers: operator and client keys see their profiles' issuers.
            let seen = try await operatorB.call("GET", "/api/v1/issuers").json()["issuers"] as? [[String: Any]]
            #expect(seen?.compactMap { $0["id"] as? String } == ["iss-b"])
            #expect((try await admin.call("GET", "/api/v1/issuers").json()["issuers"] as? [Any])?.count == 2)

            // PATCH: a1 becomes an operator of team-b; the change is audited.
            let patched = try await admin.call("PATCH", "/api/v1/admin/keys/\(a1.id)", json: ["role": "operator", "profiles": ["team-b"]])
            #expect(patched.status == 200, "\(patched.text)")
            #expect(try patched.json()["role"] as? String == "operator" && patched.json()["profiles"] as? [String] == ["team-b"])
            #expect(try await client1.issue("now-b", san: "DNS:n.b.example.test").status == 201)
            #expect(try await admin.call("PATCH", "/api/v1/admin/keys/\(a1.id)", json: ["profiles": ["nope"]]).status == 400)
            #expect(try await admin.call("PATCH", "/api/v1/admin/keys/\(a1.id)", json: ["colour": "red"]).status == 400)
            let listed = try await admin.call("GET", "/api/v1/admin/keys").json()["keys"] as? [[String: Any]] ?? []
            #expect(listed.count == 5 && listed.allSatisfy { $0["key"] == nil })
            // Expiry: a key past its expires_at is refused (401), as is a revoked one.
            let soon = ISO8601DateFormatter().string(from: Date().addingTimeInterval(2))
            let expiring = Client(
                server: server, key: try await Self.createKey(admin, name: "tmp", role: "operator", expiresAt: soon).token, tls: tls)
            #expect(try await expiring.call("GET", "/api/v1/certificates").status == 200)
            try await Task.sleep(for: .seconds(2.5))
            #expect(try await expiring.call("GET", "/api/v1/certificates").status == 401)
            #expect(try await admin.call("POST", "/api/v1/admin/keys/\(a1.id)/revoke").status == 200)
            #expect(try await client1.call("GET", "/api/v1/certificates").status == 401)
            let events = try await admin.call("GET", "/api/v1/audit?limit=50").json()["events"] as? [[String: Any]] ?? []
            let keyActions = events.filter { $0["target"] as? String == "api_key:\(a1.id)" }.compactMap { $0["action"] as? String }
            #expect(keyActions == ["api_key_revoked", "api_key_updated", "api_key_created"], "\(keyActions)")
        }
    }

    @Test func theIssuanceLimitIsPerKeyAndProblemJSON() async throws {
        let certctl = try Certctl()
        let config = try await Self.setUp(certctl)
        try await ServerProcess.with(
            certctl, arguments: ["--config", config.path], environment: ["CERTCTL_ISSUANCE_RATE_LIMIT_PER_KEY_MIN": "2"]
        ) {
            server in
            let tls = Self.tls(certctl)
            let admin = Client(server: server, key: try server.adminKey, tls: tls)
            let b1 = Client(
                server: server, key: try await Self.createKey(admin, name: "b1", role: "client", profiles: ["team-b"]).token, tls: tls)
            let b2 = Client(
                server: server, key: try await Self.createKey(admin, name: "b2", role: "client", profiles: ["team-b"]).token, tls: tls)
            #expect(try await b1.issue("1", san: "DNS:one.b.example.test").status == 201)
            #expect(try await b1.issue("2", san: "DNS:two.b.example.test").status == 201)
            let limited = try await b1.issue("3", san: "DNS:three.b.example.test")
            #expect(limited.status == 429 && limited.contentType == "application/problem+json", "\(limited.text)")
            let retry = try #require(limited.headers["retry-after"].flatMap(Int.init))
            #expect((1...60).contains(retry))
            #expect(try await b2.issue("4", san: "DNS:four.b.example.test").status == 201, "another key has its own budget")
            let metrics = try await admin.call("GET", "/api/v1/metrics/prometheus").text
            #expect(metrics.contains("certctl_ratelimit_counter_total{label=\"issuance\"} 1"))
        }
    }

    @Test func profilesReloadOnSIGHUPAllOrNothing() async throws {
        let certctl = try Certctl()
        let config = try await Self.setUp(certctl)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = Self.tls(certctl)
            let admin = Client(server: server, key: try server.adminKey, tls: tls)
            #expect(try await admin.issue("c1", san: "DNS:x.c.example.test", profile: "team-a").status == 403)
            let original = try String(contentsOf: config, encoding: .utf8)
            func reload(_ text: String) async throws {
                try text.write(to: config, atomically: true, encoding: .utf8)
                let before = server.stderr.components(separatedBy: "reload").count
                kill(server.pid, SIGHUP)
                for _ in 0..<50 where server.stderr.components(separatedBy: "reload").count == before {
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
            try await reload(
                original.replacingOccurrences(of: "dns: [\"*.a.example.test\"]", with: "dns: [\"*.a.example.test\", \"*.c.example.test\"]"))
            #expect(try await admin.issue("c2", san: "DNS:x.c.example.test", profile: "team-a").status == 201, "\(server.stderr)")
            // A profile naming an issuer the server does not run: refused, the old profiles stay.
            try await reload(original.replacingOccurrences(of: "issuers: [iss-b]", with: "issuers: [iss-nope]"))
            #expect(server.stderr.contains("profile team-b: issuer 'iss-nope' is not configured"), "\(server.stderr)")
            #expect(try await admin.issue("c3", san: "DNS:y.c.example.test", profile: "team-a").status == 201)
        }
    }

    @Test func policyCheckMakesTheServersDecisionWithoutIssuing() async throws {
        let certctl = try Certctl()
        let config = try await Self.setUp(certctl)
        let dir = certctl.directory
        _ = try await OpenSSL.makeCSR(in: dir, name: "good", subject: "/", san: "DNS:www.a.example.test")
        _ = try await OpenSSL.makeCSR(in: dir, name: "bad", subject: "/", san: "DNS:www.evil.test")
        let allowed = try await certctl.run([
            "policy", "check", "--config", config.path, "--profile", "team-a", "--csr", dir.appendingPathComponent("good.csr").path,
        ])
        #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)")
        #expect(
            allowed.stdout.contains("decision: allowed") && allowed.stdout.contains("names: DNS:www.a.example.test"), "\(allowed.stdout)")
        let refused = try await certctl.run([
            "policy", "check", "--config", config.path, "--profile", "team-a", "--csr", dir.appendingPathComponent("bad.csr").path,
        ])
        #expect(refused.status == 1)
        #expect(refused.stdout.contains("rule: dns_not_allowed") && refused.stdout.contains("www.evil.test: not allowed by profile team-a"))
        let key = try await certctl.run(["admin", "keys", "create", "--config", config.path, "--name", "k", "--profile", "team-b"])
        let keyID = String(key.lastLine.split(separator: "_")[1])
        let asKey = try await certctl.run([
            "policy", "check", "--config", config.path, "--profile", "team-a", "--key-id", keyID, "--csr",
            dir.appendingPathComponent("good.csr").path,
        ])
        #expect(asKey.status == 1 && asKey.stdout.contains("rule: profile_not_allowed"), "\(asKey.stdout)\(asKey.stderr)")
        // Nothing was issued.
        let list = try await certctl.run(["admin", "keys", "list", "--config", config.path])
        #expect(list.status == 0)
    }

    /// `ca init --profile`: the subordinate's nameConstraints are the profile's rules; the host
    /// refuses names outside them before signing, and openssl enforces them on what it signed.
    @Test func aTeamSubordinateCarriesTheProfileAsNameConstraints() async throws {
        let certctl = try Certctl()
        let config = try await Self.setUp(
            certctl,
            extraIssuers: "  - id: iss-a-sub\n    type: local\n    key_file: ca/iss-a-sub.key\n    cert_file: ca/iss-a-sub.crt",
            extraProfiles: "  - id: broad\n    issuers: [iss-a-sub]\n    names:\n      dns: [\"*.example.test\"]")
        let created = try await certctl.run([
            "ca", "init", "--config", config.path, "--issuer", "iss-a-sub", "--parent", "iss-local", "--profile", "team-a",
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let sub = certctl.directory.appendingPathComponent("ca/iss-a-sub.crt")
        let text = try await Command.check(["openssl", "x509", "-in", sub.path, "-noout", "-text"])
        #expect(text.contains("X509v3 Name Constraints: critical"), "\(text)")
        #expect(text.contains("DNS:.a.example.test") && text.contains("IP:10.1.0.0/255.255.0.0"), "\(text)")
        #expect(text.contains("Excluded:") && text.contains("DNS:admin.a.example.test"), "\(text)")
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let admin = Client(server: server, key: try server.adminKey, tls: Self.tls(certctl))
            let outside = try await admin.issue("o", san: "DNS:x.other.example.test", profile: "broad")
            #expect(outside.status == 403 && outside.text.contains("x.other.example.test: outside the nameConstraints"), "\(outside.text)")
            let inside = try await admin.issue("i", san: "DNS:y.a.example.test", profile: "broad")
            #expect(inside.status == 201, "\(inside.text)")
            let verified = try await OpenSSL.verify(
                leafPEM: try inside.json()["certificate_pem"] as? String ?? "",
                caFile: certctl.directory.appendingPathComponent("ca/iss-local.crt"),
                untrusted: sub, in: certctl.directory)
            #expect(verified.status == 0, "\(verified.stdout)\(verified.stderr)")
        }
    }

    /// A passthrough CA that certifies a name nobody asked for: 502 naming the issuer, nothing
    /// stored, `cert_upstream_mismatch` audited.
    @Test func whatAPassthroughCAReturnsIsChecked() async throws {
        let certctl = try Certctl()
        let plugin = Python.packageRoot.appendingPathComponent("Tests/IntegrationTests/Python/extra_name_plugin.py").path
        let config = try await Self.setUp(
            certctl, extraIssuers: "  - id: iss-rogue\n    type: external\n    command: [\"\(Python.interpreter)\", \"\(plugin)\"]",
            extraProfiles: "  - id: rogue\n    issuers: [iss-rogue]\n    names:\n      dns: [\"*.r.example.test\"]")
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let admin = Client(server: server, key: try server.adminKey, tls: Self.tls(certctl))
            let answer = try await admin.issue("r", san: "DNS:app.r.example.test", profile: "rogue")
            #expect(answer.status == 502, "\(answer.text)")
            #expect(
                try answer.json()["detail"] as? String
                    == "extra.example.test: issuer iss-rogue returned a certificate naming something that was not requested; it was not stored"
            )
            let stored = try await admin.call("GET", "/api/v1/certificates?issuer_id=iss-rogue").json()["certificates"] as? [Any]
            #expect(stored?.isEmpty == true)
            let audit = try await admin.call("GET", "/api/v1/audit?limit=5").json()["events"] as? [[String: Any]] ?? []
            #expect(audit.first?["action"] as? String == "cert_upstream_mismatch", "\(audit)")
        }
    }
}

extension PolicyTests {
    /// `examples/two-teams/`, set up as its README says (SoftHSM2 as the HSM).
    @Test func theTwoTeamsExampleWorksAsDocumented() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let example = Python.packageRoot.appendingPathComponent("examples/two-teams")
        for file in ["certctl.yaml", "softhsm2.conf"] {
            try FileManager.default.copyItem(at: example.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("tokens"), withIntermediateDirectories: true)
        let hsm = ["SOFTHSM2_CONF": dir.appendingPathComponent("softhsm2.conf").path]
        var environment = ProcessInfo.processInfo.environment
        environment.merge(hsm) { $1 }
        for command in [
            ["softhsm2-util", "--init-token", "--free", "--label", "certctl", "--so-pin", "5678", "--pin", "1234"],
            [
                "pkcs11-tool", "--module", SoftHSM.module, "--token-label", "certctl", "--login", "--pin", "1234", "--keypairgen",
                "--key-type", "EC:prime256v1", "--label", "ca-key", "--id", "01",
            ],
        ] {
            let result = try await Command.run(command, environment: environment, directory: dir)
            #expect(result.status == 0, "\(result.stderr)")
        }
        _ = FileManager.default.createFile(
            atPath: dir.appendingPathComponent("hsm-pin").path, contents: Data("1234\n".utf8), attributes: [.posixPermissions: 0o600])
        let config = dir.appendingPathComponent("certctl.yaml").path
        for arguments in [
            ["--issuer", "iss-root"], ["--issuer", "iss-hsm", "--parent", "iss-root", "--profile", "team-a"],
            ["--issuer", "iss-b", "--parent", "iss-root", "--profile", "team-b"],
        ] {
            let created = try await certctl.run(["ca", "init", "--config", config] + arguments, environment: hsm)
            #expect(created.status == 0, "\(created.stderr)")
        }
        let a = try await certctl.run(
            ["admin", "keys", "create", "--config", config, "--name", "team-a-deploy", "--profile", "team-a"], environment: hsm)
        let b = try await certctl.run(
            ["admin", "keys", "create", "--config", config, "--name", "team-b-ops", "--role", "operator", "--profile", "team-b"],
            environment: hsm)
        #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
        try await ServerProcess.with(certctl, arguments: ["--config", config], environment: hsm) { server in
            let tls = Self.tls(certctl)
            let teamA = Client(server: server, key: a.lastLine, tls: tls)
            let teamB = Client(server: server, key: b.lastLine, tls: tls)
            let app = try await teamA.issue("app", san: "DNS:app.a.example.com")
            #expect(app.status == 201, "\(app.text)")
            let object = try app.json()
            #expect(object["issuer_id"] as? String == "iss-hsm" && object["profile"] as? String == "team-a")
            let chain = dir.appendingPathComponent("chain.pem")
            try (object["chain_pem"] as? String ?? "").write(to: chain, atomically: true, encoding: .utf8)
            let verified = try await OpenSSL.verify(
                leafPEM: object["certificate_pem"] as? String ?? "", caFile: dir.appendingPathComponent("ca/iss-root.crt"),
                untrusted: chain,
                in: dir)
            #expect(verified.status == 0, "\(verified.stderr)")
            for name in ["x.b.example.com", "db.internal.a.example.com", "*.a.example.com"] {
                #expect(try await teamA.issue("no", san: "DNS:\(name)").status == 403, "\(name)")
            }
            #expect(try await teamB.issue("b", san: "DNS:svc.b.example.com,email:ops@b.example.com").status == 201)
            let visible = try await teamA.call("GET", "/api/v1/issuers").json()["issuers"] as? [[String: Any]]
            #expect(visible?.compactMap { $0["id"] as? String } == ["iss-hsm"])
        }
    }
}
