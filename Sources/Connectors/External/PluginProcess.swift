import ConnectorAPI
import ConnectorSupport
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One running plugin child: its stdin (requests), stdout (handshake, then responses) and stderr
/// (mirrored into the host log with the issuer id), started with the shared ``ChildProcess``
/// launcher.
///
/// Blocking pipe I/O runs on two reader threads and a serial writer queue, never on Swift's
/// cooperative pool, so a plugin that stops reading or writing cannot stall the host. When the
/// child exits every waiting call fails at once with the reason.
///
/// Everything mutable is in `state` (a `Mutex`); the child, its pid and its pipe ends are
/// immutable after ``launch(options:issuerID:environment:logger:)``.
final class PluginProcess: Sendable {
    /// Why a call could not be answered: the child exited (HTTP 503) or broke the protocol
    /// (HTTP 502; already logged by the process).
    struct Failure: Error, Sendable {
        var reason: String
        var protocolViolation = false
    }

    private struct Pending {
        var method: String
        var continuation: CheckedContinuation<Data, any Error>
    }

    private struct State {
        var pending: [Int: Pending] = [:]
        var nextID = 0
        var handshakeLine: Data?
        var handshakeWaiter: CheckedContinuation<Data, any Error>?
        var sawHandshake = false
        var ended: String?
        var endedByViolation = false
        var stdinClosed = false
    }

    let issuerID: String
    private let child: ChildProcess
    /// The hashed executable the child runs from (kept open while it runs), with a `sha256` pin.
    private let pinned: PinnedExecutable?
    private let stdin: Int32
    private let state = Mutex(State())
    private let writer: DispatchQueue
    private let logger: Logger

    /// The child's process id (for logs).
    var pid: Int32 { child.pid }

    private init(child: ChildProcess, pinned: PinnedExecutable?, stdin: Int32, issuerID: String, logger: Logger) {
        self.child = child
        self.pinned = pinned
        self.stdin = stdin
        self.issuerID = issuerID
        self.logger = logger
        writer = DispatchQueue(label: "certctl.plugin.\(issuerID).writer")
    }

    /// Starts the child, its reader threads and the watch for its exit.
    /// - Parameter pinned: with a `sha256` pin, the hashed file to run (``PinnedExecutable``).
    static func launch(
        options: ExternalOptions, pinned: PinnedExecutable? = nil, issuerID: String, environment: [String: String], logger: Logger
    ) throws -> PluginProcess {
        let child: ChildProcess
        do {
            child = try ChildProcess(
                executable: pinned?.path ?? options.executable.path, arguments: options.arguments, environment: environment,
                directory: options.workingDirectory, standardInput: .pipe, standardOutput: .pipe, standardError: .pipe)
        } catch {
            throw ConnectorError(.unavailable, "issuer \(issuerID): \(error)")
        }
        guard let stdin = child.standardInput, let stdout = child.standardOutput, let stderr = child.standardError else {
            child.signal(SIGKILL)
            throw ConnectorError(.internalFailure, "issuer \(issuerID): the plugin's pipes were not created")
        }
        let process = PluginProcess(child: child, pinned: pinned, stdin: stdin, issuerID: issuerID, logger: logger)
        Thread.detachNewThread { process.readLines(stdout, onLine: process.deliver, atEnd: process.stdoutClosed) }
        Thread.detachNewThread { process.readLines(stderr, onLine: process.mirror, atEnd: {}) }
        child.onExit { termination in process.end("the plugin \(termination)") }
        return process
    }

    var isRunning: Bool { state.withLock { $0.ended == nil } }
    var endReason: String? { state.withLock { $0.ended } }
    /// Whether the child was killed for breaking the protocol (already logged).
    var endedByViolation: Bool { state.withLock { $0.endedByViolation } }

    // MARK: Calls

    /// The handshake line (the first line on stdout).
    func handshake() async throws -> Data {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let ready: Result<Data, any Error>? = state.withLock { state in
                    if let line = state.handshakeLine { return .success(line) }
                    if let ended = state.ended { return .failure(Failure(reason: ended, protocolViolation: state.endedByViolation)) }
                    state.handshakeWaiter = continuation
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { $0.handshakeWaiter.take() }?.resume(throwing: CancellationError())
        }
    }

