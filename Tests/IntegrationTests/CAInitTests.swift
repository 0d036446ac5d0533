import Foundation
import Testing

/// `certctl ca init` for configured local issuers: a root, a subordinate, and serving from it.
@Suite struct CAInitTests {
    let yaml = """
        data_dir: state
        issuers:
          - id: iss-root
            type: local
            key_file: pki/root.key
            cert_file: pki/root.crt
            key_type: ecdsa-p384
          - id: iss-sub
            type: local
            key_file: pki/sub.key
            cert_file: pki/sub.crt
            max_validity: 30d
        """

    @Test func rootThenSubordinateThenServe() async throws {
        let certctl = try Certctl()
        let configDir = certctl.directory.appendingPathComponent("etc")
        try FileManager.default.createDirectory(at: configDir, withIntermediateDirectories: true)
        let config = configDir.appendingPathComponent("certctl.yaml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        // CERTCTL_DATA_DIR from the helper would override data_dir: drop it for this test.
        let env = ["CERTCTL_DATA_DIR": ""]

        let root = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-root"], environment: env)
        #expect(root.status == 0, "\(root.stderr)")
        let sub = try await certctl.run(
            ["ca", "init", "--config", config.path, "--issuer", "iss-sub", "--parent", "iss-root"], environment: env)
        #expect(sub.status == 0, "\(sub.stderr)")
        let again = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-root"], environment: env)
        #expect(again.status != 0)
        #expect(again.stderr.contains("refusing to overwrite"))
        let unknown = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-none"], environment: env)
        #expect(unknown.status != 0)

        let rootFile = configDir.appendingPathComponent("pki/root.crt")
        let subFile = configDir.appendingPathComponent("pki/sub.crt")
        let keyMode =
            try FileManager.default.attributesOfItem(atPath: configDir.appendingPathComponent("pki/sub.key").path)[.posixPermissions]
            as? Int
        #expect(keyMode == 0o600)
        let subCheck = try await Command.run(["openssl", "verify", "-CAfile", rootFile.path, subFile.path])
        #expect(subCheck.status == 0, "\(subCheck.stderr)")
        let rootText = try await Command.check(["openssl", "x509", "-in", rootFile.path, "-noout", "-text"])
        #expect(rootText.contains("NIST CURVE: P-384") && rootText.contains("CA:TRUE"))

        // The server with configured issuers: self-signed TLS, issues from the subordinate.
        let tlsCert = configDir.appendingPathComponent("state/tls/server.crt")
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: env) { server in
            let adminKey = try String(contentsOf: configDir.appendingPathComponent("state/admin-api-key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let issuers = try await server.request("GET", "/api/v1/issuers", key: adminKey, caFile: tlsCert).json()
            #expect((issuers["issuers"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["iss-root", "iss-sub"])
            let csr = try await OpenSSL.makeCSR(in: certctl.directory, name: "leaf")
            let tooLong = try await server.request(
                "POST", "/api/v1/certificates", key: adminKey, json: ["issuer_id": "iss-sub", "csr_pem": csr, "validity_days": 31],
                caFile: tlsCert
            )
            #expect(tooLong.status == 422)
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: adminKey, json: ["issuer_id": "iss-sub", "csr_pem": csr], caFile: tlsCert
            )
            #expect(issued.status == 201, "\(issued.text)")
            let object = try issued.json()
            let pem = try #require(object["certificate_pem"] as? String)
            let chain = certctl.directory.appendingPathComponent("chain.pem")
            try (object["chain_pem"] as? String ?? "").write(to: chain, atomically: true, encoding: .utf8)
            let verified = try await OpenSSL.verify(leafPEM: pem, caFile: rootFile, untrusted: chain, in: certctl.directory)
            #expect(verified.status == 0, "\(verified.stderr)")
            // Without the subordinate the chain does not verify: the leaf really is the sub's.
            let direct = try await OpenSSL.verify(leafPEM: pem, caFile: rootFile, in: certctl.directory)
            #expect(direct.status != 0)
        }
    }
}
