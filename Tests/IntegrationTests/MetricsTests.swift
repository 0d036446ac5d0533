import Foundation
import Testing

/// Every documented OCSP and CRL counter moves when its event happens.
@Suite struct MetricsTests {
    func counters(_ server: ServerProcess, caFile: URL? = nil) async throws -> [String: Double] {
        let text = try await server.request("GET", "/api/v1/metrics/prometheus", key: try server.adminKey, caFile: caFile).text
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("certctl_") && line.contains("_counter_total{") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            let name = parts[0].replacingOccurrences(of: "certctl_", with: "").replacingOccurrences(
                of: "_counter_total{label=\"", with: "."
            )
            .replacingOccurrences(of: "\"}", with: "")
            values[name] = value
        }
        return values
    }

    @Test func ocspAndCRLCountersMove() async throws {
        let certctl = try Certctl()
        let limits = ["CERTCTL_OCSP_RATE_LIMIT_PER_IP_MIN": "40", "CERTCTL_CERT_EXPORT_RATE_LIMIT_PER_ACTOR_HR": "3"]
        try await ServerProcess.with(certctl, environment: limits) { server in
            let before = try await counters(server)
            #expect(before["ocsp.request_get"] == 0)

            let leaf = try await server.issue("leaf")
            let serial = try #require(leaf["serial"] as? String)
            let dir = certctl.directory
            let ca = certctl.caFile.path
            let url = "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-local"
            let leafPath = dir.appendingPathComponent("leaf.crt").path
            // POST with nonce (nonce_echoed), twice without (cache_miss then cache_hit).
            _ = try await Command.run(["openssl", "ocsp", "-issuer", ca, "-cert", leafPath, "-url", url])
            _ = try await Command.run(["openssl", "ocsp", "-issuer", ca, "-cert", leafPath, "-url", url, "-no_nonce"])
            _ = try await Command.run(["openssl", "ocsp", "-issuer", ca, "-cert", leafPath, "-url", url, "-no_nonce"])
            _ = try await server.request("GET", "/.well-known/pki/ocsp/iss-local/\(serial)")  // request_get
            _ = try await server.request("GET", "/.well-known/pki/ocsp/iss-local/0badc0de")  // cert_not_found
            _ = try await server.request("GET", "/.well-known/pki/ocsp/iss-local/!!notbase64")  // request_invalid
            _ = try await server.request("GET", "/.well-known/pki/ocsp/no-such-issuer/\(serial)")  // issuer_not_found
            let hugeNonce = try await Python.inline(
                """
                import sys, urllib.request
                from cryptography import x509
                from cryptography.hazmat.primitives import hashes, serialization
                from cryptography.x509 import ocsp
                load = lambda p: x509.load_pem_x509_certificate(open(p, 'rb').read())
                req = ocsp.OCSPRequestBuilder().add_certificate(load(sys.argv[2]), load(sys.argv[3]), hashes.SHA1())
                req = req.add_extension(x509.OCSPNonce(b'x' * 64), critical=False).build().public_bytes(serialization.Encoding.DER)
                body = urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=req), timeout=10).read()
                print(ocsp.load_der_ocsp_response(body).response_status)
                """,
                [url, leafPath, ca]
            )
            #expect(hugeNonce.stdout.contains("UNAUTHORIZED"), "\(hugeNonce.stderr)")
            // A CertID for another issuer (issuer_mismatch): the leaf presented as issued by itself.
            let mismatch = try await Command.run(["openssl", "ocsp", "-issuer", leafPath, "-cert", leafPath, "-url", url, "-no_nonce"])
            #expect((mismatch.stdout + mismatch.stderr).contains("unauthorized"), "\(mismatch.stdout)\(mismatch.stderr)")

            // Issuance refused, revocation done and refused, exports done, failed and rate limited.
            let key = try server.adminKey
            let id = try #require(leaf["id"] as? String)
            _ = try await server.request("POST", "/api/v1/certificates", key: key, json: ["issuer_id": "nope", "csr_pem": "x"])
            _ = try await server.request("GET", "/api/v1/certificates/\(id)/export/pem", key: key)
            _ = try await server.request("POST", "/api/v1/certificates/\(id)/export/pkcs12", key: key, json: ["password": "pw"])
            _ = try await server.request("GET", "/api/v1/certificates/missing/export/pem", key: key)
            _ = try await server.request("GET", "/api/v1/certificates/\(id)/export/pem", key: key)
            _ = try await server.request("POST", "/api/v1/certificates/\(id)/revoke", key: key, json: [:])
            _ = try await server.request("POST", "/api/v1/certificates/\(id)/revoke", key: key, json: [:])
            _ = try await server.request("GET", "/.well-known/pki/ocsp/iss-local/\(serial)")  // status_revoked
            for _ in 0..<40 { _ = try await server.request("GET", "/.well-known/pki/ocsp/iss-local/\(serial)") }  // rate_limited

            let crl = try await server.request("GET", "/.well-known/pki/crl/iss-local")  // served
            _ = try await server.request("GET", "/.well-known/pki/crl/iss-local", headers: ["If-None-Match": crl.headers["etag"] ?? ""])
            _ = try await server.request("GET", "/.well-known/pki/crl/nope")  // issuer_not_found

            let after = try await counters(server)
            let expected = [
                "ocsp.request_get", "ocsp.request_post", "ocsp.request_success", "ocsp.request_invalid", "ocsp.issuer_not_found",
                "ocsp.cert_not_found", "ocsp.nonce_echoed", "ocsp.nonce_malformed", "ocsp.rate_limited", "ocsp.cache_hit",
                "ocsp.cache_miss", "ocsp.status_good", "ocsp.status_unknown", "crl.served",
                "crl.not_modified", "crl.issuer_not_found", "issuance.issued", "ratelimit.ocsp", "ocsp.issuer_mismatch",
                "ocsp.status_revoked", "issuance.refused", "revocation.revoked", "revocation.refused", "export.pem", "export.pkcs12",
                "export.failed", "ratelimit.export",
            ]
            for name in expected {
                #expect((after[name] ?? 0) > (before[name] ?? 0), "\(name) did not move")
            }
            // Made at start-up, before the first snapshot.
            #expect(after["ocsp.responder_rotated"] ?? 0 >= 1)
            #expect(after["crl.generated"] ?? 0 >= 1)
            let histogram = try await server.request("GET", "/api/v1/metrics/prometheus", key: try server.adminKey).text
            #expect(histogram.contains("certctl_http_request_duration_seconds_bucket"))
        }
    }

    @Test func signingFailuresAreCountedAndAnsweredInternalError() async throws {
        let certctl = try Certctl()
        // A key directory that cannot be created: the responder cannot be made, so signing fails.
        try await ServerProcess.with(certctl, environment: ["CERTCTL_OCSP_RESPONDER_KEY_DIR": "/dev/null/ocsp-keys"]) { server in
            let serial = try #require(try await server.issue("leaf")["serial"] as? String)
            let response = try await server.request("GET", "/.well-known/pki/ocsp/iss-local/\(serial)")
            let file = certctl.directory.appendingPathComponent("err.der")
            try response.body.write(to: file)
            let text = try await Command.run(["openssl", "ocsp", "-respin", file.path, "-resp_text", "-noverify"])
            #expect(text.stdout.contains("internalerror"), "\(text.stdout)")
            #expect((try await counters(server))["ocsp.signing_failed"] ?? 0 > 0)
        }
    }
}
