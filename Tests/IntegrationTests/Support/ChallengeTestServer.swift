import ConnectorSupport
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `pebble-challtestsrv` as a DNS server (Pebble and certctl's ACME validator resolve through it; a
/// dns-01 hook sets and clears TXT records through its management API, `/set-txt`, `/clear-txt`)
/// and a tls-alpn-01 responder on ``tlsALPNPort`` (`/add-tlsalpn01`).
final class ChallengeTestServer: @unchecked Sendable {
    let dnsPort: Int
    let managementPort: Int
    let tlsALPNPort: Int
    private let child: ChildProcess

    var dnsAddress: String { "127.0.0.1:\(dnsPort)" }
    var managementURL: String { "http://127.0.0.1:\(managementPort)" }

    init(logFile: URL) async throws {
        dnsPort = Certctl.freePort()
        managementPort = Certctl.freePort()
        tlsALPNPort = Certctl.freePort()
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        child = try ChildProcess(
            [
                "pebble-challtestsrv", "-dns01", "127.0.0.1:\(dnsPort)", "-management", "127.0.0.1:\(managementPort)", "-http01", "",
                "-https01", "", "-tlsalpn01", "127.0.0.1:\(tlsALPNPort)",
            ], stdout: logFile, stderr: logFile, appendOutput: true)
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            let probe = try await Command.run([
                "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-d", "{}", "\(managementURL)/clear-a",
            ])
            if probe.stdout != "000" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("pebble-challtestsrv did not start")
    }

    deinit {
        child.signal(SIGKILL)
        _ = child.exitStatus
    }
}
