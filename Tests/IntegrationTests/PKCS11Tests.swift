import Foundation
import Testing

/// The `pkcs11` connector against a real SoftHSM2 token, checked with openssl and pkcs11-tool.
@Suite(.serialized) struct PKCS11Tests {
    /// `ca init` with the token's key (root or subordinate of iss-local), serve, issue, verify, CRL, OCSP.
    @Test(arguments: [("EC:prime256v1", false), ("rsa:2048", true)])
    func issueAndPublishWithATokenKey(keyType: String, subordinate: Bool) async throws {
        let certctl = try Certctl()
        let hsm = try await SoftHSM(in: certctl.directory, keyType: keyType)
        let config = try hsm.writeConfig(in: certctl.directory)
        let env = hsm.environment.merging(["CERTCTL_DATA_DIR": ""]) { $1 }
        let dir = certctl.directory
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"], environment: env).status == 0)
        let initArgs = ["ca", "init", "--config", config.path, "--issuer", "iss-hsm"] + (subordinate ? ["--parent", "iss-local"] : [])
        let created = try await certctl.run(initArgs, environment: env)
        #expect(created.status == 0, "\(created.stderr)")
        let hsmCert = dir.appendingPathComponent("ca/iss-hsm.crt")
        let root = subordinate ? dir.appendingPathComponent("ca/iss-local.crt") : hsmCert

        // The private key is sensitive and never extractable.
        let objects = try await hsm.run(
            [
                "pkcs11-tool", "--module", SoftHSM.module, "--token-label", hsm.label, "--login", "--pin", SoftHSM.pin, "--list-objects",
                "--type", "privkey",
            ]
        )
        #expect(objects.contains("sensitive") && objects.contains("never extractable"), "\(objects)")

        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: env) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try String(contentsOf: dir.appendingPathComponent("data/admin-api-key"), encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            let csr = try await OpenSSL.makeCSR(in: dir, name: "leaf")
            let issued = try await server.request(
                "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-hsm", "csr_pem": csr], caFile: tls)
            #expect(issued.status == 201, "\(issued.text)")
            let object = try issued.json()
            let leaf = dir.appendingPathComponent("leaf.crt")
            try (object["certificate_pem"] as? String ?? "").write(to: leaf, atomically: true, encoding: .utf8)
            let chain = dir.appendingPathComponent("chain.pem")
            try (object["chain_pem"] as? String ?? "").write(to: chain, atomically: true, encoding: .utf8)
            let verified = try await Command.run(["openssl", "verify", "-CAfile", root.path, "-untrusted", chain.path, leaf.path])
            #expect(verified.status == 0, "\(verified.stderr)")

