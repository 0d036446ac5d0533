import ConnectorAPI
import Foundation
import Logging

/// Keeps one plugin child available: starts it on demand, checks its handshake and CA, bounds every
/// call by `timeout`, and restarts it after it exits — at once the first time, then with doubling
/// back-off up to `max_restart_backoff` while it keeps failing. Any successful call resets the
/// back-off. A call that times out kills the child (a plugin that stopped answering one request
/// will not answer the next), so the following call gets a fresh one.
actor PluginSupervisor {
    let issuerID: String
    let options: ExternalOptions
    let environment: [String: String]
    let logger: Logger

    private var current: PluginProcess?
    /// What the first start learned; every restart must match it.
    private(set) var handshake: PluginProtocol.Handshake?
    private(set) var caChainPEM: String?
    private var starting = false
    private var waiters: [CheckedContinuation<PluginProcess, any Error>] = []
    private var failures = 0
    private var notBefore: ContinuousClock.Instant?
    private var lastFailure: String?

    init(issuerID: String, options: ExternalOptions, environment: [String: String], logger: Logger) {
        self.issuerID = issuerID
        self.options = options
        self.environment = environment
        self.logger = logger
    }

    // MARK: Calls

    /// Calls `method` on the plugin, starting it when needed, within `timeout`.
    ///
    /// Failures map to the HTTP statuses of `docs/connectors/external-protocol.md`: the plugin
    /// exited (or could not be restarted) → `unavailable` (503); it broke the protocol →
    /// `upstreamFailure` (502); no answer within `timeout` → `timedOut` (504); its own error answer →
    /// by its code. Each is logged once, at warning, with the issuer and the plugin's pid.
    /// - Parameter check: a problem with a well-formed result (e.g. a signature that does not
    ///   verify), reported as `upstreamFailure`.
    func call<Result: Decodable & Sendable>(
        _ method: String, _ params: some Encodable & Sendable, as type: Result.Type, check: (@Sendable (Result) -> String?)? = nil
    ) async throws -> Result {
        let process = try await running()
        let line: Data
        do {
            line = try await Self.within(options.timeout) { try await process.call(method, params: params) }
        } catch is PluginTimeout {
            let reason = "the plugin did not answer \(method) within \(options.timeout)"
            process.terminate(reason)
            retire(process, reason)
            throw ConnectorError(
                .timedOut, "issuer \(issuerID): plugin did not answer \(method) within \(options.timeout); it was restarted")
        } catch let failure as PluginProcess.Failure {
            retire(process, failure.reason, alreadyLogged: failure.protocolViolation)
            throw ConnectorError(failure.protocolViolation ? .upstreamFailure : .unavailable, "issuer \(issuerID): \(failure.reason)")
        }
        let result: Result
        do {
            result = try decode(line, method: method, as: Result.self)
        } catch let error as ConnectorError {
            logger.warning(
                "plugin answered with an error or an invalid result",
                metadata: ["issuer": "\(issuerID)", "plugin_pid": "\(process.pid)", "method": "\(method)", "error": "\(error.message)"])
            throw error
        }
        if let problem = check?(result) { throw refusedAnswer(method, problem) }
        failures = 0
        return result
    }

    /// Logs (once, at warning, with the plugin's pid) and returns the error for a well-formed
    /// answer the host refuses to use (HTTP 502).
    func refusedAnswer(_ method: String, _ problem: String) -> ConnectorError {
        logger.warning(
            "plugin answer refused",
            metadata: [
                "issuer": "\(issuerID)", "plugin_pid": "\(current.map { "\($0.pid)" } ?? "-")", "method": "\(method)",
                "problem": "\(problem)",
            ])
        return ConnectorError(.upstreamFailure, "issuer \(issuerID): \(problem)")
    }

    /// A response line's result, or the plugin's JSON-RPC error as a ``ConnectorError``.
    private func decode<Result: Decodable>(_ line: Data, method: String, as type: Result.Type) throws -> Result {
        try PluginProtocol.result(of: line, method: method, issuerID: issuerID, as: type)
    }

    /// `nil` when the plugin is usable as far as the host can tell.
    var problem: String? {
        if let current, current.isRunning { return nil }
        guard let lastFailure else { return nil }
        return "plugin unavailable: \(lastFailure)"
    }

    func stop() async {
        await current?.stop()
        current = nil
    }

    // MARK: Starting

    /// The running child, starting (or restarting) it when needed. Concurrent callers share one
    /// start. A restart back-off shorter than `timeout` is waited out; a longer one fails at once.
    func running() async throws -> PluginProcess {
        while true {
            if let current {
                if current.isRunning { return current }
                retire(current, current.endReason ?? "the plugin exited", alreadyLogged: current.endedByViolation)
            }
            if starting { return try await withCheckedThrowingContinuation { waiters.append($0) } }
            guard let notBefore, ContinuousClock.now < notBefore else { break }
            let wait = ContinuousClock.now.duration(to: notBefore)
            guard wait <= options.timeout else {
                throw ConnectorError(
                    .unavailable,
                    "issuer \(issuerID): plugin unavailable (\(lastFailure ?? "failed")); next start in \(Self.milliseconds(wait)) ms")
            }
            try await Task.sleep(for: wait)
        }
        starting = true
        defer { starting = false }
        do {
            let process = try await launch()
            current = process
            for waiter in waiters { waiter.resume(returning: process) }
            waiters.removeAll()
            return process
        } catch {
            let failure = (error as? ConnectorError)?.message ?? "\(error)"
            recordFailure(failure)
            for waiter in waiters { waiter.resume(throwing: error) }
            waiters.removeAll()
            throw error
        }
    }

    /// Forgets a child that failed (once, however many callers saw it fail) and schedules the
    /// restart; logs the failure unless the process already did.
    private func retire(_ process: PluginProcess, _ reason: String, alreadyLogged: Bool = false) {
        guard current === process else { return }
        current = nil
        recordFailure(reason, pid: process.pid, log: !alreadyLogged)
    }

    static func milliseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    }

    private func recordFailure(_ reason: String, pid: Int32? = nil, log: Bool = true) {
        failures += 1
        lastFailure = reason
        // First restart at once; then 0.5 s, 1 s, 2 s, … up to max_restart_backoff.
        let delay = failures <= 1 ? Duration.zero : min(options.maxRestartBackoff, .milliseconds(500) * (1 << min(failures - 2, 16)))
        notBefore = ContinuousClock.now + delay
        guard log else { return }
        var metadata: Logger.Metadata = ["issuer": "\(issuerID)", "reason": "\(reason)", "restart_in_ms": "\(Self.milliseconds(delay))"]
        if let pid { metadata["plugin_pid"] = "\(pid)" }
        logger.warning("plugin failed", metadata: metadata)
    }

    /// Pin check, spawn, handshake (protocol version, capabilities), `describe`.
    private func launch() async throws -> PluginProcess {
        let pinned = try options.openPinned(issuerID: issuerID)
        let process = try PluginProcess.launch(
            options: options, pinned: pinned, issuerID: issuerID, environment: environment, logger: logger)
        do {
            let line: Data
            do {
                line = try await Self.within(options.timeout) { try await process.handshake() }
            } catch is PluginTimeout {
                throw ConnectorError(.timedOut, "issuer \(issuerID): the plugin sent no handshake within \(options.timeout)")
            } catch let failure as PluginProcess.Failure {
                throw ConnectorError(
                    failure.protocolViolation ? .upstreamFailure : .unavailable,
                    "issuer \(issuerID): \(failure.reason) before its handshake")
            }
            let greeting = try checkHandshake(line)
            let described = try await describe(process)
            if let handshake, handshake != greeting || caChainPEM != described {
                throw ConnectorError(
                    .unavailable,
                    "issuer \(issuerID): the restarted plugin declares other capabilities or another CA than at start-up; restart certctl to accept them"
                )
            }
            handshake = greeting
            caChainPEM = described
            logger.notice(
                "plugin started",
                metadata: [
                    "issuer": "\(issuerID)", "plugin_pid": "\(process.pid)", "plugin": "\(greeting.certctlPlugin.name ?? "?")",
                    "capabilities": "\(greeting.certctlPlugin.capabilities.joined(separator: ","))",
                ])
            return process
        } catch {
            process.kill()
            throw error
        }
    }

    private func checkHandshake(_ line: Data) throws -> PluginProtocol.Handshake {
        let greeting = try PluginProtocol.Handshake.checked(line, issuerID: issuerID)
        if let unknown = greeting.unknownCapabilities.first {
            logger.warning(
                "plugin declares an unknown capability; ignored", metadata: ["issuer": "\(issuerID)", "capability": "\(unknown)"])
        }
        return greeting
    }

    private func describe(_ process: PluginProcess) async throws -> String {
        let line: Data
        do {
            line = try await Self.within(options.timeout) { try await process.call("describe", params: PluginProtocol.Empty()) }
        } catch is PluginTimeout {
            throw ConnectorError(.timedOut, "issuer \(issuerID): the plugin did not answer describe within \(options.timeout)")
        } catch let failure as PluginProcess.Failure {
            throw ConnectorError(failure.protocolViolation ? .upstreamFailure : .unavailable, "issuer \(issuerID): \(failure.reason)")
        }
        return try decode(line, method: "describe", as: PluginProtocol.DescribeResult.self).caChainPem ?? ""
    }

    // MARK: Timeouts

    struct PluginTimeout: Error {}

    /// Runs `operation`, throwing ``PluginTimeout`` after `limit` (the operation is cancelled).
    static func within<T: Sendable>(_ limit: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(for: limit)
                throw PluginTimeout()
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
