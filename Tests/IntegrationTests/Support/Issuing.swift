import Foundation
import Testing

extension ServerProcess {
    /// Issues a certificate from an openssl-made CSR and writes `<name>.crt`; returns the certificate object.
    func issue(_ name: String, subject: String = "/CN=app.example.test", issuer: String = "iss-local") async throws -> [String: Any] {
        let csr = try await OpenSSL.makeCSR(in: certctl.directory, name: name, subject: subject, san: "DNS:\(name).example.test")
        let issued = try await request("POST", "/api/v1/certificates", key: try adminKey, json: ["issuer_id": issuer, "csr_pem": csr])
        guard issued.status == 201 else { throw TestFailure("issue \(name): \(issued.status) \(issued.text)") }
        let object = try issued.json()
        try (object["certificate_pem"] as? String ?? "").write(
            to: certctl.directory.appendingPathComponent("\(name).crt"), atomically: true, encoding: .utf8
        )
        return object
    }

    /// The plain-HTTP PKI base URL (servers started with `CERTCTL_PKI_HTTP_LISTEN`).
    var pkiBaseURL: String { "http://127.0.0.1:\(pkiPort)" }
}
