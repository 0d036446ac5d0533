import ConnectorSupport
import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The connector author kit: the plugin protocol's failure table as documented, the CA
/// certificate checks at start-up, `certctl plugin check` on the three reference plugins (Python,
/// OpenSSL, Go), the data-directory lock and named bind errors, and a Swift build with an extra
/// in-process connector.
@Suite(.serialized) struct PluginKitTests {
    static let scripted = Python.packageRoot.appendingPathComponent("Tests/IntegrationTests/Python/scripted_plugin.py").path
    static let examples = Python.packageRoot.appendingPathComponent("examples/connectors")

    /// A shell wrapper running the scripted plugin with the test Python, written into the test's
    /// directory (so its `sha256` can be pinned and then broken).
    static func wrapper(_ certctl: Certctl, shape: String = "ok", mode: URL) throws -> URL {
        let file = certctl.directory.appendingPathComponent("scripted-\(shape).sh")
        let script = """
            #!/bin/sh
            SCRIPTED_CA=\(shape) SCRIPTED_MODE_FILE=\(mode.path) exec \(Python.interpreter) \(scripted)

            """
        try script.write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        return file
    }

    static func prepare(_ certctl: Certctl, shape: String = "ok", extra: String = "") async throws -> (config: URL, mode: URL, plugin: URL)
    {
        let mode = certctl.directory.appendingPathComponent("mode")
        try "ok".write(to: mode, atomically: true, encoding: .utf8)
        let plugin = try wrapper(certctl, shape: shape, mode: mode)
        let config = try ExternalConnectorTests.writeConfig(for: certctl, command: [plugin.path], extra: extra)
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        return (config, mode, plugin)
    }