            // CRL and OCSP for the HSM issuer, signed in the token, verified by openssl.
            let crl = try await server.request("GET", "/.well-known/pki/crl/iss-hsm", caFile: tls)
            let crlFile = dir.appendingPathComponent("hsm.crl")
            try crl.body.write(to: crlFile)
            let crlCheck = try await Command.run(["openssl", "crl", "-inform", "DER", "-in", crlFile.path, "-CAfile", chain.path, "-noout"])
            #expect((crlCheck.stdout + crlCheck.stderr).contains("verify OK"), "\(crlCheck.stderr)")
            let ocsp = try await Command.run([
                "openssl", "ocsp", "-issuer", hsmCert.path, "-cert", leaf.path, "-url", "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-hsm",
                "-CAfile", root.path, "-verify_other", chain.path,
            ])
            #expect(ocsp.stderr.contains("Response verify OK") && ocsp.stdout.contains("leaf.crt: good"), "\(ocsp.stdout)\(ocsp.stderr)")
        }
    }

    /// A token that disappears: clean 503s naming the issuer, /readyz says why, other issuers keep
    /// working, and service resumes by itself when the token is back.
    @Test func tokenLossAndRecovery() async throws {
        let certctl = try Certctl()
        let hsm = try await SoftHSM(in: certctl.directory)
        let config = try hsm.writeConfig(in: certctl.directory)
        let env = hsm.environment.merging(["CERTCTL_DATA_DIR": ""]) { $1 }
        let dir = certctl.directory
        _ = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"], environment: env)
        _ = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-hsm"], environment: env)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: env) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try String(contentsOf: dir.appendingPathComponent("data/admin-api-key"), encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            let csr = try await OpenSSL.makeCSR(in: dir, name: "leaf")
            func issue(_ issuer: String) async throws -> HTTPResult {
                try await server.request(
                    "POST", "/api/v1/certificates", key: key, json: ["issuer_id": issuer, "csr_pem": csr], caFile: tls)
            }
            #expect(try await issue("iss-hsm").status == 201)

            let away = hsm.directory.appendingPathComponent("tokens.away")
            try FileManager.default.moveItem(at: hsm.tokens, to: away)
            try FileManager.default.createDirectory(at: hsm.tokens, withIntermediateDirectories: true)
            let started = ContinuousClock.now
            let failed = try await issue("iss-hsm")
            #expect(ContinuousClock.now - started < .seconds(5), "a lost token must fail fast")
            #expect(failed.status == 503)
            #expect(failed.contentType == "application/problem+json")
            #expect((try failed.json()["detail"] as? String)?.contains("issuer iss-hsm") == true)
            #expect(try await issue("iss-local").status == 201)
            let ready = try await server.unreadyAnswer(caFile: tls)
            #expect(ready.status == 503)
            #expect(ready.text.contains("iss-hsm"))

            try FileManager.default.removeItem(at: hsm.tokens)
            try FileManager.default.moveItem(at: away, to: hsm.tokens)
            var recovered = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !recovered && ContinuousClock.now < deadline {
                recovered = try await issue("iss-hsm").status == 201
                if !recovered { try await Task.sleep(for: .milliseconds(500)) }
            }
            #expect(recovered, "the HSM issuer did not recover after the token came back")
            #expect(try await server.readyStatus(caFile: tls) == 200)
        }
    }

    /// A wrong PIN stops `serve` with a message naming the issuer, tried once (the token is not locked).
    @Test func wrongPINIsAStartupErrorWithoutLockingTheToken() async throws {
        let certctl = try Certctl()
        let hsm = try await SoftHSM(in: certctl.directory)
        let config = try hsm.writeConfig(in: certctl.directory)
        let env = hsm.environment.merging(["CERTCTL_DATA_DIR": ""]) { $1 }
        _ = try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"], environment: env)
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-hsm"], environment: env).status == 0)
        _ = try hsm.writeConfig(in: certctl.directory, pin: "9999")
        let result = try await certctl.run(
            ["serve", "--config", config.path], environment: env.merging(["CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"]) { $1 }
        )
        #expect(result.status != 0)
        #expect(result.stderr.contains("issuer iss-hsm"), "\(result.stderr)")
        #expect(result.stderr.contains("CKR_PIN_INCORRECT"))
        #expect(!result.stderr.contains("9999"))
        // A restart (as a service manager does) does not try the refused PIN again: each try would
        // spend one of the token's retries.
        let again = try await certctl.run(
            ["serve", "--config", config.path], environment: env.merging(["CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"]) { $1 }
        )
        #expect(again.status != 0)
        #expect(again.stderr.contains("refused this pin_file's PIN before") && again.stderr.contains("issuer iss-hsm"), "\(again.stderr)")
        // The right PIN still logs in: certctl did not burn the retry counter.
        try await hsm.run([
            "pkcs11-tool", "--module", SoftHSM.module, "--token-label", hsm.label, "--login", "--pin", SoftHSM.pin, "--list-objects",
        ])
        // Writing the PIN file (the right PIN now) allows the next try, and serve starts.
        try await Task.sleep(for: .milliseconds(20))
        _ = try hsm.writeConfig(in: certctl.directory)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: env) { server in
            let tls = certctl.directory.appendingPathComponent("data/tls/server.crt")
            let status = try await server.request("GET", "/healthz", caFile: tls).status
            #expect(status == 200)
        }
    }

    /// Builds the fixture module (`Fixtures/hung_pkcs11.c`) and a configuration with a local issuer
    /// and an `iss-hung` issuer on that module, the local CA initialised.
    func hungModuleSetUp(_ certctl: Certctl) async throws -> (config: URL, environment: [String: String]) {
        let dir = certctl.directory
        let module = dir.appendingPathComponent("hung_pkcs11.so")
        let source = Python.packageRoot.appendingPathComponent("Tests/IntegrationTests/Fixtures/hung_pkcs11.c")
        let flags = try await Command.check(["pkg-config", "--cflags", "p11-kit-1"]).split(separator: " ").map {
            $0.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try await Command.check(["cc", "-shared", "-fPIC"] + flags.filter { !$0.isEmpty } + ["-o", module.path, source.path])
        _ = FileManager.default.createFile(
            atPath: dir.appendingPathComponent("pin").path, contents: Data("0000\n".utf8), attributes: [.posixPermissions: 0o600])
        let config = dir.appendingPathComponent("hung.yaml")
        try """
        data_dir: data
        issuers:
          - id: iss-local
            type: local
            key_file: ca/local.key
            cert_file: ca/local.crt
          - id: iss-hung
            type: pkcs11
            module: \(module.path)
            key_uri: "pkcs11:token=hung;object=ca-key"
            pin_file: pin
            cert_file: ca/local.crt
            timeout: 1s
        """.write(to: config, atomically: true, encoding: .utf8)
        let env = ["CERTCTL_DATA_DIR": "", "CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"]
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"], environment: env).status == 0)
        return (config, env)
    }

    /// A module whose C_Sign never returns: the call is abandoned after `timeout`, and `serve` stops
    /// with a clear error naming the issuer instead of hanging.
    @Test func aHungModuleIsTimedOut() async throws {
        let certctl = try Certctl()
        let (config, env) = try await hungModuleSetUp(certctl)
        let started = ContinuousClock.now
        let result = try await certctl.run(["serve", "--config", config.path], environment: env)
        #expect(ContinuousClock.now - started < .seconds(15))
        #expect(result.status != 0)
        #expect(result.stderr.contains("issuer iss-hung") && result.stderr.contains("timed out"), "\(result.stderr)")
    }

    /// A module that leaves an entry of its function list NULL (one it does not implement) stops
    /// `serve` with an error naming the issuer and the function: an ordinary exit, never a crash.
    @Test(arguments: ["C_Sign", "C_Login", "C_GetAttributeValue"])
    func aModuleWithoutAFunctionIsAClearStartupError(function: String) async throws {
        let certctl = try Certctl()
        let (config, env) = try await hungModuleSetUp(certctl)
        let result = try await certctl.run(
            ["serve", "--config", config.path], environment: env.merging(["HUNG_PKCS11_NULL": function]) { $1 })
        #expect(result.status == 1, "an error exit, not a signal: \(result.status) \(result.stderr)")
        #expect(result.stderr.contains("issuer iss-hung"), "\(result.stderr)")
        #expect(result.stderr.contains("does not implement \(function) (CKR_FUNCTION_NOT_SUPPORTED)"), "\(result.stderr)")
    }
}

