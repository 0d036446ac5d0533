import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// SIGHUP: TLS certificate/key and config reload, all or nothing (docs/disaster-recovery.md §6).
@Suite struct ReloadTests {
    /// A self-signed P-256 pair for 127.0.0.1; returns (certificate, key) file URLs.
    static func makePair(_ name: String, in directory: URL) async throws -> (URL, URL) {
        let certificate = directory.appendingPathComponent("\(name).crt")
        let key = directory.appendingPathComponent("\(name).key")
        try await Command.check([
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.path, "-out",
            certificate.path, "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ])
        return (certificate, key)
    }

    /// The serial of the certificate a new TLS connection gets.
    static func servedSerial(_ server: ServerProcess) async throws -> String {
        try await Command.check([
            "sh", "-c", "openssl s_client -connect 127.0.0.1:\(server.port) </dev/null 2>/dev/null | openssl x509 -noout -serial",
        ]).trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    static func serial(_ file: URL) async throws -> String {
        try await Command.check(["openssl", "x509", "-in", file.path, "-noout", "-serial"])
            .trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// Sends SIGHUP and waits for the reload's log line (the `nth` one of that kind).
    static func hangUp(_ server: ServerProcess, expect line: String, count: Int) async throws {
        kill(server.pid, SIGHUP)
        let done = try await DisasterRecoveryTests.eventually(10) { server.stderr.components(separatedBy: line).count - 1 >= count }
        #expect(done, "no '\(line)' #\(count) in \(server.stderr)")
    }

    @Test func aBadTLSFileKeepsTheOldCertificateAndAGoodOneIsServedToNewConnections() async throws {
        let certctl = try Certctl()
        let dir = certctl.directory
        let (c1, k1) = try await Self.makePair("one", in: dir)
        let (c2, k2) = try await Self.makePair("two", in: dir)
        let live = (dir.appendingPathComponent("tls.crt"), dir.appendingPathComponent("tls.key"))
        try FileManager.default.copyItem(at: c1, to: live.0)
        try FileManager.default.copyItem(at: k1, to: live.1)
        let env = ["CERTCTL_TLS_CERT_FILE": live.0.path, "CERTCTL_TLS_KEY_FILE": live.1.path]
        try await ServerProcess.with(certctl, environment: env) { server in
            let first = try await Self.serial(c1)
            #expect(try await Self.servedSerial(server) == first)

            // Not PEM: refused, the old certificate is still served to new connections.
            try "not a certificate".write(to: live.0, atomically: true, encoding: .utf8)
            try await Self.hangUp(server, expect: "reload refused", count: 1)
            #expect(server.stderr.contains("CERTCTL_TLS_CERT_FILE"))
            #expect(try await Self.servedSerial(server) == first)

            // A certificate whose key is not the key file's: refused too.
            try FileManager.default.removeItem(at: live.0)
            try FileManager.default.copyItem(at: c2, to: live.0)
            try await Self.hangUp(server, expect: "reload refused", count: 2)
            #expect(server.stderr.contains("is not the key of the certificate"))
            #expect(try await Self.servedSerial(server) == first)
            #expect(!server.stderr.contains("BEGIN"), "no key material in logs")

            // The documented renewal: new files moved into place, then SIGHUP.
            let staged = (dir.appendingPathComponent("staged.crt"), dir.appendingPathComponent("staged.key"))
            try FileManager.default.copyItem(at: c2, to: staged.0)
            try FileManager.default.copyItem(at: k2, to: staged.1)
            try await Runbook.run(
                "tls-reload", certctl,
                [
                    "new_cert": staged.0.path, "new_key": staged.1.path, "tls_cert_file": live.0.path, "tls_key_file": live.1.path,
                    "certctl_pid": String(server.pid),
                ])
            #expect(try await DisasterRecoveryTests.eventually(10) { server.stderr.contains("reloaded") })
            #expect(try await Self.servedSerial(server) == (try await Self.serial(c2)))
            let counters = try await MetricsTests().counters(server, caFile: c2)
            #expect(counters["reload.failed"] == 2 && counters["reload.succeeded"] == 1)
        }
    }

    @Test func configReloadAppliesLimitsAndLogLevelAndRefusesBadValues() async throws {
        let certctl = try Certctl()
        let config = certctl.directory.appendingPathComponent("certctl.yaml")
        try "log_level: info\n".write(to: config, atomically: true, encoding: .utf8)
        try await ServerProcess.with(certctl, environment: ["CERTCTL_CONFIG": config.path]) { server in
            let serial = try #require(try await server.issue("leaf")["serial"] as? String)
            let ocspPath = "/.well-known/pki/ocsp/iss-local/\(serial)"

            try "log_level: loud\n".write(to: config, atomically: true, encoding: .utf8)
            try await Self.hangUp(server, expect: "reload refused", count: 1)
            #expect(server.stderr.contains("CERTCTL_LOG_LEVEL (log_level)"))

            try "log_level: debug\nocsp_rate_limit_per_ip_min: 2\nmax_body_size: 2MB\n".write(to: config, atomically: true, encoding: .utf8)
            try await Self.hangUp(server, expect: "reloaded", count: 1)
            #expect(server.stderr.contains("take effect at the next start") && server.stderr.contains("CERTCTL_MAX_BODY_SIZE"))
            let statuses = try await (0..<3).asyncMap { _ in try await server.request("GET", ocspPath).headers["retry-after"] }
            #expect(statuses == [nil, nil, "60"], "the new per-IP limit applies at once")
            #expect(server.stderr.contains("log_level=debug"))
        }
    }
}

extension Range where Bound == Int {
    /// Runs `body` for each element in order.
    func asyncMap<T>(_ body: (Int) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await body(element)) }
        return results
    }
}
