import Foundation
import Testing

/// Every refused request gets a problem+json 4xx and changes nothing.
@Suite struct BadInputTests {
    @Test func refusedRequestsAreProblemsAndChangeNothing() async throws {
        let certctl = try Certctl()
        try await ServerProcess.with(certctl, environment: ["CERTCTL_MAX_BODY_SIZE": "64KB"]) { server in
            let key = try server.adminKey
            let csr = try await OpenSSL.makeCSR(in: certctl.directory, name: "leaf")
            var badSignature = Array(Data(base64Encoded: csr.split(separator: "\n").dropFirst().dropLast().joined())!)
            badSignature[badSignature.count - 3] ^= 0x01
            let badSignaturePEM =
                "-----BEGIN CERTIFICATE REQUEST-----\n\(Data(badSignature).base64EncodedString(options: .lineLength64Characters))\n-----END CERTIFICATE REQUEST-----\n"
            let dsaCSR = try await OpenSSL.makeCSR(in: certctl.directory, name: "ed", keyAlgorithm: ["-newkey", "ed25519"])
            let rsa1024 = try await OpenSSL.makeCSR(in: certctl.directory, name: "weak", keyAlgorithm: ["-newkey", "rsa:1024"])
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-local", "csr_pem": csr])
            let id = try #require(try issued.json()["id"] as? String)

            let before = try await state(server, key: key)
            let cases: [(String, String, Any?, Data?, String?, Int)] = [
                ("POST", "/api/v1/certificates", nil, Data("{not json".utf8), key, 400),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local"], nil, key, 400),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": "not a pem"], nil, key, 400),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": badSignaturePEM], nil, key, 400),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-nope", "csr_pem": csr], nil, key, 422),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": dsaCSR], nil, key, 422),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": rsa1024], nil, key, 422),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": csr, "validity_days": 3650], nil, key, 422),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": csr, "validity_days": "ten"], nil, key, 400),
                ("POST", "/api/v1/certificates", nil, Data(repeating: 0x61, count: 70_000), key, 413),
                ("POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": csr], nil, nil, 401),
                (
                    "POST", "/api/v1/certificates", ["issuer_id": "iss-local", "csr_pem": csr], nil,
                    "ck_000000000000_" + String(repeating: "A", count: 43), 401
                ),
                ("GET", "/api/v1/certificates/does-not-exist", nil, nil, key, 404),
                ("POST", "/api/v1/certificates/does-not-exist/revoke", ["reason": "keyCompromise"], nil, key, 404),
                ("POST", "/api/v1/certificates/\(id)/revoke", ["reason": "notAReason"], nil, key, 400),
                ("POST", "/api/v1/certificates/\(id)/revoke", ["reason": "certificateHold"], nil, key, 422),
                ("GET", "/no/such/route", nil, nil, key, 404),
            ]
            for (method, path, json, body, caseKey, status) in cases {
                let result = try await server.request(method, path, key: caseKey, json: json, body: body)
                #expect(result.status == status, "\(method) \(path) \(String(describing: json)): \(result.text)")
                #expect(result.contentType == "application/problem+json", "\(method) \(path)")
                let problem = try result.json()
                #expect(problem["status"] as? Int == status)
                #expect(problem["title"] is String && problem["type"] is String && problem["detail"] is String)
            }
            let after = try await state(server, key: key)
            #expect(before == after)
            let audit = try await server.request("GET", "/api/v1/audit?limit=50", key: key).json()
            let denied = (audit["events"] as? [[String: Any]] ?? []).filter { $0["action"] as? String == "cert_issue_denied" }
            #expect(Set(denied.compactMap { ($0["detail"] as? [String: String])?["rule"] }) == ["unknown_issuer", "validity"])
        }
    }

    /// Certificates and audit rows, as the API reports them.
    func state(_ server: ServerProcess, key: String) async throws -> [String] {
        let certificates = try await server.request("GET", "/api/v1/certificates?limit=500", key: key).json()
        let audit = try await server.request("GET", "/api/v1/audit?limit=500", key: key).json()
        let rows = (certificates["certificates"] as? [[String: Any]] ?? []).map { "\($0["id"] ?? "") \($0["status"] ?? "")" }
        // The background service's responder bootstrap at start-up is not caused by the requests;
        // policy refusals are audited by design (cert_issue_denied) and change no other state.
        let events = (audit["events"] as? [[String: Any]] ?? []).filter {
            !["ocsp_responder_rotated", "cert_issue_denied"].contains($0["action"] as? String)
        }
        return rows + ["audit=\(events.count)"]
    }
}
