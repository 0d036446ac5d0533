import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `type: external`: plugins as separate processes, over the documented protocol, supervised by
/// the host. The reference plugins in `examples/connectors/` are the ones under test.
@Suite(.serialized) struct ExternalConnectorTests {
    static let pythonCA = Python.packageRoot.appendingPathComponent("examples/connectors/python-ca/plugin.py").path
    static let opensslCA = Python.packageRoot.appendingPathComponent("examples/connectors/openssl-ca/plugin.py").path

    /// A config with the local issuer and one external issuer.
    static func writeConfig(for certctl: Certctl, command: [String], extra: String = "") throws -> URL {
        let list = command.map { "\"\($0)\"" }.joined(separator: ", ")
        return try certctl.writeConfig(withLocalIssuerAnd: "  - id: iss-plugin\n    type: external\n    command: [\(list)]\n\(extra)")
    }

    /// The plugin children of a running server.
    static func children(of server: ServerProcess) async throws -> [Int32] {
        let out = try await Command.run(["pgrep", "-P", "\(server.pid)"])
        return out.stdout.split(separator: "\n").compactMap { Int32($0) }
    }

    static func issue(_ server: ServerProcess, _ issuer: String, _ name: String) async throws -> HTTPResult {
        let dir = server.certctl.directory
        let csr = try await OpenSSL.makeCSR(in: dir, name: name, subject: "/CN=\(name).example.test", san: "DNS:\(name).example.test")
        return try await server.request(
            "POST", "/api/v1/certificates", key: try server.adminKey, json: ["issuer_id": issuer, "csr_pem": csr],
            caFile: dir.appendingPathComponent("data/tls/server.crt"))
    }

    /// The Python `sign` plugin: the host builds certificates, CRL and OCSP with the plugin's key;
    /// openssl verifies all three. Shutting the host down stops the plugin.
    @Test func pythonSignPluginEndToEnd() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let config = try Self.writeConfig(for: certctl, command: [Python.interpreter, Self.pythonCA])
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        var pluginPIDs: [Int32] = []
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try server.adminKey
            let issuers = try await server.request("GET", "/api/v1/issuers", key: key, caFile: tls).json()["issuers"] as? [[String: Any]]
            let plugin = try #require(issuers?.first { $0["id"] as? String == "iss-plugin" })
            #expect(plugin["type"] as? String == "external")
            #expect(plugin["capabilities"] as? [String: Bool] == ["crl": true, "ocsp": true, "revoke": true])
            let caFile = dir.appendingPathComponent("plugin-ca.pem")
            try (plugin["ca_certificate_pem"] as? String ?? "").write(to: caFile, atomically: true, encoding: .utf8)
            // The CA key stays in the plugin's private state directory, mode 0600.
            let keyFile = dir.appendingPathComponent("data/plugins/iss-plugin/ca.key").path
            #expect(try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int == 0o600)

            let issued = try await Self.issue(server, "iss-plugin", "leaf")
            #expect(issued.status == 201, "\(issued.text)")
            let object = try issued.json()
            let leaf = dir.appendingPathComponent("leaf.crt")
            try (object["certificate_pem"] as? String ?? "").write(to: leaf, atomically: true, encoding: .utf8)
            let verified = try await Command.run(["openssl", "verify", "-CAfile", caFile.path, leaf.path])
            #expect(verified.status == 0, "\(verified.stderr)")

            let id = try #require(object["id"] as? String)
            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(id)/revoke", key: key, json: ["reason": "keyCompromise"], caFile: tls)
            #expect(revoked.status == 200)
            // The CRL, signed through the plugin, lists the serial (the scheduler regenerates it at once).
            var crlText = ""
            for _ in 0..<20 {
                let crl = try await server.request("GET", "/.well-known/pki/crl/iss-plugin", caFile: tls)
                let crlFile = dir.appendingPathComponent("plugin.crl")
                try crl.body.write(to: crlFile)
                let check = try await Command.run([
                    "openssl", "crl", "-inform", "DER", "-in", crlFile.path, "-CAfile", caFile.path, "-noout", "-text",
                ])
                #expect(check.stderr.contains("verify OK") || check.stdout.contains("verify OK"), "\(check.stderr)")
                crlText = check.stdout
                if crlText.uppercased().contains((object["serial"] as? String ?? "-").uppercased()) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(crlText.uppercased().contains((object["serial"] as? String ?? "-").uppercased()), "\(crlText)")
            let ocsp = try await Command.run([
                "openssl", "ocsp", "-issuer", caFile.path, "-cert", leaf.path, "-url",
                "\(server.pkiBaseURL)/.well-known/pki/ocsp/iss-plugin",
                "-CAfile", caFile.path,
            ])
            #expect(ocsp.stderr.contains("Response verify OK") && ocsp.stdout.contains("leaf.crt: revoked"), "\(ocsp.stdout)\(ocsp.stderr)")
            #expect(server.stderr.contains("python-ca: created a CA key"), "plugin stderr is mirrored into the host log")
            pluginPIDs = try await Self.children(of: server)
            #expect(pluginPIDs.count == 1)
        }
        // Graceful shutdown stopped the child.
        for pid in pluginPIDs { #expect(kill(pid, 0) != 0, "plugin \(pid) still running") }
    }