extension PKCS11Tests {
    /// A `/readyz` flood (200 calls, 50 at a time) against an HSM issuer with two sessions: the
    /// readiness probe (which opens a token session) runs at most once per two seconds, so issuance
    /// through the token keeps its sessions and succeeds during the flood.
    @Test func aReadyzFloodDoesNotTakeTheTokensSessions() async throws {
        let certctl = try Certctl()
        let hsm = try await SoftHSM(in: certctl.directory)
        let config = try hsm.writeConfig(in: certctl.directory)
        let env = hsm.environment.merging(["CERTCTL_DATA_DIR": ""]) { $1 }
        let dir = certctl.directory
        for issuer in ["iss-local", "iss-hsm"] {
            #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", issuer], environment: env).status == 0)
        }
        try await ServerProcess.with(certctl, arguments: ["--config", config.path], environment: env) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try String(contentsOf: dir.appendingPathComponent("data/admin-api-key"), encoding: .utf8).trimmingCharacters(
                in: .whitespacesAndNewlines)
            async let flood = ReadinessTests.flood(server, caFile: tls)
            var issued: [Int] = []
            for index in 0..<5 {
                let csr = try await OpenSSL.makeCSR(in: dir, name: "during-\(index)")
                issued.append(
                    try await server.request(
                        "POST", "/api/v1/certificates", key: key, json: ["issuer_id": "iss-hsm", "csr_pem": csr], caFile: tls
                    )
                    .status)
            }
            let answered = try await flood
            #expect(answered.ok == 200, "\(answered.output)")
            #expect(issued == [201, 201, 201, 201, 201], "\(issued)")
            let counters = try await MetricsTests().counters(server, caFile: tls)
            #expect((counters["health.probe_run"] ?? 99) <= 6, "\(counters)")
        }
    }
}
