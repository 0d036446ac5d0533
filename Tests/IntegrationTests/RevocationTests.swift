import Foundation
import Testing

/// CRL and OCSP checked by clients that are not ours: the openssl CLI and Python `cryptography`.
@Suite struct RevocationTests {
    @Test func opensslAndPythonAgreeWithTheResponderAndTheCRL() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let dir = certctl.directory
            let ca = certctl.caFile.path
            let ocspURL = "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local"
            let good = try await server.issue("good")
            let doomed = try await server.issue("doomed")

            // openssl ocsp (POST), with and without a nonce, verified against the CA.
            for nonceFlag in [[], ["-no_nonce"]] {
                let result = try await Command.run(
                    [
                        "openssl", "ocsp", "-issuer", ca, "-cert", dir.appendingPathComponent("doomed.crt").path, "-url", ocspURL,
                        "-CAfile", ca,
                    ]
                        + nonceFlag
                )
                #expect(result.stderr.contains("Response verify OK"), "\(result.stderr)")
                #expect(result.stdout.contains("doomed.crt: good"), "\(result.stdout)")
            }

            // Revoke: the CRL lists it within one second of the revoke call returning, and OCSP (even
            // the cached nonce-less answer) says revoked at once.
            let revoke = try await server.request(
                "POST", "/api/v1/certificates/\(doomed["id"] as? String ?? "")/revoke", key: try server.adminKey,
                json: ["reason": "keyCompromise"]
            )
            #expect(revoke.status == 200)
            let revokedAt = ContinuousClock.now
            let crlDER = dir.appendingPathComponent("crl.der")
            let crlPEM = dir.appendingPathComponent("crl.pem")
            // Poll cheaply (the DER holds the serial's octets); openssl reads the result below.
            let serialHex = doomed["serial"] as? String ?? ""
            let serialBytes = stride(from: 0, to: serialHex.count, by: 2).compactMap {
                UInt8(serialHex.dropFirst($0).prefix(2), radix: 16)
            }
            var listed = false
            repeat {
                let crl = try await server.request("GET", "/.well-known/pki/crl/iss-local")
                try crl.body.write(to: crlDER)
                listed =
                    !serialBytes.isEmpty
                    && Array(crl.body).indices.contains { start in
                        Array(crl.body).dropFirst(start).starts(with: serialBytes)
                    }
                if !listed { try await Task.sleep(for: .milliseconds(20)) }
            } while !listed && ContinuousClock.now - revokedAt < .seconds(1)
            #expect(listed, "the revoked serial was not on the CRL within one second")
            let listing = try await Command.run(["openssl", "crl", "-inform", "DER", "-in", crlDER.path, "-noout", "-text"])
            #expect(listing.stdout.contains(serialHex.uppercased()), "\(listing.stdout)")

            let ocsp = try await Command.run(
                [
                    "openssl", "ocsp", "-issuer", ca, "-cert", dir.appendingPathComponent("doomed.crt").path, "-url", ocspURL, "-CAfile",
                    ca, "-no_nonce",
                ]
            )
            #expect(ocsp.stdout.contains("doomed.crt: revoked"), "\(ocsp.stdout)")
            #expect(ocsp.stdout.contains("Reason: keyCompromise"))

            // Several CertIDs in one request are answered together.
            let both = try await Command.run([
                "openssl", "ocsp", "-issuer", ca, "-cert", dir.appendingPathComponent("good.crt").path, "-cert",
                dir.appendingPathComponent("doomed.crt").path, "-url", ocspURL, "-CAfile", ca,
            ])
            #expect(both.stdout.contains("good.crt: good") && both.stdout.contains("doomed.crt: revoked"), "\(both.stdout)")

            // openssl crl verifies the signature; openssl verify -crl_check uses it.
            let crlCheck = try await Command.run(["openssl", "crl", "-inform", "DER", "-in", crlDER.path, "-CAfile", ca, "-noout"])
            #expect(crlCheck.stderr.contains("verify OK") || crlCheck.stdout.contains("verify OK"), "\(crlCheck.stderr)")
            try await Command.check(["openssl", "crl", "-inform", "DER", "-in", crlDER.path, "-out", crlPEM.path])
            let goodCheck = try await Command.run(
                ["openssl", "verify", "-crl_check", "-CRLfile", crlPEM.path, "-CAfile", ca, dir.appendingPathComponent("good.crt").path]
            )
            #expect(goodCheck.status == 0, "\(goodCheck.stderr)")
            let revokedCheck = try await Command.run(
                ["openssl", "verify", "-crl_check", "-CRLfile", crlPEM.path, "-CAfile", ca, dir.appendingPathComponent("doomed.crt").path]
            )
            #expect(revokedCheck.status != 0)
            #expect((revokedCheck.stdout + revokedCheck.stderr).contains("certificate revoked"))

