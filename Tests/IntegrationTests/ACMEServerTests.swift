import ConnectorSupport
import Foundation
import Testing

/// The ACME server (SPEC §8) with the real client operators run: Debian's certbot, against a
/// profile's directory on the HTTPS listener, validating on loopback (http-01 on a free port, dns-01
/// in pebble-challtestsrv, which is also the validator's resolver).
@Suite(.serialized) struct ACMEServerTests {
    struct Setup {
        var certctl: Certctl
        var config: URL
        var dns: ChallengeTestServer
        var http01Port: Int
        var environment: [String: String]
    }

    static func setUp() async throws -> Setup {
        let certctl = try Certctl()
        let dns = try await ChallengeTestServer(logFile: certctl.directory.appendingPathComponent("challtestsrv.log"))
        let config = try certctl.writeConfig(
            withLocalIssuerAnd: """
                profiles:
                  - id: web
                    issuers: [iss-local]
                    max_validity: 90d
                    names:
                      dns: ["*.example.test"]
                      allow_wildcards: true
                      ip: ["127.0.0.0/8"]
                    acme:
                      enabled: true
                      challenges: [http-01, dns-01, tls-alpn-01]
                  - id: http
                    issuers: [iss-local]
                    names:
                      dns: ["*.example.test"]
                      allow_wildcards: true
                    acme:
                      enabled: true
                      challenges: [http-01]
                  - id: tight
                    issuers: [iss-local]
                    names:
                      dns: ["*.example.test"]
                    acme:
                      enabled: true
                      orders_per_account_per_hour: 2
                  - id: caa
                    issuers: [iss-local]
                    names:
                      dns: ["*.caa.test"]
                    acme:
                      enabled: true
                      challenges: [http-01]
                      caa_identities: [ca.example.test]
                  - id: partners
                    issuers: [iss-local]
                    names:
                      dns: ["*.partners.test"]
                    acme:
                      enabled: true
                      eab_required: true
                      challenges: [http-01]
                """)
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        let port = Certctl.freePort()
        return Setup(
            certctl: certctl, config: config, dns: dns, http01Port: port,
            environment: [
                "CERTCTL_ACME_HTTP01_PORT": "\(port)", "CERTCTL_ACME_DNS_RESOLVER": dns.dnsAddress,
                "CERTCTL_ACME_TLSALPN01_PORT": "\(dns.tlsALPNPort)",
            ])
    }

    /// Runs certbot with its own directories, trusting the local CA that issued the server's TLS certificate.
    static func certbot(
        _ setup: Setup, _ server: ServerProcess, _ arguments: [String], profile: String = "web", home: String = "certbot"
    ) async throws -> CommandResult {
        let dir = setup.certctl.directory.appendingPathComponent(home)
        var environment = ProcessInfo.processInfo.environment
        environment["REQUESTS_CA_BUNDLE"] = setup.certctl.directory.appendingPathComponent("ca/iss-local.crt").path
        return try await Command.run(
            ["certbot"] + arguments + [
                "--server", "\(server.baseURL)/acme/\(profile)/directory", "--config-dir", dir.appendingPathComponent("config").path,
                "--work-dir", dir.appendingPathComponent("work").path, "--logs-dir", dir.appendingPathComponent("logs").path,
                "--non-interactive",
            ], environment: environment)
    }

    static func certbotLog(_ setup: Setup) -> String {
        (try? String(contentsOf: setup.certctl.directory.appendingPathComponent("certbot/logs/letsencrypt.log"), encoding: .utf8)) ?? ""
    }

