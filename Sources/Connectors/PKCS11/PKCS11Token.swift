import CPKCS11
import ConnectorAPI
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// One token (through one module) as used by one issuer: a pool of at most `maxSessions` sessions,
/// one login per token, and recovery.
///
/// Every PKCS#11 call runs on this token's own thread pool (so a hung module cannot starve anything
/// else) under a per-call timeout. When a call reports a lost session, device or login
/// (`CKR_SESSION_HANDLE_INVALID`, `CKR_DEVICE_REMOVED`, `CKR_USER_NOT_LOGGED_IN`, …) the sessions are
/// dropped, the token is looked up again (slot ids change when a token is re-initialised), logged in
/// again and the call retried once. A token that stays unreachable fails calls fast for a short
/// back-off instead of stalling every request; a rejected PIN is never retried (no lock-out).
final class PKCS11Token: Sendable {
    let module: PKCS11Module
    let uri: PKCS11URI
    let issuerID: String
    let timeout: Duration
    private let pin: String
    /// Refused PINs are not tried again until the PIN file changes (``PKCS11PINGuard``).
    private let pinGuard: PKCS11PINGuard?
    private let threads: NIOThreadPool

    private struct State {
        var slot: CK_SLOT_ID?
        var idle: [CK_SESSION_HANDLE] = []
        var loggedIn = false
        var pinRejected = false
        var downUntil: ContinuousClock.Instant?
        /// The CA private key's handle (valid in every session of this process until a reset).
        var privateKey: CK_OBJECT_HANDLE?
        var lastError: String?
    }

    private let state = Mutex(State())
    static let backoff: Duration = .seconds(2)

    init(
        module: PKCS11Module, uri: PKCS11URI, pin: String, pinGuard: PKCS11PINGuard? = nil, issuerID: String, maxSessions: Int,
        timeout: Duration
    ) {
        self.module = module
        self.uri = uri
        self.pin = pin
        self.pinGuard = pinGuard
        self.issuerID = issuerID
        self.timeout = timeout
        threads = NIOThreadPool(numberOfThreads: maxSessions)
        threads.start()
    }

    // Never wait here: a thread may be stuck in a hung module call.
    deinit { threads.shutdownGracefully { _ in } }

    /// Why the token cannot be used right now, or `nil` when it can.
    var problem: String? {
        state.withLock { state in
            if state.pinRejected { return "PKCS#11 login rejected the PIN" }
            if let until = state.downUntil, until > .now { return state.lastError ?? "token unreachable" }
            return nil
        }
    }