            // Python cryptography: CRL and OCSP signatures, statuses, reasons, nonce, GET form, error forms.
            try await Command.check([
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                dir.appendingPathComponent("other.key").path, "-subj", "/CN=Other CA", "-days", "10", "-out",
                dir.appendingPathComponent("other.crt").path,
            ])
            let python = try await Python.run(
                "check_revocation.py",
                [
                    server.pkiBaseURL, "iss-local", ca, dir.appendingPathComponent("good.crt").path,
                    dir.appendingPathComponent("doomed.crt").path,
                    dir.appendingPathComponent("other.crt").path,
                ]
            )
            #expect(python.status == 0, "\(python.stdout)\(python.stderr)")
            #expect(python.stdout.contains("ok"))
            _ = good
        }
    }

    @Test func crlHTTPCachingAndNumbers() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let first = try await server.request("GET", "/.well-known/pki/crl/iss-local")
            #expect(first.status == 200)
            #expect(first.contentType == "application/pkix-crl")
            let etag = try #require(first.headers["etag"])
            #expect(etag.hasPrefix("W/\""))
            #expect(first.headers["cache-control"]?.hasPrefix("public, max-age=") == true)
            #expect(first.headers["cache-control"]?.hasSuffix("must-revalidate") == true)
            let notModified = try await server.request("GET", "/.well-known/pki/crl/iss-local", headers: ["If-None-Match": etag])
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)
            // Repeats are answered from memory: only the newest CRL number is read from the database.
            #expect(try await MetricsTests().counters(server)["crl.served_from_memory"] ?? 0 >= 1)

            // A revocation makes a new CRL with a higher number (and a new ETag).
            let victim = try await server.issue("victim")
            _ = try await server.request(
                "POST", "/api/v1/certificates/\(victim["id"] as? String ?? "")/revoke", key: try server.adminKey, json: [:])
            var second = first
            let deadline = ContinuousClock.now + .seconds(2)
            while second.headers["etag"] == etag && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                second = try await server.request("GET", "/.well-known/pki/crl/iss-local")
            }
            #expect(second.headers["etag"] != etag)
            let numbers = try await Python.inline(
                """
                import sys
                from cryptography import x509
                from cryptography.x509.oid import ExtensionOID
                for path in sys.argv[1:]:
                    crl = x509.load_der_x509_crl(open(path, 'rb').read())
                    print(crl.extensions.get_extension_for_oid(ExtensionOID.CRL_NUMBER).value.crl_number)
                """,
                try [first, second].enumerated().map { index, response in
                    let file = certctl.directory.appendingPathComponent("crl\(index).der")
                    try response.body.write(to: file)
                    return file.path
                }
            )
            let parsed = numbers.stdout.split(separator: "\n").compactMap { Int($0) }
            #expect(parsed.count == 2 && parsed[1] > parsed[0], "\(numbers.stdout)\(numbers.stderr)")

            // Over HTTPS too, and 404 problems for unknown issuers.
            let missing = try await server.request("GET", "/.well-known/pki/crl/no-such-issuer")
            #expect(missing.status == 404)
            #expect(missing.contentType == "application/problem+json")

            // The admin view reports the cache and its generations; non-admins are refused.
            let cache = try await server.request("GET", "/api/v1/admin/crl/cache", key: try server.adminKey).json()
            let rows = try #require(cache["cache_rows"] as? [[String: Any]])
            #expect(cache["row_count"] as? Int == 1)
            #expect(rows.first?["issuer_id"] as? String == "iss-local")
            #expect(rows.first?["cache_present"] as? Bool == true)
            #expect(rows.first?["revoked_count"] as? Int == 1)
            #expect(rows.first?["is_stale"] as? Bool == false)
            #expect(((rows.first?["recent_events"] as? [[String: Any]])?.count ?? 0) >= 2)
            let created = try await certctl.run(["admin", "keys", "create", "--name", "viewer"])
            #expect(try await server.request("GET", "/api/v1/admin/crl/cache", key: created.lastLine).status == 403)
        }
    }

    @Test func crlNumbersKeepIncreasingAcrossRestarts() async throws {
        let certctl = try Certctl()
        func crlNumber(_ server: ServerProcess) async throws -> Int {
            let crl = try await server.request("GET", "/.well-known/pki/crl/iss-local")
            let file = certctl.directory.appendingPathComponent("n-\(UUID().uuidString).der")
            try crl.body.write(to: file)
            let text = try await Command.check(["openssl", "crl", "-inform", "DER", "-in", file.path, "-noout", "-crlnumber"])
            let hex = text.split(separator: "=").last?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            return Int(hex.hasPrefix("0x") ? String(hex.dropFirst(2)) : hex, radix: 16) ?? -1
        }
        let before = try await ServerProcess.with(certctl) { try await crlNumber($0) }
        let after = try await ServerProcess.with(
            certctl, environment: ["CERTCTL_CRL_VALIDITY": "2h", "CERTCTL_CRL_GENERATION_INTERVAL": "1s"]
        ) { server in
            // With a 1 s interval the scheduler re-signs: the number grows, never repeats.
            try await Task.sleep(for: .seconds(2.5))
            return try await crlNumber(server)
        }
        #expect(before >= 1)
        #expect(after > before)
    }

    @Test func ocspRateLimitPerSourceIP() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl, environment: ["CERTCTL_OCSP_RATE_LIMIT_PER_IP_MIN": "3"]) { server in
            let leaf = try await server.issue("leaf")
            let serial = try #require(leaf["serial"] as? String)
            var statuses: [String] = []
            var retryAfter: String?
            for _ in 0..<4 {
                // X-Forwarded-For must not buy a fresh budget.
                let response = try await server.request(
                    "GET", "/.well-known/pki/ocsp/iss-local/\(serial)", headers: ["X-Forwarded-For": UUID().uuidString])
                let file = certctl.directory.appendingPathComponent("rl-\(statuses.count).der")
                try response.body.write(to: file)
                let text = try await Command.run(["openssl", "ocsp", "-respin", file.path, "-resp_text", "-noverify"])
                statuses.append(
                    text.stdout.contains("unauthorized")
                        ? "unauthorized" : (text.stdout.contains("Cert Status: good") ? "good" : text.stdout))
                retryAfter = response.headers["retry-after"]
            }
            #expect(statuses == ["good", "good", "good", "unauthorized"])
            #expect(retryAfter == "60")
        }
    }
}