    /// The openssl-ca plugin: CSRs and revocations pass through to OpenSSL's own CA; the host
    /// publishes no CRL or OCSP for it.
    @Test func opensslCAPluginPassesThrough() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let config = try Self.writeConfig(for: certctl, command: [Self.opensslCA])
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let key = try server.adminKey
            let issuers = try await server.request("GET", "/api/v1/issuers", key: key, caFile: tls).json()["issuers"] as? [[String: Any]]
            let plugin = try #require(issuers?.first { $0["id"] as? String == "iss-plugin" })
            #expect(plugin["capabilities"] as? [String: Bool] == ["crl": false, "ocsp": false, "revoke": true])

            let issued = try await Self.issue(server, "iss-plugin", "wrapped")
            #expect(issued.status == 201, "\(issued.text)")
            let object = try issued.json()
            let serial = try #require(object["serial"] as? String)
            let state = dir.appendingPathComponent("data/plugins/iss-plugin")
            let leaf = dir.appendingPathComponent("wrapped.crt")
            try (object["certificate_pem"] as? String ?? "").write(to: leaf, atomically: true, encoding: .utf8)
            let verified = try await Command.run(["openssl", "verify", "-CAfile", state.appendingPathComponent("ca.crt").path, leaf.path])
            #expect(verified.status == 0, "\(verified.stderr)")

