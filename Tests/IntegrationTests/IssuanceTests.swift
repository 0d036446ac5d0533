import Foundation
import Testing

/// The README walkthrough with real clients: openssl makes the key and CSR, curl issues, openssl verifies.
@Suite struct IssuanceTests {
    @Test(arguments: [
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-384"],
        ["-newkey", "rsa:2048"],
        ["-newkey", "rsa:4096"],
    ])
    func issueVerifyRevoke(keyAlgorithm: [String]) async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let key = try server.adminKey
            let csr = try await OpenSSL.makeCSR(in: certctl.directory, name: "leaf", keyAlgorithm: keyAlgorithm)
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-local", "csr_pem": csr, "validity_days": 30]
            )
            #expect(issued.status == 201, "\(issued.text)")
            #expect(issued.contentType == "application/json")
            let object = try issued.json()
            let pem = try #require(object["certificate_pem"] as? String)
            let id = try #require(object["id"] as? String)

            let verified = try await OpenSSL.verify(leafPEM: pem, caFile: certctl.caFile, in: certctl.directory)
            #expect(verified.status == 0, "\(verified.stderr)\(verified.stdout)")
            let serial = try await OpenSSL.x509(pem, ["-serial"], in: certctl.directory)
            #expect(serial.trimmingCharacters(in: .whitespacesAndNewlines) == "serial=" + (object["serial"] as? String ?? "").uppercased())
            let sans = try await OpenSSL.x509(pem, ["-ext", "subjectAltName"], in: certctl.directory)
            #expect(sans.contains("DNS:app.example.test, DNS:www.example.test, IP Address:127.0.0.1"))
            #expect(object["sans"] as? [String] == ["DNS:app.example.test", "DNS:www.example.test", "IP:127.0.0.1"])
            #expect(object["subject"] as? String == "CN=app.example.test")
            #expect(object["status"] as? String == "active")
            let days = try await OpenSSL.x509(pem, ["-checkend", String(29 * 86_400)], in: certctl.directory)
            #expect(days.contains("will not expire"))
            let aia = try await OpenSSL.x509(pem, ["-ext", "authorityInfoAccess"], in: certctl.directory)
            #expect(aia.contains("CA Issuers - URI:\(server.pkiBaseURL)/.well-known/pki/ca/iss-local"))
            #expect(aia.contains("OCSP - URI:\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local"))
            let cdp = try await OpenSSL.x509(pem, ["-ext", "crlDistributionPoints"], in: certctl.directory)
            #expect(cdp.contains("URI:\(server.pkiBaseURL)/.well-known/pki/crl/iss-local"))
            #expect((object["chain_pem"] as? String)?.contains("BEGIN CERTIFICATE") == true)

            let fetched = try await server.request("GET", "/api/v1/certificates/\(id)", key: key).json()
            #expect(fetched["certificate_pem"] as? String == pem)

            let revoked = try await server.request("POST", "/api/v1/certificates/\(id)/revoke", key: key, json: ["reason": "keyCompromise"])
            #expect(revoked.status == 200)
            #expect(try revoked.json()["status"] as? String == "revoked")
            #expect(try revoked.json()["revocation_reason"] as? String == "keyCompromise")
            #expect(try revoked.json()["revoked_at"] is String)
            let again = try await server.request("POST", "/api/v1/certificates/\(id)/revoke", key: key, json: ["reason": "keyCompromise"])
            #expect(again.status == 409)
            #expect(again.contentType == "application/problem+json")
        }
    }

    @Test func listPagesWithCursorAndFilters() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let key = try server.adminKey
            var ids: [String] = []
            for n in 0..<3 {
                let csr = try await OpenSSL.makeCSR(
                    in: certctl.directory, name: "l\(n)", subject: "/CN=host\(n).test", san: "DNS:host\(n).test")
                let issued = try await server.request(
                    "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-local", "csr_pem": csr])
                ids.append(try #require(try issued.json()["id"] as? String))
            }
            _ = try await server.request("POST", "/api/v1/certificates/\(ids[0])/revoke", key: key, json: ["reason": "superseded"])

            // The bootstrapped TLS certificate is in the list too: 4 rows, newest first.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let query = "/api/v1/certificates?limit=2" + (cursor.map { "&cursor=\($0)" } ?? "")
                let page = try await server.request("GET", query, key: key).json()
                seen += (page["certificates"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["next_cursor"] as? String
            } while cursor != nil
            #expect(seen.count == 4)
            #expect(Array(seen.prefix(3)) == ids.reversed())

            let revoked = try await server.request("GET", "/api/v1/certificates?status=revoked", key: key).json()
            #expect((revoked["certificates"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [ids[0]])
            let none = try await server.request("GET", "/api/v1/certificates?issuer_id=other", key: key).json()
            #expect((none["certificates"] as? [Any])?.isEmpty == true)
            #expect(try await server.request("GET", "/api/v1/certificates?status=bogus", key: key).status == 400)
            #expect(try await server.request("GET", "/api/v1/certificates?limit=0", key: key).status == 400)
            #expect(try await server.request("GET", "/api/v1/certificates?cursor=abc", key: key).status == 400)
        }
    }

    @Test func caCertificateIsPublishedAsDERAndPEM() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl) { server in
            let der = try await server.request("GET", "/.well-known/pki/ca/iss-local")
            #expect(der.status == 200)
            #expect(der.contentType == "application/pkix-cert")
            let derFile = certctl.directory.appendingPathComponent("ca.der")
            try der.body.write(to: derFile)
            let fromDER = try await Command.check(["openssl", "x509", "-inform", "DER", "-in", derFile.path])
            #expect(fromDER == (try String(contentsOf: certctl.caFile, encoding: .utf8)))
            let pem = try await server.request("GET", "/.well-known/pki/ca/iss-local.pem")
            #expect(pem.text == fromDER)
            let missing = try await server.request("GET", "/.well-known/pki/ca/nope")
            #expect(missing.status == 404)
            #expect(missing.contentType == "application/problem+json")
        }
    }
}
