import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A running `certctl serve` on a free loopback port.
final class ServerProcess: @unchecked Sendable {
    let certctl: Certctl
    let port: Int
    /// The plain-HTTP PKI listener (`CERTCTL_PKI_HTTP_LISTEN`), always configured.
    let pkiPort: Int
    let process: Process
    let stdoutFile: URL
    let stderrFile: URL

    var baseURL: String { "https://127.0.0.1:\(port)" }
    var stdout: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Starts the server and waits until `/healthz` answers.
    init(_ certctl: Certctl, arguments: [String] = [], environment extra: [String: String] = [:], pkiPort: Int? = nil) async throws {
        self.certctl = certctl
        port = Certctl.freePort()
        self.pkiPort = pkiPort ?? Certctl.freePort()
        let run = UUID().uuidString.prefix(8)
        stdoutFile = certctl.directory.appendingPathComponent("serve-\(run).out")
        stderrFile = certctl.directory.appendingPathComponent("serve-\(run).err")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        process = Process()
        process.executableURL = URL(fileURLWithPath: Certctl.binary)
        process.arguments = ["serve"] + arguments
        process.environment = certctl.environment(
            ["CERTCTL_LISTEN": "127.0.0.1:\(port)", "CERTCTL_PKI_HTTP_LISTEN": "127.0.0.1:\(self.pkiPort)"].merging(extra) { $1 }
        )
        process.currentDirectoryURL = certctl.directory
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            guard process.isRunning else {
                throw TestFailure("certctl serve exited \(process.terminationStatus): \(stderr)")
            }
            let probe = try await Command.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(baseURL)/healthz"])
            if probe.stdout == "200" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw TestFailure("certctl serve did not become healthy: \(stderr)")
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() async -> Int32 {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = ContinuousClock.now + .seconds(15)
        while process.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(50)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        return process.terminationStatus
    }

    /// Runs `body` with a started server and always stops it.
    static func with<T>(
        _ certctl: Certctl, arguments: [String] = [], environment: [String: String] = [:], pkiPort: Int? = nil,
        _ body: (ServerProcess) async throws -> T
    ) async throws -> T {
        let server = try await ServerProcess(certctl, arguments: arguments, environment: environment, pkiPort: pkiPort)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }
}