    @Test func certbotEnrollsRenewsAndRevokes() async throws {
        let setup = try await Self.setUp()
        let dir = setup.certctl.directory
        let ca = dir.appendingPathComponent("ca/iss-local.crt")
        try await ServerProcess.with(setup.certctl, arguments: ["--config", setup.config.path], environment: setup.environment) { server in
            // http-01 with certbot's own standalone server on an unprivileged port.
            let standalone = [
                "certonly", "--standalone", "--http-01-port", "\(setup.http01Port)", "--http-01-address", "127.0.0.1", "-d",
                "web.example.test", "--register-unsafely-without-email", "--agree-tos",
            ]
            let issued = try await Self.certbot(setup, server, standalone)
            #expect(issued.status == 0, "\(issued.stdout)\(issued.stderr)\(Self.certbotLog(setup))")
            let live = dir.appendingPathComponent("certbot/config/live/web.example.test")
            let leaf = try String(contentsOf: live.appendingPathComponent("cert.pem"), encoding: .utf8)
            #expect(try await OpenSSL.verify(leafPEM: leaf, caFile: ca, in: dir).status == 0)
            let firstSerial = try await OpenSSL.x509(leaf, ["-noout", "-serial"], in: dir)

            // An ordinary certificate of the host: requested by the account, under the profile, audited.
            let admin = try server.adminKey
            let listed = try await server.request("GET", "/api/v1/certificates", key: admin, caFile: ca)
            let rows = try listed.json()["certificates"] as? [[String: Any]] ?? []
            #expect(
                rows.contains { ($0["requested_by"] as? String ?? "").hasPrefix("acme:") && $0["profile"] as? String == "web" },
                "\(listed.text)")
            let audit = try await server.request("GET", "/api/v1/audit?limit=50", key: admin, caFile: ca)
            for action in ["acme_account_created", "acme_order_created", "acme_challenge_validated", "acme_order_finalized", "cert_issued"]
            {
                #expect(audit.text.contains(action), "\(action)")
            }

            // renew --force-renewal: a new certificate through the same account.
            let renewed = try await Self.certbot(
                setup, server,
                [
                    "renew", "--force-renewal", "--no-random-sleep-on-renew", "--http-01-port", "\(setup.http01Port)", "--http-01-address",
                    "127.0.0.1",
                ])
            #expect(renewed.status == 0, "\(renewed.stdout)\(renewed.stderr)")
            let renewedLeaf = try String(contentsOf: live.appendingPathComponent("cert.pem"), encoding: .utf8)
            #expect(try await OpenSSL.x509(renewedLeaf, ["-noout", "-serial"], in: dir) != firstSerial)

            // dns-01 for a wildcard, with certbot's manual hook writing the TXT record.
            let hook =
                "curl -fsS -X POST -d \"{\\\"host\\\":\\\"_acme-challenge.$CERTBOT_DOMAIN.\\\",\\\"value\\\":\\\"$CERTBOT_VALIDATION\\\"}\" \(setup.dns.managementURL)/set-txt"
            let wildcard = try await Self.certbot(
                setup, server,
                ["certonly", "--manual", "--preferred-challenges", "dns", "-d", "*.example.test", "--manual-auth-hook", hook])
            #expect(wildcard.status == 0, "\(wildcard.stdout)\(wildcard.stderr)\(Self.certbotLog(setup))")

            // A name outside the profile: refused at newOrder, naming the identifier and the rule.
            let outside = try await Self.certbot(setup, server, standalone.map { $0 == "web.example.test" ? "web.other.test" : $0 })
            #expect(outside.status != 0)
            #expect(Self.certbotLog(setup).contains("rejectedIdentifier") && Self.certbotLog(setup).contains("web.other.test"))

            // certbot revoke: the host's revocation, so OCSP answers revoked for it.
            let revoked = try await Self.certbot(
                setup, server,
                [
                    "revoke", "--cert-path", live.appendingPathComponent("cert.pem").path, "--reason", "keycompromise",
                    "--no-delete-after-revoke",
                ])
            #expect(revoked.status == 0, "\(revoked.stdout)\(revoked.stderr)\(Self.certbotLog(setup))")
            let leafFile = live.appendingPathComponent("cert.pem")
            let ocsp = try await Command.run([
                "openssl", "ocsp", "-issuer", ca.path, "-cert", leafFile.path, "-url",
                "http://127.0.0.1:\(server.pkiPort)/.well-known/pki/ocsp/iss-local", "-CAfile", ca.path,
            ])
            #expect(ocsp.stdout.contains("cert.pem: revoked"), "\(ocsp.stdout)\(ocsp.stderr)")

            let metrics = try await server.request("GET", "/api/v1/metrics/prometheus", key: admin, caFile: ca)
            #expect(metrics.text.contains("certctl_acme_counter_total{label=\"finalized\"} 3"), "\(metrics.text)")
        }
    }

    /// The refusals RFC 8555 names, from an independent client (a Python script that signs its own
    /// JWS): each gets its documented type as problem+json with a fresh nonce and changes nothing.
    @Test func protocolRefusalsByType() async throws {
        let setup = try await Self.setUp()
        let ca = setup.certctl.directory.appendingPathComponent("ca/iss-local.crt")
        try await ServerProcess.with(setup.certctl, arguments: ["--config", setup.config.path], environment: setup.environment) { server in
            let run = try await Python.run(
                "acme_refusals.py", ["\(server.baseURL)/acme/web/directory", ca.path, "\(setup.http01Port)", setup.dns.managementURL])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            var cases: [String: [String: Any]] = [:]
            for line in run.stdout.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                cases[object["case"] as? String ?? ""] = object
            }
            func expectProblem(_ name: String, _ status: Int, _ type: String, mentions: String? = nil) {
                let answer = cases[name] ?? [:]
                #expect(answer["status"] as? Int == status, "\(name): \(answer)")
                #expect(answer["type"] as? String == "urn:ietf:params:acme:error:\(type)", "\(name): \(answer)")
                #expect(answer["content_type"] as? String == "application/problem+json" && answer["nonce"] as? Bool == true, "\(name)")
                if let mentions { #expect((answer["detail"] as? String ?? "").contains(mentions), "\(name): \(answer)") }
            }
            expectProblem("replayed_nonce", 400, "badNonce")
            expectProblem("other_accounts_key", 403, "unauthorized", mentions: "signature")
            expectProblem("unknown_account", 400, "accountDoesNotExist")
            expectProblem("outside_profile", 400, "rejectedIdentifier", mentions: "evil.other.test")
            expectProblem("wildcard_without_dns01", 400, "rejectedIdentifier", mentions: "dns-01")
            expectProblem("not_a_jws", 400, "malformed")
            expectProblem("csr_extra_name", 400, "badCSR", mentions: "extra.example.test")
            expectProblem("finalize_other_account", 404, "malformed")
            #expect(cases["order_status_after_refusal"]?["status"] as? String == "ready")
            #expect(cases["finalize"]?["order_status"] as? String == "valid" && cases["finalize"]?["certificate"] as? Bool == true)
            // Key rollover: a key another account holds is a 409; after the change only the new key works.
            #expect(cases["key_change_taken"]?["status"] as? Int == 409, "\(cases["key_change_taken"] ?? [:])")
            #expect(cases["key_change"]?["status"] as? Int == 200, "\(cases["key_change"] ?? [:])")
            expectProblem("old_key_after_change", 403, "unauthorized")
            #expect(cases["new_key_after_change"]?["status"] as? Int == 201, "\(cases["new_key_after_change"] ?? [:])")
            #expect(cases["orders"]?["has_final"] as? Bool == true, "\(cases["orders"] ?? [:])")
            // The per-account order limit: the third order in an hour is 429 rateLimited with Retry-After.
            expectProblem("third_order_in_the_hour", 429, "rateLimited", mentions: "2 orders per hour")
            #expect(cases["third_order_in_the_hour"]?["retry_after"] as? String == "600", "\(cases["third_order_in_the_hour"] ?? [:])")
            // ARI: a window inside the validity, then in the past after revocation; revocation by kid and by certificate key.
            let ari = cases["ari"] ?? [:]
            let window = ari["window"] as? [String: String] ?? [:]
            #expect(ari["status"] as? Int == 200 && ari["retry_after"] as? String == "21600", "\(ari)")
            #expect(
                (window["start"] ?? "") < (window["end"] ?? "") && (window["end"] ?? "") < (ari["not_after"] as? String ?? ""), "\(ari)")
            #expect(cases["revoke_by_account"]?["status"] as? Int == 200, "\(cases["revoke_by_account"] ?? [:])")
            expectProblem("revoke_twice", 400, "alreadyRevoked")
            let revokedWindow = cases["ari_revoked"]?["window"] as? [String: String] ?? [:]
            #expect((revokedWindow["end"] ?? "9") < (window["start"] ?? ""), "\(revokedWindow)")
            expectProblem("revoke_by_certificate_key", 403, "unauthorized")
            #expect(cases["revoke_by_certificate_key_jwk"]?["status"] as? Int == 200, "\(cases["revoke_by_certificate_key_jwk"] ?? [:])")
            // tls-alpn-01 (RFC 8737) against pebble-challtestsrv's responder.
            #expect(cases["tls_alpn"]?["status"] as? String == "valid", "\(cases["tls_alpn"] ?? [:])")
            let wrong = cases["tls_alpn_wrong"] ?? [:]
            #expect(wrong["status"] as? String == "invalid", "\(wrong)")
            #expect((wrong["error"] as? [String: Any])?["type"] as? String == "urn:ietf:params:acme:error:incorrectResponse", "\(wrong)")
            // RFC 8738: an IP identifier, validated by http-01 at the address itself, only http-01 offered.
            #expect(cases["ip_challenges"]?["types"] as? [String] == ["http-01", "tls-alpn-01"], "\(cases["ip_challenges"] ?? [:])")
            #expect(cases["ip_finalize"]?["order_status"] as? String == "valid", "\(cases["ip_finalize"] ?? [:])")
            let listed = try await server.request("GET", "/api/v1/certificates", key: try server.adminKey, caFile: ca)
            #expect(!listed.text.contains("extra.example.test") && !listed.text.contains("evil.other.test"))
        }
    }

    /// Debian's python3-acme (`acme.client.ClientV2`, an independent implementation) for what certbot
    /// 2.1 lacks: tls-alpn-01 served by its own `TLSALPN01Server` (its draft-style certificate is refused,
    /// an RFC 8737 one accepted), an IP identifier over tls-alpn-01, ARI before and after revocation,
    /// key rollover, http-01 through a redirect to https, RS256/ES256/ES384 accounts, deactivation.
    @Test func python3ACMELibraryCases() async throws {
        var setup = try await Self.setUp()
        let httpsPort = Certctl.freePort()
        setup.environment["CERTCTL_ACME_TLSALPN01_PORT"] = "\(httpsPort)"
        let ca = setup.certctl.directory.appendingPathComponent("ca/iss-local.crt")
        try await ServerProcess.with(setup.certctl, arguments: ["--config", setup.config.path], environment: setup.environment) { server in
            let script = Python.packageRoot.appendingPathComponent("Tests/IntegrationTests/Python/acme_library_client.py").path
            // The system interpreter: python3-acme is a Debian package, not in the venv.
            let run = try await Command.run([
                "/usr/bin/python3", script, "\(server.baseURL)/acme/web/directory", ca.path, "\(setup.http01Port)", "\(httpsPort)",
            ])
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            var cases: [String: [String: Any]] = [:]
            for line in run.stdout.split(separator: "\n") {
                guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { continue }
                cases[object["case"] as? String ?? ""] = object
            }
            func problem(_ name: String) -> String {
                let result = cases[name]?["result"] as? [Any] ?? []
                return "\((result.last as? [[String: Any]])?.first ?? [:])"
            }
            #expect(cases["accounts"]?["statuses"] as? [String] == ["valid", "valid", "valid"], "\(cases["accounts"] ?? [:])")
            // python3-acme 2.1's own tls-alpn-01 certificate follows a draft (another OID, a bare digest).
            #expect((cases["tls_alpn_draft_certificate"]?["result"] as? [Any])?.first as? String == "invalid")
            #expect(problem("tls_alpn_draft_certificate").contains("id-pe-acmeIdentifier"), "\(problem("tls_alpn_draft_certificate"))")
            #expect(cases["tls_alpn"]?["status"] as? String == "valid", "\(cases["tls_alpn"] ?? [:])")
            #expect(cases["ip_order"]?["challenges"] as? [String] == ["http-01", "tls-alpn-01"], "\(cases["ip_order"] ?? [:])")
            let ip = cases["ip_tls_alpn"] ?? [:]
            #expect(ip["status"] as? String == "valid" && ip["ip_sans"] as? [String] == ["127.0.0.1"], "\(ip)")
            #expect(cases["http01_redirect_https"]?["status"] as? String == "valid", "\(cases["http01_redirect_https"] ?? [:])")
            let away = cases["http01_redirect_other_name"] ?? [:]
            #expect(away["status"] as? String == "invalid" && "\(away)".contains("elsewhere.example.test"), "\(away)")
            let ari = cases["ari"] ?? [:]
            let window = ari["window"] as? [String: String] ?? [:]
            #expect(ari["retry_after"] as? String == "21600", "\(ari)")
            #expect(
                (ari["not_before"] as? String ?? "~") < (window["start"] ?? "") && (window["start"] ?? "") < (window["end"] ?? "")
                    && (window["end"] ?? "~") < (ari["not_after"] as? String ?? ""), "\(ari)")
            let revokedWindow = cases["ari_after_revoke"]?["window"] as? [String: String] ?? [:]
            #expect(
                (revokedWindow["end"] ?? "~") <= (cases["ari_after_revoke"]?["now"] as? String ?? ""), "\(cases["ari_after_revoke"] ?? [:])"
            )
            #expect(cases["key_change"]?["status"] as? Int == 200, "\(cases["key_change"] ?? [:])")
            let old = cases["old_key_after_change"] ?? [:]
            #expect(old["refused"] as? Bool == true && old["type"] as? String == "urn:ietf:params:acme:error:unauthorized", "\(old)")
            #expect(cases["new_key_after_change"]?["order_status"] as? String == "pending", "\(cases["new_key_after_change"] ?? [:])")
            let deactivated = cases["order_after_deactivation"] ?? [:]
            #expect(
                deactivated["refused"] as? Bool == true && deactivated["type"] as? String == "urn:ietf:params:acme:error:unauthorized",
                "\(deactivated)")
            // Revoked through ACME, so revoked in REST too.
            let listed = try await server.request("GET", "/api/v1/certificates?status=revoked", key: try server.adminKey, caFile: ca)
            #expect(listed.text.contains("alpn.example.test"), "\(listed.text)")
        }
    }

    /// A directory that requires external account binding: certbot without a credential is
    /// refused; with one it enrolls; the credential binds one account only; admins list, revoke and
    /// deactivate, and a deactivated account can no longer order.
    @Test func externalAccountBindingWithCertbot() async throws {
        let setup = try await Self.setUp()
        let ca = setup.certctl.directory.appendingPathComponent("ca/iss-local.crt")
        try await ServerProcess.with(setup.certctl, arguments: ["--config", setup.config.path], environment: setup.environment) { server in
            let admin = try server.adminKey
            let created = try await server.request("POST", "/api/v1/admin/acme/eab", key: admin, json: ["profile": "partners"], caFile: ca)
            #expect(created.status == 201, "\(created.text)")
            let kid = try #require(try created.json()["kid"] as? String)
            let hmac = try #require(try created.json()["hmac_key"] as? String)
            let order = [
                "certonly", "--standalone", "--http-01-port", "\(setup.http01Port)", "--http-01-address", "127.0.0.1", "-d",
                "shop.partners.test", "--register-unsafely-without-email", "--agree-tos",
            ]
            let without = try await Self.certbot(setup, server, order, profile: "partners")
            #expect(without.status != 0)
            #expect(Self.certbotLog(setup).contains("externalAccountRequired"))
            let with = try await Self.certbot(setup, server, order + ["--eab-kid", kid, "--eab-hmac-key", hmac], profile: "partners")
            #expect(with.status == 0, "\(with.stdout)\(with.stderr)\(Self.certbotLog(setup))")

            // The same credential for a second account (another certbot, another key): refused.
            let reuse = try await Self.certbot(
                setup, server, order + ["--eab-kid", kid, "--eab-hmac-key", hmac], profile: "partners", home: "certbot-2")
            #expect(reuse.status != 0)
            let secondLog =
                (try? String(contentsOf: setup.certctl.directory.appendingPathComponent("certbot-2/logs/letsencrypt.log"), encoding: .utf8))
                ?? ""
            #expect(secondLog.contains("already used"), "\(secondLog.suffix(2_000))")

            let credentials = try await server.request("GET", "/api/v1/admin/acme/eab", key: admin, caFile: ca)
            #expect(credentials.text.contains("\"status\":\"used\"") && !credentials.text.contains(hmac), "\(credentials.text)")
            #expect(try await server.request("POST", "/api/v1/admin/acme/eab/\(kid)/revoke", key: admin, caFile: ca).status == 200)
            let accounts = try await server.request("GET", "/api/v1/admin/acme/accounts", key: admin, caFile: ca)
            let list = try accounts.json()["accounts"] as? [[String: Any]] ?? []
            let partner = try #require(list.first { $0["profile"] as? String == "partners" }, "\(accounts.text)")
            let id = try #require(partner["id"] as? String)
            #expect(try await server.request("POST", "/api/v1/admin/acme/accounts/\(id)/deactivate", key: admin, caFile: ca).status == 200)
            let after = try await Self.certbot(
                setup, server, order.map { $0 == "shop.partners.test" ? "www.partners.test" : $0 }, profile: "partners")
            #expect(after.status != 0)
            #expect(Self.certbotLog(setup).contains("is deactivated"), "\(Self.certbotLog(setup).suffix(2_000))")
            // Non-admin keys cannot manage ACME.
            let operatorKey = try #require(
                try await server.request(
                    "POST", "/api/v1/admin/keys", key: admin, json: ["name": "op", "role": "operator"], caFile: ca
                ).json()["key"] as? String)
            #expect(try await server.request("GET", "/api/v1/admin/acme/accounts", key: operatorKey, caFile: ca).status == 403)
        }
    }

    /// CAA (RFC 8659) at validation: the closest record set decides; one naming another CA makes the
    /// challenge invalid with `caa`, one naming this CA (`caa_identities`) lets certbot enroll.
    @Test func caaIsCheckedAtValidation() async throws {
        let setup = try await Self.setUp()
        func addCAA(_ host: String, _ issuer: String) async throws {
            let body = "{\"host\":\"\(host).\",\"policies\":[{\"tag\":\"issue\",\"value\":\"\(issuer)\"}]}"
            try await Command.check(["curl", "-fsS", "-X", "POST", "-d", body, "\(setup.dns.managementURL)/add-caa"])
        }
        try await addCAA("caa.test", "other-ca.test")
        try await addCAA("ok.caa.test", "ca.example.test")
        try await ServerProcess.with(setup.certctl, arguments: ["--config", setup.config.path], environment: setup.environment) { server in
            func order(_ name: String) async throws -> CommandResult {
                try await Self.certbot(
                    setup, server,
                    [
                        "certonly", "--standalone", "--http-01-port", "\(setup.http01Port)", "--http-01-address", "127.0.0.1", "-d", name,
                        "--register-unsafely-without-email", "--agree-tos",
                    ], profile: "caa")
            }
            let denied = try await order("deny.caa.test")
            #expect(denied.status != 0)
            #expect(Self.certbotLog(setup).contains("urn:ietf:params:acme:error:caa"), "\(Self.certbotLog(setup).suffix(3_000))")
            let allowed = try await order("ok.caa.test")
            #expect(allowed.status == 0, "\(allowed.stdout)\(allowed.stderr)\(Self.certbotLog(setup).suffix(3_000))")
        }
    }

    /// Chained fronting: a second certctl whose `acme` connector points at this server's directory
    /// issues through it — certctl fronting certctl, http-01 answered by the second one's listener.
    @Test func aSecondCertctlIssuesThroughThisDirectory() async throws {
        let upstream = try await Self.setUp()
        let upstreamCA = upstream.certctl.directory.appendingPathComponent("ca/iss-local.crt")
        let downstream = try Certctl()
        let downstreamPKI = Certctl.freePort()
        var environment = upstream.environment
        environment["CERTCTL_ACME_HTTP01_PORT"] = "\(downstreamPKI)"
        try await ServerProcess.with(upstream.certctl, arguments: ["--config", upstream.config.path], environment: environment) { server in
            let config = try downstream.writeConfig(
                withLocalIssuerAnd: """
                      - id: iss-upstream
                        type: acme
                        directory_url: "\(server.baseURL)/acme/web/directory"
                        ca_bundle_file: "\(upstreamCA.path)"
                        terms_of_service_agreed: "true"
                    """)
            #expect(try await downstream.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
            try await ServerProcess.with(downstream, arguments: ["--config", config.path], pkiPort: downstreamPKI) { front in
                let dir = downstream.directory
                let csr = try await OpenSSL.makeCSR(
                    in: dir, name: "chain", subject: "/CN=chain.example.test", san: "DNS:chain.example.test")
                let issued = try await front.request(
                    "POST", "/api/v1/certificates", key: try front.adminKey, json: ["issuer_id": "iss-upstream", "csr_pem": csr],
                    caFile: dir.appendingPathComponent("ca/iss-local.crt"))
                #expect(issued.status == 201, "\(issued.text)\n\(server.stderr.suffix(2_000))")
                let leaf = try #require(try issued.json()["certificate_pem"] as? String)
                #expect(try await OpenSSL.verify(leafPEM: leaf, caFile: upstreamCA, in: dir).status == 0)
                // The upstream recorded it as an ACME certificate of the downstream's account.
                let listed = try await server.request("GET", "/api/v1/certificates", key: try server.adminKey, caFile: upstreamCA)
                #expect(listed.text.contains("chain.example.test") && listed.text.contains("acme:"), "\(listed.text)")
            }
        }
    }

    /// lego (Go, Debian's package) enrolls over http-01 and over tls-alpn-01 — whose challenge
    /// certificate carries keyUsage keyEncipherment only, so the validator falls back to RSA key exchange.
    @Test func legoEnrollsOverHTTP01AndTLSALPN01() async throws {
        let setup = try await Self.setUp()
        let ca = setup.certctl.directory.appendingPathComponent("ca/iss-local.crt")
        let alpnPort = Certctl.freePort()
        var environment = setup.environment
        environment["CERTCTL_ACME_TLSALPN01_PORT"] = "\(alpnPort)"
        try await ServerProcess.with(setup.certctl, arguments: ["--config", setup.config.path], environment: environment) { server in
            var legoEnvironment = ProcessInfo.processInfo.environment
            legoEnvironment["LEGO_CA_CERTIFICATES"] = ca.path
            let path = setup.certctl.directory.appendingPathComponent("lego").path
            for (name, flags) in [
                ("lego-http.example.test", ["--http", "--http.port", "127.0.0.1:\(setup.http01Port)"]),
                ("lego-alpn.example.test", ["--tls", "--tls.port", "127.0.0.1:\(alpnPort)"]),
            ] {
                let run = try await Command.run(
                    [
                        "lego", "--server", "\(server.baseURL)/acme/web/directory", "--email", "ops@example.test", "--accept-tos", "--path",
                        path,
                        "--domains", name,
                    ] + flags + ["run"], environment: legoEnvironment)
                #expect(run.status == 0, "\(name): \(run.stdout)\(run.stderr)")
                let leaf = try String(contentsOfFile: "\(path)/certificates/\(name).crt", encoding: .utf8)
                #expect(try await OpenSSL.verify(leafPEM: leaf, caFile: ca, in: setup.certctl.directory).status == 0)
            }
        }
    }
}

