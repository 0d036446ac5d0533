import ConnectorSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Debian's `pebble` ACME test server on loopback, with its own TLS certificate and free ports.
/// `alwaysValid` sets `PEBBLE_VA_ALWAYS_VALID=1` (no challenge is really checked); otherwise
/// Pebble validates `http-01` against `httpPort` on 127.0.0.1. Pebble rejects `nonceRejectPercent`
/// of good nonces (its default is 5), which exercises the client's `badNonce` retry.
final class Pebble: @unchecked Sendable {
    let directory: URL
    let port: Int
    let managementPort: Int
    let httpPort: Int
    let alwaysValid: Bool
    let nonceRejectPercent: Int
    /// `host:port` of the DNS server Pebble resolves with (and checks dns-01 TXT records at).
    let dnsServer: String?
    private(set) var process: ChildProcess?
    var logFile: URL { directory.appendingPathComponent("pebble.log") }

    /// Pebble's TLS certificate: what `ca_bundle_file` must hold.
    var tlsCertificate: URL { directory.appendingPathComponent("pebble-tls.crt") }
    var directoryURL: String { "https://127.0.0.1:\(port)/dir" }
    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }

    init(
        in parent: URL, httpPort: Int = 5002, alwaysValid: Bool = true, nonceRejectPercent: Int = 5, dnsServer: String? = nil
    ) async throws {
        directory = parent.appendingPathComponent("pebble")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        port = Certctl.freePort()
        managementPort = Certctl.freePort()
        self.httpPort = httpPort
        self.alwaysValid = alwaysValid
        self.nonceRejectPercent = nonceRejectPercent
        self.dnsServer = dnsServer
        try await Command.check(
            [
                "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj",
                "/CN=pebble", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost", "-keyout", "pebble-tls.key", "-out",
                "pebble-tls.crt",
            ], directory: directory)
        let config: [String: Any] = [
            "pebble": [
                "listenAddress": "127.0.0.1:\(port)", "managementListenAddress": "127.0.0.1:\(managementPort)",
                "certificate": "pebble-tls.crt", "privateKey": "pebble-tls.key", "httpPort": httpPort, "tlsPort": Certctl.freePort(),
                "ocspResponderURL": "", "externalAccountBindingRequired": false,
                // 90 days, like a public CA (pebble's default of five years is over any profile's
                // maximum, and the host refuses what an upstream issues for longer).
                "certificateValidityPeriod": 90 * 86_400,
            ]
        ]
        try JSONSerialization.data(withJSONObject: config).write(to: directory.appendingPathComponent("pebble.json"))
        try await start()
    }

    /// Starts Pebble (a fresh CA and no accounts, as every Pebble start) and waits for its directory.
    func start() async throws {
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        var environment = ProcessInfo.processInfo.environment
        environment["PEBBLE_VA_NOSLEEP"] = "1"
        if alwaysValid { environment["PEBBLE_VA_ALWAYS_VALID"] = "1" }
        environment["PEBBLE_WFE_NONCEREJECT"] = "\(nonceRejectPercent)"
        let process = try ChildProcess(
            ["pebble", "-config", "pebble.json"] + (dnsServer.map { ["-dnsserver", $0] } ?? []), environment: environment,
            directory: directory, stdout: logFile, stderr: logFile, appendOutput: true)
        self.process = process
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw TestFailure("pebble exited: \(self.log)") }
            let probe = try await Command.run([
                "curl", "-s", "--cacert", tlsCertificate.path, "-o", "/dev/null", "-w", "%{http_code}", directoryURL,
            ])
            if probe.stdout == "200" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("pebble did not start: \(self.log)")
    }

    func stop() async {
        guard let process, process.isRunning else { return }
        process.signal(SIGTERM)
        await process.wait(timeout: .seconds(15))
    }

    /// The management interface's view of a certificate (`Status`, `Reason`, `RevokedAt`).
    func certificateStatus(serial: String) async throws -> [String: Any] {
        let output = try await Command.check([
            "curl", "-s", "--cacert", tlsCertificate.path, "https://127.0.0.1:\(managementPort)/cert-status-by-serial/\(serial)",
        ])
        guard let object = try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any] else {
            throw TestFailure("pebble cert-status: \(output)")
        }
        return object
    }

    /// Pebble's current root certificate (PEM), the trust anchor for what it issues.
    func writeRoot(to file: URL) async throws {
        let pem = try await Command.check(["curl", "-s", "--cacert", tlsCertificate.path, "https://127.0.0.1:\(managementPort)/roots/0"])
        try pem.write(to: file, atomically: true, encoding: .utf8)
    }

    /// A config file with the local issuer and one ACME issuer fronting this Pebble.
    func writeConfig(for certctl: Certctl, acmeOptions: [String: String] = [:]) throws -> URL {
        var acme = ["directory_url": directoryURL, "ca_bundle_file": tlsCertificate.path, "terms_of_service_agreed": "true"]
        acme.merge(acmeOptions) { $1 }
        let acmeLines = acme.sorted { $0.key < $1.key }.map { "    \($0.key): \"\($0.value)\"" }.joined(separator: "\n")
        return try certctl.writeConfig(withLocalIssuerAnd: "  - id: iss-acme\n    type: acme\n\(acmeLines)")
    }

    deinit {
        process?.signal(SIGKILL)
    }
}