@Suite struct CRLCommandTests {
    @Test func crlGenerateSignsStoresAndWritesANewCRL() async throws {
        let certctl = try Certctl()
        var serial = ""
        try await ServerProcess.with(certctl) { server in
            let leaf = try await server.issue("leaf")
            serial = try #require(leaf["serial"] as? String)
            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(leaf["id"] as? String ?? "")/revoke", key: try server.adminKey,
                json: ["reason": "keyCompromise"])
            #expect(revoked.status == 200)
        }
        let out = certctl.directory.appendingPathComponent("now.crl")
        let result = try await certctl.run(["crl", "generate", "--issuer", "iss-local", "--out", out.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("for issuer iss-local: 1 entries"), "\(result.stdout)")
        let text = try await Command.check(["openssl", "crl", "-inform", "DER", "-in", out.path, "-noout", "-text"])
        #expect(text.lowercased().contains(serial) && text.contains("Key Compromise"), "\(text)")
        let verify = try await Command.run(["openssl", "crl", "-inform", "DER", "-in", out.path, "-noout", "-CAfile", certctl.caFile.path])
        #expect((verify.stdout + verify.stderr).contains("verify OK"))
        // Servers serve the newest CRL in the database: this one, or one their start-up pass signed after it.
        let printed = try #require(Int64(result.stdout.split(separator: " ")[3]))
        try await ServerProcess.with(certctl) { server in
            let served = try await DisasterRecoveryTests.crlNumber(server)
            #expect(served >= printed)
        }
        let unknown = try await certctl.run(["crl", "generate", "--issuer", "iss-nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("no issuer 'iss-nope'"))
    }
}
