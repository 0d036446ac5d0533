import Foundation
import Testing

/// PEM and PKCS#12 exports, opened by openssl and Python, and the per-key export budget.
@Suite struct ExportTests {
    @Test func pemAndPKCS12OpenInRealClients() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let key = try server.adminKey
            let leaf = try await server.issue("leaf")
            let id = try #require(leaf["id"] as? String)

            let pem = try await server.request("GET", "/api/v1/certificates/\(id)/export/pem", key: key)
            #expect(pem.status == 200)
            #expect(pem.contentType == "application/x-pem-file")
            #expect(pem.text.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2)
            #expect(!pem.text.contains("PRIVATE KEY"))
            let bundle = certctl.directory.appendingPathComponent("bundle.pem")
            try pem.body.write(to: bundle)
            let verified = try await Command.run(["openssl", "verify", "-CAfile", certctl.caFile.path, bundle.path])
            #expect(verified.status == 0, "\(verified.stderr)")

            let p12 = try await server.request(
                "POST", "/api/v1/certificates/\(id)/export/pkcs12", key: key, json: ["password": "s3cret pass"])
            #expect(p12.status == 200)
            #expect(p12.contentType == "application/x-pkcs12")
            let file = certctl.directory.appendingPathComponent("leaf.p12")
            try p12.body.write(to: file)
            let info = try await Command.run(["openssl", "pkcs12", "-in", file.path, "-passin", "pass:s3cret pass", "-info", "-nokeys"])
            #expect(info.status == 0, "\(info.stderr)")
            let details = info.stdout + info.stderr
            #expect(details.contains("MAC: sha256"))
            #expect(details.contains("PBES2, PBKDF2, AES-256-CBC"))
            #expect(details.contains("Iteration 210000, PRF hmacWithSHA256"))
            #expect(details.components(separatedBy: "BEGIN CERTIFICATE").count - 1 == 2)
            #expect(!details.contains("Shrouded Keybag"))
            let wrong = try await Command.run(["openssl", "pkcs12", "-in", file.path, "-passin", "pass:wrong", "-nokeys"])
            #expect(wrong.status != 0)

            let python = try await Python.inline(
                """
                import sys
                from cryptography.hazmat.primitives.serialization import pkcs12
                bundle = pkcs12.load_pkcs12(open(sys.argv[1], 'rb').read(), b's3cret pass')
                assert bundle.key is None, 'a key was exported'
                certs = ([bundle.cert] if bundle.cert else []) + list(bundle.additional_certs)
                print(len(certs), certs[0].certificate.subject.rfc4514_string())
                """,
                [file.path]
            )
            #expect(python.status == 0, "\(python.stderr)")
            #expect(python.stdout.hasPrefix("2 CN=app.example.test"), "\(python.stdout)")

            #expect(
                try await server.request("POST", "/api/v1/certificates/\(id)/export/pkcs12", key: key, json: ["password": ""]).status == 400
            )
            #expect(try await server.request("POST", "/api/v1/certificates/\(id)/export/pkcs12", key: key, json: [:]).status == 400)
            #expect(try await server.request("GET", "/api/v1/certificates/nope/export/pem", key: key).status == 404)

            let audit = try await server.request("GET", "/api/v1/audit?limit=10", key: key).json()
            let events = audit["events"] as? [[String: Any]] ?? []
            let pemEvent = try #require(events.first { $0["action"] as? String == "cert_export_pem" })
            #expect((pemEvent["detail"] as? [String: String])?["has_private_key"] == "false")
            let p12Event = try #require(events.first { $0["action"] as? String == "cert_export_pkcs12" })
            #expect((p12Event["detail"] as? [String: String])?["cipher"]?.contains("AES-256-CBC") == true)
            #expect(events.contains { $0["action"] as? String == "cert_export_failed" })
        }
    }

    @Test func exportBudgetIsPerAPIKeyNotPerHeader() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl, environment: ["CERTCTL_CERT_EXPORT_RATE_LIMIT_PER_ACTOR_HR": "2"]) { server in
            let key = try server.adminKey
            let id = try #require(try await server.issue("leaf")["id"] as? String)
            #expect(try await server.request("GET", "/api/v1/certificates/\(id)/export/pem", key: key).status == 200)
            #expect(
                try await server.request("POST", "/api/v1/certificates/\(id)/export/pkcs12", key: key, json: ["password": "x"]).status
                    == 200)
            let limited = try await server.request(
                "GET", "/api/v1/certificates/\(id)/export/pem", key: key, headers: ["X-Forwarded-For": "203.0.113.9"]
            )
            #expect(limited.status == 429)
            let body = try limited.json()
            #expect(body["error"] as? String == "rate_limit_exceeded")
            let retry = try #require(body["retry_after_seconds"] as? Int)
            #expect(retry > 0 && retry <= 3_600)
            #expect(limited.headers["retry-after"] == String(retry))

            // Another key has its own budget.
            let other = try await certctl.run(["admin", "keys", "create", "--name", "other", "--role", "operator"])
            #expect(try await server.request("GET", "/api/v1/certificates/\(id)/export/pem", key: other.lastLine).status == 200)

            let audit = try await server.request("GET", "/api/v1/audit?limit=5", key: key).json()
            let failed = (audit["events"] as? [[String: Any]] ?? []).first { $0["action"] as? String == "cert_export_failed" }
            #expect((failed?["detail"] as? [String: String])?["reason"] == "rate_limited")
        }
    }
}
