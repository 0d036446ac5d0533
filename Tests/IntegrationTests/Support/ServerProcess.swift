import ConnectorSupport
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

    /// Starts the server and waits until `/healthz` answers. A free port can be taken by another
    /// test between choosing and binding it: then the start is retried on new ports.
    init(_ certctl: Certctl, arguments: [String] = [], environment extra: [String: String] = [:], pkiPort: Int? = nil) async throws {
        self.certctl = certctl
        var attempt = 0
        while true {
            attempt += 1
            let port = Certctl.freePort()
            let pki = pkiPort ?? Certctl.freePort()
            let run = UUID().uuidString.prefix(8)
            let out = certctl.directory.appendingPathComponent("serve-\(run).out")
            let err = certctl.directory.appendingPathComponent("serve-\(run).err")
            let environment = certctl.environment(
                ["CERTCTL_LISTEN": "127.0.0.1:\(port)", "CERTCTL_PKI_HTTP_LISTEN": "127.0.0.1:\(pki)"].merging(extra) { $1 })
            let child = try ChildProcess(
                [Certctl.binary, "serve"] + arguments, environment: environment, directory: certctl.directory, stdout: out, stderr: err)
            let log = { (try? String(contentsOf: err, encoding: .utf8)) ?? "" }
            let deadline = ContinuousClock.now + .seconds(30)
            var exited: Int32?
            while ContinuousClock.now < deadline, exited == nil {
                let probe = try await Command.run([
                    "curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", "https://127.0.0.1:\(port)/healthz",
                ])
                if probe.stdout == "200" {
                    (self.port, self.pkiPort, self.child, stdoutFile, stderrFile) = (port, pki, child, out, err)
                    return
                }
                exited = child.exitStatus
                if exited == nil { try await Task.sleep(for: .milliseconds(100)) }
            }
            if let exited {
                if attempt < 4, log().contains("already in use") { continue }
                throw TestFailure("certctl serve exited \(exited): \(log())")
            }
            child.signal(SIGKILL)
            await child.wait()
            throw TestFailure("certctl serve did not become healthy: \(log())")
        }
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