    /// Every row of docs/connectors/external-protocol.md's error and failure tables, against one
    /// server: the status, the problem naming the issuer and the cause, one warning line with the
    /// plugin's pid, and the other issuer unaffected.
    @Test func theFailureTableAsDocumented() async throws {
        let certctl = try Certctl()
        let mode = certctl.directory.appendingPathComponent("mode")
        try "ok".write(to: mode, atomically: true, encoding: .utf8)
        let plugin = try Self.wrapper(certctl, mode: mode)
        let pin = try await Command.check(["sha256sum", plugin.path]).prefix(64)
        let config = try ExternalConnectorTests.writeConfig(
            for: certctl, command: [plugin.path], extra: "    sha256: \(pin)\n    timeout: 5s\n    max_restart_backoff: 1s")
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            func expect(_ behaviour: String, _ status: Int, _ mentions: String, warning: String) async throws {
                try behaviour.write(to: mode, atomically: true, encoding: .utf8)
                let before = server.stderr.components(separatedBy: "\n").filter { $0.contains("warning") && $0.contains(warning) }.count
                let result = try await ExternalConnectorTests.issue(server, "iss-plugin", "\(behaviour.filter(\.isLetter))-x")
                #expect(
                    result.status == status && result.contentType.hasPrefix("application/problem+json")
                        && result.text.contains(mentions) && result.text.contains("iss-plugin"),
                    "\(behaviour): \(result.status) \(result.text)")
                try await Task.sleep(for: .milliseconds(200))
                let lines = server.stderr.components(separatedBy: "\n").filter { $0.contains("warning") && $0.contains(warning) }
                #expect(lines.count == before + 1, "\(behaviour): one warning line: \(lines)")
                #expect(lines.last?.contains("plugin_pid=") == true && lines.last?.contains("issuer=iss-plugin") == true, "\(lines)")
                #expect(try await ExternalConnectorTests.issue(server, "iss-local", "local").status == 201)
                // Back to normal (past any restart back-off), so each row starts from a healthy plugin.
                try "ok".write(to: mode, atomically: true, encoding: .utf8)
                try await Task.sleep(for: .milliseconds(1_100))
                let back = try await ExternalConnectorTests.issue(server, "iss-plugin", "back")
                #expect(back.status == 201, "after \(behaviour): \(back.text)")
            }
            #expect(try await ExternalConnectorTests.issue(server, "iss-plugin", "first").status == 201)
            // The plugin's own error answers, by code.
            try await expect("error1", 422, "scripted error 1", warning: "plugin answered with an error")
            try await expect("error2", 503, "scripted error 2", warning: "plugin answered with an error")
            try await expect("error-32601", 422, "does not implement sign", warning: "plugin answered with an error")
            try await expect("error7", 502, "scripted error 7", warning: "plugin answered with an error")
            // Answers the host refuses.
            try await expect("badresult", 502, "invalid result", warning: "plugin answered with an error")
            try await expect("notbase64", 502, "not base64", warning: "plugin answer refused")
            try await expect("badsig", 502, "does not verify with the CA public key", warning: "plugin answer refused")
            // The process table: garbage on stdout 502, exit 503, no answer 504.
            try await expect("garbage", 502, "not a response to a pending request", warning: "plugin protocol violation")
            try await expect("exit", 503, "during sign", warning: "plugin failed")
            try await expect("sleep", 504, "did not answer sign within 5.0 seconds", warning: "did not answer sign within")
            #expect(
                !server.stderr.contains("protocol violation; killing it reason=the plugin did not answer"), "a timeout is not a violation")

            // A sha256 mismatch at a restart: 503 naming the mismatch; the binary is never run.
            try (try String(contentsOf: plugin, encoding: .utf8) + "# changed\n").write(to: plugin, atomically: true, encoding: .utf8)
            for pid in try await ExternalConnectorTests.children(of: server) { kill(pid, SIGKILL) }
            try await Task.sleep(for: .milliseconds(1_100))
            let mismatch = try await ExternalConnectorTests.issue(server, "iss-plugin", "pin")
            #expect(mismatch.status == 503 && mismatch.text.contains("sha256 mismatch"), "\(mismatch.text)")
            #expect(try await ExternalConnectorTests.children(of: server).isEmpty, "the changed binary was not started")
        }
    }

    /// What a signer-backed issuer's CA certificate must be: refusals stop start-up naming the issuer
    /// and the rule; an expired CA makes only that issuer unhealthy; no cRLSign turns its CRL off.
    @Test(arguments: [
        ("not-ca", "basicConstraints CA:FALSE"), ("no-certsign", "keyUsage without keyCertSign"),
        ("other-key", "the start-up key check failed: the plugin's signature does not verify with the CA public key"),
    ])
    func caCertificatesThatStopStartUp(shape: String, mentions: String) async throws {
        let certctl = try Certctl()
        let (config, _, _) = try await Self.prepare(certctl, shape: shape)
        let refused = try await certctl.run(
            ["serve", "--config", config.path], environment: ["CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("issuer iss-plugin") && refused.stderr.contains(mentions), "\(refused.stderr)")
    }

    @Test func anExpiredCAIsUnhealthyAndAMissingCRLSignTurnsTheCRLOff() async throws {
        let certctl = try Certctl()
        let (config, _, _) = try await Self.prepare(certctl, shape: "expired")
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = certctl.dataDirectory.appendingPathComponent("tls/server.crt")
            let ready = try await server.unreadyAnswer(key: try server.adminKey, caFile: tls)
            #expect(ready.status == 503 && ready.text.contains("iss-plugin") && ready.text.contains("expired"), "\(ready.text)")
            let refused = try await ExternalConnectorTests.issue(server, "iss-plugin", "late")
            #expect(refused.status == 503 && refused.text.contains("expired"), "\(refused.text)")
            #expect(try await ExternalConnectorTests.issue(server, "iss-local", "fine").status == 201)
        }
        let other = try Certctl()
        let (crlConfig, _, _) = try await Self.prepare(other, shape: "no-crlsign")
        try await ServerProcess.with(other, arguments: ["--config", crlConfig.path]) { server in
            #expect(server.stderr.contains("lacks cRLSign") && server.stderr.contains("issuer=iss-plugin"), "\(server.stderr)")
            let issued = try await ExternalConnectorTests.issue(server, "iss-plugin", "nocrl")
            #expect(issued.status == 201, "\(issued.text)")
            let pem = try #require(try issued.json()["certificate_pem"] as? String)
            let text = try await OpenSSL.x509(pem, ["-noout", "-text"], in: other.directory)
            #expect(!text.contains("CRL Distribution Points") && text.contains("OCSP - URI"), "\(text)")
            let tls = other.dataDirectory.appendingPathComponent("tls/server.crt")
            #expect(try await server.request("GET", "/.well-known/pki/crl/iss-plugin", caFile: tls).status == 404)
            let issuers = try await server.request("GET", "/api/v1/issuers", key: try server.adminKey, caFile: tls)
            #expect(issuers.text.contains("\"crl\":false"), "\(issuers.text)")
        }
    }

    /// `certctl plugin check` passes the three reference plugins and fails a broken one, naming the step.
    @Test func pluginCheckOnTheReferencePlugins() async throws {
        let certctl = try Certctl()
        let go = try await Self.buildGoPlugin(into: certctl.directory)
        for (config, issuer, steps) in [
            (Self.examples.appendingPathComponent("python-ca/certctl.yaml").path, "iss-python", 7),
            (Self.examples.appendingPathComponent("openssl-ca/certctl.yaml").path, "iss-openssl", 5),
        ] {
            let check = try await certctl.run(["plugin", "check", "--config", config, "--issuer", issuer])
            #expect(check.status == 0 && check.stdout.contains("conforms: \(steps) checks passed"), "\(check.stdout)\(check.stderr)")
        }
        let goConfig = try ExternalConnectorTests.writeConfig(for: certctl, command: [go])
        let goCheck = try await certctl.run(["plugin", "check", "--config", goConfig.path, "--issuer", "iss-plugin"])
        #expect(goCheck.status == 0 && goCheck.stdout.contains("name go-ca"), "\(goCheck.stdout)\(goCheck.stderr)")
        #expect(goCheck.stdout.contains("ok    sign") && goCheck.stdout.contains("conforms: 7 checks passed"), "\(goCheck.stdout)")

        let mode = certctl.directory.appendingPathComponent("mode")
        try "badsig".write(to: mode, atomically: true, encoding: .utf8)
        let broken = try ExternalConnectorTests.writeConfig(for: certctl, command: [try Self.wrapper(certctl, mode: mode).path])
        let failed = try await certctl.run(["plugin", "check", "--config", broken.path, "--issuer", "iss-plugin"])
        #expect(failed.status == 1, "\(failed.stdout)")
        #expect(failed.stdout.contains("FAIL  sign") && failed.stdout.contains("does not verify"), "\(failed.stdout)")
        let notCA = try Certctl()
        let (notCAConfig, _, _) = try await Self.prepare(notCA, shape: "not-ca")
        let ca = try await notCA.run(["plugin", "check", "--config", notCAConfig.path, "--issuer", "iss-plugin"])
        #expect(ca.status == 1 && ca.stdout.contains("FAIL  CA certificate") && ca.stdout.contains("CA:FALSE"), "\(ca.stdout)")
        let local = try await certctl.run(["plugin", "check", "--config", goConfig.path, "--issuer", "iss-local"])
        #expect(local.status != 0 && local.stderr.contains("not a plugin"), "\(local.stderr)")
    }

    /// The Go reference plugin serves: certificates and OCSP signed with its key verify with openssl.
    @Test func theGoPluginServes() async throws {
        let certctl = try Certctl()
        let go = try await Self.buildGoPlugin(into: certctl.directory)
        let config = try ExternalConnectorTests.writeConfig(for: certctl, command: [go])
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let issued = try await ExternalConnectorTests.issue(server, "iss-plugin", "go")
            #expect(issued.status == 201, "\(issued.text)")
            let ca = try await server.request(
                "GET", "/.well-known/pki/ca/iss-plugin.pem", caFile: certctl.dataDirectory.appendingPathComponent("tls/server.crt"))
            let caFile = certctl.directory.appendingPathComponent("go-ca.pem")
            try ca.body.write(to: caFile)
            let leaf = try #require(try issued.json()["certificate_pem"] as? String)
            let verified = try await OpenSSL.verify(leafPEM: leaf, caFile: caFile, in: certctl.directory)
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(server.stderr.contains("go-ca: created a CA"), "the plugin's stderr is in the host log")
        }
    }

    /// A second `serve` on a SQLite data directory in use stops before any plugin starts (exit 75);
    /// a taken port is named.
    @Test func aSecondServeOnTheSameDataDirectoryAndATakenPort() async throws {
        let certctl = try Certctl()
        let (config, _, _) = try await Self.prepare(certctl)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let children = try await ExternalConnectorTests.children(of: server).count
            let second = try await certctl.run(
                ["serve", "--config", config.path], environment: ["CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"])
            #expect(second.status == 75, "\(second.stderr)")
            #expect(second.stderr.contains("is in use by another certctl serve (pid \(server.pid))"), "\(second.stderr)")
            #expect(!second.stderr.contains("plugin started"), "no plugin was started: \(second.stderr)")
            #expect(try await ExternalConnectorTests.children(of: server).count == children)

            let elsewhere = try Certctl()
            let taken = try await elsewhere.run(["serve"], environment: ["CERTCTL_LISTEN": "127.0.0.1:\(server.port)"])
            #expect(taken.status == 75, "\(taken.stderr)")
            #expect(taken.stderr.contains("cannot listen on 127.0.0.1:\(server.port): the address is already in use"), "\(taken.stderr)")
        }
    }

    /// `certctl-custom` (examples/connectors/swift-custom): the stock CLI with one more Swift
    /// connector, built from the public products only; its certificates verify with openssl.
    @Test func aSwiftBuildWithAnExtraConnector() async throws {
        let binary = URL(fileURLWithPath: Certctl.binary).deletingLastPathComponent().appendingPathComponent("certctl-custom").path
        let certctl = try Certctl()
        let config = certctl.directory.appendingPathComponent("certctl.yaml")
        try "issuers:\n  - id: iss-eph\n    type: ephemeral\n    common_name: CI throwaway CA\n".write(
            to: config, atomically: true, encoding: .utf8)
        let port = Certctl.freePort()
        let child = try ChildProcess(
            [binary, "serve", "--config", config.path],
            environment: certctl.environment([
                "CERTCTL_LISTEN": "127.0.0.1:\(port)", "CERTCTL_PKI_HTTP_LISTEN": "127.0.0.1:\(Certctl.freePort())",
            ]),
            directory: certctl.directory, stdout: certctl.directory.appendingPathComponent("out"),
            stderr: certctl.directory.appendingPathComponent("err"))
        defer { child.signal(SIGKILL) }
        let tls = certctl.dataDirectory.appendingPathComponent("tls/server.crt")
        var ready = false
        for _ in 0..<100 where !ready {
            try await Task.sleep(for: .milliseconds(100))
            ready =
                try await Command.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/healthz"]).stdout
                == "200"
        }
        #expect(ready, "\((try? String(contentsOf: certctl.directory.appendingPathComponent("err"), encoding: .utf8)) ?? "")")
        let key = try String(contentsOf: certctl.dataDirectory.appendingPathComponent("admin-api-key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let csr = try await OpenSSL.makeCSR(
            in: certctl.directory, name: "eph", subject: "/CN=eph.example.test", san: "DNS:eph.example.test")
        let body = try JSONSerialization.data(withJSONObject: ["issuer_id": "iss-eph", "csr_pem": csr])
        let issued = try await Command.run(
            [
                "curl", "-s", "--cacert", tls.path, "-H", "Authorization: Bearer \(key)", "-H", "Content-Type: application/json",
                "--data-binary", "@-", "https://127.0.0.1:\(port)/api/v1/certificates",
            ], stdin: String(decoding: body, as: UTF8.self))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(issued.stdout.utf8)) as? [String: Any], "\(issued.stdout)")
        let leaf = try #require(json["certificate_pem"] as? String, "\(json)")
        let chain = try #require(json["chain_pem"] as? String)
        let caFile = certctl.directory.appendingPathComponent("eph-ca.pem")
        try chain.write(to: caFile, atomically: true, encoding: .utf8)
        #expect(chain.contains("BEGIN CERTIFICATE"))
        let verified = try await OpenSSL.verify(leafPEM: leaf, caFile: caFile, in: certctl.directory)
        #expect(verified.status == 0, "\(verified.stderr)")
        child.signal(SIGTERM)
        await child.wait()

        // Its options are validated before use, like a built-in connector's.
        try "issuers:\n  - id: iss-eph\n    type: ephemeral\n    ca_validity_days: 999\n".write(
            to: config, atomically: true, encoding: .utf8)
        let invalid = try await Command.run(
            [binary, "serve", "--config", config.path], environment: certctl.environment(["CERTCTL_LISTEN": "127.0.0.1:\(port)"]),
            directory: certctl.directory)
        #expect(
            invalid.status != 0 && invalid.stderr.contains("issuer iss-eph: ca_validity_days must be 1–365, not 999"), "\(invalid.stderr)")
    }

    /// The signing test vector in docs/connectors/signing-test-vector/ is what the protocol doc says
    /// it is, checked with openssl: the digest of the message, the deterministic RSA PKCS#1 v1.5
    /// signature (DigestInfo added), a verifying ECDSA example, and the doc quoting them.
    @Test func theSigningTestVectorHolds() async throws {
        let vector = Python.packageRoot.appendingPathComponent("docs/connectors/signing-test-vector")
        func file(_ name: String) throws -> String {
            try String(contentsOf: vector.appendingPathComponent(name), encoding: .utf8).filter { !$0.isWhitespace }
        }
        let scratch = try Certctl().directory
        let digest = scratch.appendingPathComponent("digest.bin")
        let computed = try await Command.check(["openssl", "dgst", "-sha256", "-r", vector.appendingPathComponent("message.txt").path])
        #expect(computed.prefix(64) == (try file("digest-sha256.hex")))
        try Data(hex: try file("digest-sha256.hex")).write(to: digest)
        let rsa = scratch.appendingPathComponent("rsa.sig")
        try await Command.check([
            "openssl", "pkeyutl", "-sign", "-inkey", vector.appendingPathComponent("rsa2048.key").path, "-in", digest.path,
            "-pkeyopt", "digest:sha256", "-out", rsa.path,
        ])
        let expected = try Data(hex: try file("rsa2048-pkcs1v15.sig.hex"))
        #expect(try Data(contentsOf: rsa) == expected)
        let ec = scratch.appendingPathComponent("ec.sig")
        try Data(hex: try file("p256-example.sig.hex")).write(to: ec)
        let verified = try await Command.run([
            "openssl", "pkeyutl", "-verify", "-pubin", "-inkey", vector.appendingPathComponent("p256.pub").path, "-in", digest.path,
            "-sigfile", ec.path,
        ])
        #expect(verified.status == 0 && verified.stdout.contains("Signature Verified Successfully"), "\(verified.stdout)")
        let doc = try String(
            contentsOf: Python.packageRoot.appendingPathComponent("docs/connectors/external-protocol.md"), encoding: .utf8)
        let hex = try file("digest-sha256.hex")
        let base64 = try Data(hex: hex).base64EncodedString()
        #expect(doc.contains(hex) && doc.contains(base64))
    }

    /// Builds examples/connectors/go-ca with the Go standard library (no module downloads).
    static func buildGoPlugin(into directory: URL) async throws -> String {
        let output = directory.appendingPathComponent("go-ca").path
        var environment = ProcessInfo.processInfo.environment
        environment["GOFLAGS"] = "-mod=mod"
        environment["GOPROXY"] = "off"
        environment["GOCACHE"] = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-go-cache").path
        environment["HOME"] = environment["HOME"] ?? "/root"
        let built = try await Command.run(
            ["go", "build", "-o", output, "."], environment: environment, directory: examples.appendingPathComponent("go-ca"))
        guard built.status == 0 else { throw TestFailure("go build failed: \(built.stderr)") }
        return output
    }
}

extension Data {
    /// Bytes from lower-case hex (the test vector's files).
    init(hex: String) throws {
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2, limitedBy: hex.endIndex) ?? hex.endIndex
            guard let byte = UInt8(hex[index..<next], radix: 16) else { throw TestFailure("not hex: \(hex)") }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }
}