    /// Sends one JSON-RPC request and returns the raw response line.
    func call(_ method: String, params: some Encodable & Sendable) async throws -> Data {
        let id = state.withLock { state in
            state.nextID += 1
            return state.nextID
        }
        var encoded = try PluginProtocol.encoder.encode(PluginProtocol.Request(id: id, method: method, params: params))
        encoded.append(0x0A)
        let line = encoded
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let refused: Failure? = state.withLock { state in
                    if let ended = state.ended { return Failure(reason: ended, protocolViolation: state.endedByViolation) }
                    state.pending[id] = Pending(method: method, continuation: continuation)
                    return nil
                }
                if let refused {
                    continuation.resume(throwing: refused)
                    return
                }
                if Task.isCancelled { finish(id, .failure(CancellationError())) }
                writer.async { [self] in
                    if let problem = writeAll(line) { finish(id, .failure(Failure(reason: problem))) }
                }
            }
        } onCancel: {
            finish(id, .failure(CancellationError()))
        }
    }

    private func finish(_ id: Int, _ result: Result<Data, any Error>) {
        state.withLock { $0.pending.removeValue(forKey: id) }?.continuation.resume(with: result)
    }

    /// Runs on the writer queue, the only place that writes to or closes the child's stdin.
    private func writeAll(_ data: Data) -> String? {
        guard !state.withLock({ $0.stdinClosed }) else { return "the plugin's stdin is closed" }
        let fd = stdin
        return data.withUnsafeBytes { raw -> String? in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return "cannot write to the plugin's stdin (errno \(errno))"
                }
                offset += written
            }
            return nil
        }
    }

    // MARK: Reading

    private func readLines(_ fd: Int32, onLine: (Data) -> Void, atEnd: () -> Void) {
        var lines = PluginLineBuffer()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            for line in lines.append(chunk[0..<count]) { onLine(line) }
            if lines.overflowed {
                protocolViolation("the plugin wrote a line over \(PluginProtocol.maxLineBytes) bytes")
                break
            }
        }
        close(fd)
        atEnd()
    }

    /// A stdout line: the handshake first, then responses routed by id.
    private func deliver(_ line: Data) {
        let waiter: CheckedContinuation<Data, any Error>?? = state.withLock { state in
            guard !state.sawHandshake else { return .none }
            state.sawHandshake = true
            state.handshakeLine = line
            return .some(state.handshakeWaiter.take())
        }
        if case .some(let handshakeWaiter) = waiter {
            handshakeWaiter?.resume(returning: line)
            return
        }
        guard let envelope = try? PluginProtocol.decoder.decode(PluginProtocol.Envelope.self, from: line), let id = envelope.id,
            state.withLock({ $0.pending[id] != nil })
        else {
            protocolViolation("the plugin wrote a line to stdout that is not a response to a pending request: \(Self.preview(line))")
            return
        }
        finish(id, .success(line))
    }

    private func mirror(_ line: Data) {
        logger.info("\(String(decoding: line, as: UTF8.self))", metadata: ["issuer": "\(issuerID)", "plugin_pid": "\(pid)"])
    }

    static func preview(_ line: Data) -> String {
        let text = String(decoding: line.prefix(120), as: UTF8.self)
        return line.count > 120 ? "'\(text)…'" : "'\(text)'"
    }

    // MARK: Ending

    /// EOF on stdout usually means the child is exiting: give it a moment so the error can say how.
    private func stdoutClosed() {
        for _ in 0..<50 where child.isRunning { usleep(10_000) }
        end(child.termination.map { "the plugin \($0)" } ?? "the plugin closed its stdout")
    }

    /// Closes the child's stdin (a plugin exits on EOF), on the writer queue after queued writes.
    private func closeStdin() {
        writer.async { [self] in
            let close = state.withLock { state in
                defer { state.stdinClosed = true }
                return !state.stdinClosed
            }
            if close { Glibc.close(stdin) }
        }
    }

    /// Kills a child that broke the protocol, logging it once (a warning with the issuer and the
    /// plugin's pid); its waiting calls fail with `reason` as protocol violations (HTTP 502).
    func protocolViolation(_ reason: String) {
        logger.warning(
            "plugin protocol violation; killing it", metadata: ["issuer": "\(issuerID)", "plugin_pid": "\(pid)", "reason": "\(reason)"])
        end(reason, violation: true)
        kill()
    }

    /// Kills a child for `reason` without logging (the caller logs); its waiting calls fail with
    /// `reason`.
    func terminate(_ reason: String) {
        end(reason)
        kill()
    }

    /// Records why the child is gone (first reason wins) and fails everything waiting on it.
    private func end(_ reason: String, violation: Bool = false) {
        let (waiting, handshakeWaiter, ended, byViolation) = state.withLock {
            state -> ([Pending], CheckedContinuation<Data, any Error>?, String, Bool) in
            if state.ended == nil {
                state.ended = reason
                state.endedByViolation = violation
            }
            let waiting = Array(state.pending.values)
            state.pending.removeAll()
            return (waiting, state.handshakeWaiter.take(), state.ended ?? reason, state.endedByViolation)
        }
        handshakeWaiter?.resume(throwing: Failure(reason: ended, protocolViolation: byViolation))
        for call in waiting {
            call.continuation.resume(throwing: Failure(reason: "\(ended) during \(call.method)", protocolViolation: byViolation))
        }
        closeStdin()
    }

    func kill() { child.signal(SIGKILL) }

    /// Closes stdin (a plugin exits on EOF), then SIGTERM, then SIGKILL, waiting a little between.
    func stop() async {
        closeStdin()
        for (signal, wait) in [(Int32(0), Duration.seconds(3)), (SIGTERM, .seconds(2)), (SIGKILL, .seconds(1))] {
            if signal != 0 { child.signal(signal) }
            let deadline = ContinuousClock.now + wait
            while child.isRunning && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(20)) }
            if !child.isRunning { break }
        }
        end("the host is shutting down")
    }
}