            let revoked = try await server.request(
                "POST", "/api/v1/certificates/\(object["id"] as? String ?? "")/revoke", key: key, json: ["reason": "superseded"],
                caFile: tls)
            #expect(revoked.status == 200, "\(revoked.text)")
            let index = try String(contentsOf: state.appendingPathComponent("index.txt"), encoding: .utf8)
            #expect(index.hasPrefix("R") && index.lowercased().contains(serial) && index.contains("superseded"), "\(index)")
            let crl = try await Command.check(["openssl", "crl", "-in", state.appendingPathComponent("ca.crl").path, "-noout", "-text"])
            #expect(crl.lowercased().contains(serial), "the plugin's own CRL lists it")
            #expect(try await server.request("GET", "/.well-known/pki/crl/iss-plugin", caFile: tls).status == 404)
        }
    }

    /// The example configs start as documented (from the repository root, a fresh data directory).
    @Test(arguments: ["python-ca", "openssl-ca"])
    func exampleConfigsStart(name: String) async throws {
        let certctl = try Certctl()
        let config = Python.packageRoot.appendingPathComponent("examples/connectors/\(name)/certctl.yaml")
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let ready = try await server.request("GET", "/readyz", caFile: certctl.dataDirectory.appendingPathComponent("tls/server.crt"))
            #expect(ready.status == 200, "\(ready.text)")
        }
    }

    /// The plugin dies during a request: that request fails cleanly (503 naming the issuer and the
    /// signal), the host stays up, and the next request is served by a restarted plugin.
    @Test func pluginKilledMidRequestThenRecovers() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let config = try Self.writeConfig(
            for: certctl, command: [Python.interpreter, Self.pythonCA], extra: "    env:\n      PYTHON_CA_SIGN_DELAY: \"1.5\"")
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let first = try #require(try await Self.children(of: server).first)
            async let inFlight = Self.issue(server, "iss-plugin", "inflight")
            try await Task.sleep(for: .milliseconds(700))
            kill(first, SIGKILL)
            let failed = try await inFlight
            #expect(failed.status == 503 && failed.contentType.hasPrefix("application/problem+json"), "\(failed.text)")
            #expect(failed.text.contains("iss-plugin") && failed.text.contains("killed by signal 9"), "\(failed.text)")
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            #expect(try await server.request("GET", "/healthz", caFile: tls).status == 200)
            let recovered = try await Self.issue(server, "iss-plugin", "after")
            #expect(recovered.status == 201, "\(recovered.text)")
            let second = try await Self.children(of: server)
            #expect(second.count == 1 && second.first != first)
        }
    }

    /// A plugin slower than `timeout`: the call fails with 504 within the limit, not after the plugin.
    @Test func slowPluginCallsAreTimedOut() async throws {
        let certctl = try Certctl()
        let config = try Self.writeConfig(
            for: certctl, command: [Python.interpreter, Self.pythonCA],
            extra: "    timeout: 1s\n    env:\n      PYTHON_CA_SIGN_DELAY: \"5\"")
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            // The start-up key check, CRL and OCSP-responder signatures time out first (and fail any
            // call sharing that plugin process with 503); once they are done, a call's own signature
            // is the one timed out. Every call ends within the limit, whichever it is.
            var slow: HTTPResult?
            for _ in 0..<5 where slow?.status != 504 {
                let started = ContinuousClock.now
                slow = try await Self.issue(server, "iss-plugin", "slow")
                #expect(ContinuousClock.now - started < .seconds(4))
                #expect(slow?.status == 504 || slow?.status == 503, "\(slow?.text ?? "")")
            }
            #expect(slow?.status == 504 && slow?.text.contains("did not answer sign within") == true, "\(slow?.text ?? "")")
            #expect(try await Self.issue(server, "iss-local", "fast").status == 201)
        }
    }

    /// Plugins that print garbage, hang, or speak another protocol version: clear errors for that
    /// issuer only, the host healthy, other issuers serving, and recovery once the plugin behaves.
    @Test func misbehavingPluginsAreContained() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let mode = dir.appendingPathComponent("mode")
        try "ok".write(to: mode, atomically: true, encoding: .utf8)
        let fixture = dir.appendingPathComponent("moody-plugin.sh")
        let script = """
            #!/bin/sh
            case "$(cat \(mode.path))" in
              ok) exec python3 \(Self.opensslCA) ;;
              garbage) echo "Hello! I am not a certctl plugin."; exec sleep 60 ;;
              hang) exec sleep 60 ;;
              v2) echo '{"certctl_plugin":{"protocol":2,"capabilities":["issue"]}}'; exec sleep 60 ;;
            esac

            """
        try script.write(to: fixture, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: fixture.path)
        let config = try Self.writeConfig(for: certctl, command: [fixture.path], extra: "    timeout: 2s\n    max_restart_backoff: 1s")
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let tls = dir.appendingPathComponent("data/tls/server.crt")
            let okIssue = try await Self.issue(server, "iss-plugin", "ok")
            #expect(okIssue.status == 201, "\(okIssue.text)")
            #expect(try okIssue.json()["chain_pem"] as? String != "")

            func misbehave(_ behaviour: String, status: Int, mentions: String) async throws {
                try behaviour.write(to: mode, atomically: true, encoding: .utf8)
                for pid in try await Self.children(of: server) { kill(pid, SIGKILL) }
                try await Task.sleep(for: .milliseconds(1_200))  // past any restart back-off
                let started = ContinuousClock.now
                let result = try await Self.issue(server, "iss-plugin", "\(behaviour)-\(UUID().uuidString.prefix(4))")
                #expect(ContinuousClock.now - started < .seconds(6))
                #expect(
                    result.status == status && result.text.contains(mentions) && result.text.contains("iss-plugin"),
                    "\(behaviour): \(result.text)")
                #expect(try await server.request("GET", "/healthz", caFile: tls).status == 200)
                #expect(try await Self.issue(server, "iss-local", "local-\(behaviour)").status == 201)
                let ready = try await server.unreadyAnswer(caFile: tls)
                #expect(ready.status == 503 && ready.text.contains("iss-plugin"), "\(ready.text)")
            }
            try await misbehave("garbage", status: 502, mentions: "not a certctl handshake")
            try await misbehave("v2", status: 502, mentions: "protocol version 2")
            try await misbehave("hang", status: 504, mentions: "no handshake within")

            try "ok".write(to: mode, atomically: true, encoding: .utf8)
            try await Task.sleep(for: .milliseconds(1_200))
            let back = try await Self.issue(server, "iss-plugin", "back")
            #expect(back.status == 201, "\(back.text)")
            #expect(try await server.readyStatus(caFile: tls) == 200)
        }
    }

    /// A `sha256` pin that does not match the executable: `serve` refuses to run it, naming the issuer.
    @Test func checksumMismatchIsRefused() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let plugin = dir.appendingPathComponent("plugin.py")
        try FileManager.default.copyItem(atPath: Self.opensslCA, toPath: plugin.path)
        let good = try await Command.check(["sha256sum", plugin.path]).prefix(64)
        let bad = String(repeating: "0", count: 64)
        let config = try Self.writeConfig(for: certctl, command: [plugin.path], extra: "    sha256: \(bad)")
        #expect(try await certctl.run(["ca", "init", "--config", config.path, "--issuer", "iss-local"]).status == 0)
        let refused = try await certctl.run(
            ["serve", "--config", config.path], environment: ["CERTCTL_LISTEN": "127.0.0.1:\(Certctl.freePort())"])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("issuer iss-plugin") && refused.stderr.contains("not the pinned \(bad)"), "\(refused.stderr)")
        _ = try Self.writeConfig(for: certctl, command: [plugin.path], extra: "    sha256: \(good)")
        try await ServerProcess.with(certctl, arguments: ["--config", config.path]) { server in
            let pinned = try await Self.issue(server, "iss-plugin", "pinned")
            #expect(pinned.status == 201, "\(pinned.text)")
        }
    }
}
