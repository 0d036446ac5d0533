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
    let child: ChildProcess
    let stdoutFile: URL
    let stderrFile: URL

    var pid: pid_t { child.pid }
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
        child = try ChildProcess(
            [Certctl.binary, "serve"] + arguments,
            environment: certctl.environment(
                ["CERTCTL_LISTEN": "127.0.0.1:\(port)", "CERTCTL_PKI_HTTP_LISTEN": "127.0.0.1:\(self.pkiPort)"].merging(extra) { $1 }
            ),
            directory: certctl.directory, stdout: stdoutFile, stderr: stderrFile
        )
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let status = child.exitStatus {
                throw TestFailure("certctl serve exited \(status): \(stderr)")
            }
            let probe = try await Command.run(["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "\(baseURL)/healthz"])
            if probe.stdout == "200" { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        child.signal(SIGKILL)
        await child.wait()
        throw TestFailure("certctl serve did not become healthy: \(stderr)")
    }

    /// Sends SIGTERM and waits for the exit status.
    @discardableResult
    func stop() async -> Int32 {
        child.signal(SIGTERM)
        return await child.wait(timeout: .seconds(15))
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