extension ACMEServerTests {
    /// `examples/acme-server/` as its README says, with Caddy (Debian's 2.6) as the ACME client: its
    /// automatic HTTPS orders from the example's directory and serves the name with certctl's
    /// certificate, which the REST API lists as an ACME certificate.
    @Test func theExampleServesCaddy() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let example = Python.packageRoot.appendingPathComponent("examples/acme-server")
        for file in ["certctl.yaml", "Caddyfile"] {
            try FileManager.default.copyItem(at: example.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        let config = dir.appendingPathComponent("certctl.yaml")
        let initialized = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"])
        #expect(initialized.status == 0, "\(initialized.stderr)")
        let dns = try await ChallengeTestServer(logFile: dir.appendingPathComponent("challtestsrv.log"))
        let (httpPort, httpsPort) = (Certctl.freePort(), Certctl.freePort())
        let ca = dir.appendingPathComponent("ca/iss-local.crt")
        let environment = [
            "CERTCTL_ACME_HTTP01_PORT": "\(httpPort)", "CERTCTL_ACME_TLSALPN01_PORT": "\(httpsPort)",
            "CERTCTL_ACME_DNS_RESOLVER": dns.dnsAddress,
        ]
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: environment) { server in
            var caddyEnvironment = ProcessInfo.processInfo.environment
            caddyEnvironment.merge([
                "CERTCTL_ACME_DIRECTORY": "\(server.baseURL)/acme/web/directory", "CERTCTL_CA_FILE": ca.path, "HTTP_PORT": "\(httpPort)",
                "HTTPS_PORT": "\(httpsPort)", "CADDY_STORAGE": dir.appendingPathComponent("caddy-data").path, "HOME": dir.path,
                "XDG_DATA_HOME": dir.appendingPathComponent("xdg").path, "XDG_CONFIG_HOME": dir.appendingPathComponent("xdg").path,
            ]) { $1 }
            let log = dir.appendingPathComponent("caddy.log")
            let caddy = try ChildProcess(
                ["caddy", "run", "--config", dir.appendingPathComponent("Caddyfile").path, "--adapter", "caddyfile"],
                environment: caddyEnvironment, directory: dir, stdout: log, stderr: log)
            defer {
                caddy.signal(SIGKILL)
                _ = caddy.exitStatus
            }
            // Caddy orders in the background; the site answers over HTTPS once the certificate is in.
            var served = ""
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let fetched = try await Command.run([
                    "curl", "-sS", "--max-time", "5", "--cacert", ca.path, "--resolve", "app.example.test:\(httpsPort):127.0.0.1",
                    "https://app.example.test:\(httpsPort)/",
                ])
                served = fetched.stdout + fetched.stderr
                if fetched.status == 0 { break }
                try await Task.sleep(for: .milliseconds(500))
            }
            let caddyLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            #expect(served == "served with a certificate from certctl", "\(served)\n\(caddyLog.suffix(4000))")
            // Caddy staples the OCSP answer certctl's responder gives for it.
            let handshake = try await Command.run([
                "openssl", "s_client", "-connect", "127.0.0.1:\(httpsPort)", "-servername", "app.example.test", "-status", "-CAfile",
                ca.path,
            ])
            #expect(
                handshake.stdout.contains("OCSP Response Status: successful") && handshake.stdout.contains("Cert Status: good"),
                "\(handshake.stdout.prefix(3000))")
            let listed = try await server.request("GET", "/api/v1/certificates", key: try server.adminKey, caFile: ca)
            let rows = try listed.json()["certificates"] as? [[String: Any]] ?? []
            #expect(
                rows.contains {
                    ($0["requested_by"] as? String ?? "").hasPrefix("acme:") && "\($0)".contains("app.example.test")
                        && $0["profile"] as? String == "web"
                }, "\(listed.text)")
        }
    }
}