    /// Runs `body` with a logged-in session. On a lost session the sessions are reopened and the
    /// call retried; if that fails too, the module is re-initialised (modules such as SoftHSM only
    /// rescan their tokens in `C_Initialize`) and the call retried once more.
    func withSession<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (PKCS11Functions, CK_SESSION_HANDLE) throws -> T)
        async throws -> T
    {
        if let problem = problem { throw ConnectorError(.unavailable, "issuer \(issuerID): \(problem)") }
        var lastError = ""
        for attempt in 0..<3 {
            do {
                let result = try await call { try self.run(body) }
                if attempt > 0 { state.withLock { $0.lastError = nil } }
                return result
            } catch let error as SessionLost {
                lastError = error.description
                reset()
                if attempt == 1 { try? await call { try self.module.reinitialize() } }
            }
        }
        markDown(lastError)
        throw ConnectorError(.unavailable, "issuer \(issuerID): \(operation): token unreachable (\(lastError))")
    }

    /// The CA private key's handle, looked up once and cached until the next reset.
    func privateKey(_ f: PKCS11Functions, _ session: CK_SESSION_HANDLE) throws -> CK_OBJECT_HANDLE {
        if let cached = state.withLock({ $0.privateKey }) { return cached }
        guard let key = try PKCS11Objects.find(f, session, uri, objectClass: CK_OBJECT_CLASS(CKO_PRIVATE_KEY)) else {
            throw SessionLost(description: "the CA private key is not in the token")
        }
        state.withLock { $0.privateKey = key }
        return key
    }

    /// Whether the CA key can be reached now (for `/readyz`).
    func check() async throws {
        let uri = self.uri
        _ = try await withSession("health check") { f, session in
            guard try PKCS11Objects.find(f, session, uri, objectClass: CK_OBJECT_CLASS(CKO_PRIVATE_KEY)) != nil else {
                throw SessionLost(description: "the CA private key is not in the token")
            }
            return true
        }
    }

    /// Opens a session and logs in once, at start-up: a wrong PIN is reported here, once.
    func connect() async throws {
        _ = try await withSession("login") { _, _ in true }
    }

    /// Borrows (or opens) a session, logs in when needed, runs `body`, returns the session.
    private func run<T>(_ body: (PKCS11Functions, CK_SESSION_HANDLE) throws -> T) throws -> T {
        let f = module.functions
        let session = try borrow()
        do {
            let result = try body(f, session)
            state.withLock { $0.idle.append(session) }
            return result
        } catch let error as RVError where PKCS11Error.isSessionLost(error.rv) {
            _ = f.C_CloseSession(session)
            throw SessionLost(description: PKCS11Error.name(error.rv))
        } catch let error as RVError {
            state.withLock { $0.idle.append(session) }
            throw PKCS11Error.failure(error.rv, error.operation)
        } catch {
            state.withLock { $0.idle.append(session) }
            throw error
        }
    }

    private func borrow() throws -> CK_SESSION_HANDLE {
        if let session = state.withLock({ $0.idle.popLast() }) { return session }
        let f = module.functions
        let slot: CK_SLOT_ID
        if let known = state.withLock({ $0.slot }) {
            slot = known
        } else {
            do {
                slot = try module.slot(for: uri)
            } catch {
                throw SessionLost(description: "token not found")
            }
            state.withLock { $0.slot = slot }
        }
        var session: CK_SESSION_HANDLE = 0
        let rv = f.C_OpenSession(slot, CK_FLAGS(CKF_SERIAL_SESSION), nil, nil, &session)
        guard rv == CK_RV(CKR_OK) else {
            if rv == CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED) { try? module.initialize() }
            throw SessionLost(description: "C_OpenSession: \(PKCS11Error.name(rv))")
        }
        if !state.withLock({ $0.loggedIn }) {
            let serial = module.tokenSerial(slot)
            if let refused = pinGuard?.refusedBefore(tokenSerial: serial) {
                _ = f.C_CloseSession(session)
                state.withLock { $0.pinRejected = true }
                throw ConnectorError.invalidConfiguration(
                    "issuer \(issuerID): token \(serial) refused this pin_file's PIN before (\(refused)); not trying it again, since every try uses one of the token's PIN retries — fix pin_file (writing it allows one more try)"
                )
            }
            var pinBytes = Array(pin.utf8)
            let rv = pinBytes.withUnsafeMutableBufferPointer {
                f.C_Login(session, CK_USER_TYPE(CKU_USER), $0.baseAddress, CK_ULONG($0.count))
            }
            guard rv == CK_RV(CKR_OK) || rv == CK_RV(CKR_USER_ALREADY_LOGGED_IN) else {
                _ = f.C_CloseSession(session)
                if rv == CK_RV(CKR_PIN_INCORRECT) || rv == CK_RV(CKR_PIN_LOCKED) || rv == CK_RV(CKR_PIN_INVALID) {
                    state.withLock { $0.pinRejected = true }
                    pinGuard?.remember(tokenSerial: serial, code: PKCS11Error.name(rv))
                    throw ConnectorError.invalidConfiguration(
                        "issuer \(issuerID): PKCS#11 login failed: \(PKCS11Error.name(rv)) (check pin_file)")
                }
                throw SessionLost(description: "C_Login: \(PKCS11Error.name(rv))")
            }
            state.withLock { $0.loggedIn = true }
        }
        return session
    }

    /// Forgets every session and the slot: the next call looks the token up and logs in again.
    private func reset() {
        let (sessions, slot) = state.withLock { state -> ([CK_SESSION_HANDLE], CK_SLOT_ID?) in
            defer {
                state.idle = []
                state.slot = nil
                state.loggedIn = false
                state.privateKey = nil
            }
            return (state.idle, state.slot)
        }
        let f = module.functions
        for session in sessions { _ = f.C_CloseSession(session) }
        if let slot { _ = f.C_CloseAllSessions?(slot) }
    }

    private func markDown(_ reason: String) {
        state.withLock {
            $0.downUntil = .now + Self.backoff
            $0.lastError = "token unreachable (\(reason))"
            $0.slot = nil
            $0.loggedIn = false
        }
    }

    /// Runs a blocking PKCS#11 call on the token's threads, giving up after `timeout`.
    private func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let once = Once<T>()
        let timeout = self.timeout
        let issuerID = self.issuerID
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            threads.submit { state in
                guard state == .active else {
                    once.resume(.failure(ConnectorError(.unavailable, "issuer \(issuerID): PKCS#11 worker stopped")))
                    return
                }
                once.resume(Result { try body() })
            }
            MultiThreadedEventLoopGroup.singleton.any().scheduleTask(in: .nanoseconds(Int64(timeout.components.seconds * 1_000_000_000))) {
                once.resume(.failure(ConnectorError(.timedOut, "issuer \(issuerID): PKCS#11 call timed out after \(timeout)")))
            }
        }
    }
}

/// Resumes a continuation exactly once, whichever of the call and its timeout finishes first.
final class Once<T: Sendable>: Sendable {
    private let continuation = Mutex<CheckedContinuation<T, any Error>?>(nil)

    func set(_ continuation: CheckedContinuation<T, any Error>) {
        self.continuation.withLock { $0 = continuation }
    }

    func resume(_ result: Result<T, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}

/// The session, login or token went away; the call may succeed after reconnecting.
struct SessionLost: Error, CustomStringConvertible {
    var description: String
}

/// A non-OK `CK_RV` from inside a session.
struct RVError: Error {
    var rv: CK_RV
    var operation: String
}
