import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `pebble-challtestsrv` as a DNS server only: Pebble resolves through it, and a dns-01 hook sets
/// and clears TXT records through its management API (`/set-txt`, `/clear-txt`).
final class ChallengeTestServer: @unchecked Sendable {
    let dnsPort: Int
    let managementPort: Int
    private let process: Process

    var dnsAddress: String { "127.0.0.1:\(dnsPort)" }
    var managementURL: String { "http://127.0.0.1:\(managementPort)" }

    init(logFile: URL) async throws {
        dnsPort = Certctl.freePort()
        managementPort = Certctl.freePort()
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "pebble-challtestsrv", "-dns01", "127.0.0.1:\(dnsPort)", "-management", "127.0.0.1:\(managementPort)", "-http01", "",
            "-https01", "", "-tlsalpn01", "",
        ]
        _ = FileManager.default.createFile(atPath: logFile.path, contents: nil)
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
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
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
