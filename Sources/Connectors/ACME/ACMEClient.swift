import AsyncHTTPClient
import ConnectorAPI
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOSSL
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The transport half of the ACME connector: directory, nonces, JWS-signed POSTs with `badNonce`
/// retry, bounded retries with back-off, per-call deadlines and the circuit breaker. It knows
/// nothing about orders; ``ACMEConnector`` drives the protocol on top of it.
final class ACMEClient: Sendable {
    /// One answer from the server.
    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: ByteBuffer

        var location: String? { headers.first(name: "Location") }

        func decode<T: Decodable>(_ type: T.Type, _ context: String) throws -> T {
            do {
                return try JSONDecoder().decode(type, from: body)
            } catch {
                throw ConnectorError(.upstreamFailure, "\(context): the ACME server sent a response that is not a valid \(type)")
            }
        }

        var problem: ACMEProblem? {
            guard status >= 400 else { return nil }
            return (try? JSONDecoder().decode(ACMEProblem.self, from: body))
                ?? ACMEProblem(type: nil, detail: "HTTP \(status)", status: status)
        }
    }

    /// How a request is authenticated: by the account URL, or by the account key itself.
    enum Signer {
        case kid(String)
        case jwk
    }

    let issuerID: String
    let options: ACMEOptions
    let accountKey: ACMEAccountKey
    let breaker: CircuitBreaker<ContinuousClock>
    private let tls: TLSConfiguration
    private let http: HTTPClient
    private let nonces = Mutex<[String]>([])
    private let cachedDirectory = Mutex<ACMEObjects.Directory?>(nil)
    static let maxBodyBytes = 1 << 20
    static let badNonceRetries = 10

    /// One HTTP client for all ACME issuers, for the life of the process (so never shut down).
    /// Unlike AsyncHTTPClient's default it reports a refused connection at once instead of
    /// re-dialling until the deadline, so retries and the circuit breaker see every failure, and
    /// it never follows redirects. TLS settings (the issuer's `ca_bundle_file`) are per request.
    static let sharedHTTP: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
    }()

    init(issuerID: String, options: ACMEOptions, accountKey: ACMEAccountKey, http: HTTPClient = ACMEClient.sharedHTTP) throws {
        self.issuerID = issuerID
        self.options = options
        self.accountKey = accountKey
        self.http = http
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        if let bundle = options.caBundleFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(bundle.path))
            } catch {
                throw ConnectorError.invalidConfiguration("issuer \(issuerID): ca_bundle_file \(bundle.path) holds no PEM certificate")
            }
        }
        self.tls = tls
        breaker = CircuitBreaker(
            failureThreshold: options.circuitBreakerFailures, openDuration: options.circuitBreakerOpen, clock: .continuous)
    }

    var host: String { URL(string: options.directoryURL).map { "\($0.host ?? "?")\($0.port.map { ":\($0)" } ?? "")" } ?? "?" }

    // MARK: Operations

    /// Runs one host call (issue, revoke) against the CA: refused at once while the breaker is
    /// open, bounded by `timeout`, and counted by the breaker when the CA could not answer.
    func operation<T: Sendable>(_ what: String, _ body: (ContinuousClock.Instant) async throws -> T) async throws -> T {
        if case .refuse(let retryAfter) = breaker.admit() {
            throw ConnectorError(
                .unavailable,
                "ACME server \(host) is failing (\(breaker.consecutiveFailures) failed calls in a row); not trying again for "
                    + "\(max(1, retryAfter.components.seconds))s"
            )
        }
        let deadline = ContinuousClock.now + options.timeout
        do {
            let result = try await body(deadline)
            breaker.recordSuccess()
            return result
        } catch {
            let failure = classify(error, what)
            if failure.isRetryable { breaker.recordFailure() } else { breaker.recordSuccess() }
            throw ConnectorError(
                failure.code, ConnectorError.naming(issuer: issuerID, failure.message), file: failure.file, line: failure.line)
        }
    }

    private func classify(_ error: any Error, _ what: String) -> ConnectorError {
        switch error {
        case let error as ConnectorError: error
        case let problem as ACMEProblem: problem.connectorError(what)
        case is CancellationError: ConnectorError(.timedOut, "\(what): cancelled")
        default: ConnectorError(.internalFailure, "\(what): \(error)")
        }
    }

    // MARK: Resources

    func directory(deadline: ContinuousClock.Instant) async throws -> ACMEObjects.Directory {
        if let directory = cachedDirectory.withLock({ $0 }) { return directory }
        let reply = try await withRetries("fetching the ACME directory", deadline: deadline) {
            try await self.exchange(.GET, self.options.directoryURL, body: nil, deadline: deadline)
        }
        if let problem = reply.problem { throw problem.connectorError("fetching the ACME directory \(options.directoryURL)") }
        let directory = try reply.decode(ACMEObjects.Directory.self, "fetching the ACME directory")
        cachedDirectory.withLock { $0 = directory }
        return directory
    }

    /// A JWS-signed POST (RFC 8555 §6.2); `payload == nil` is POST-as-GET. `badNonce` is retried
    /// with a fresh nonce; transport failures and 5xx with back-off; other problems are thrown.
    func post(
        _ url: String, payload: (some Encodable & Sendable)?, signer: Signer, accept: String? = nil, context: String,
        deadline: ContinuousClock.Instant
    ) async throws -> Reply {
        var badNonces = 0
        while true {
            let reply = try await withRetries(context, deadline: deadline) {
                let nonce = try await self.nonce(deadline: deadline)
                let header = JWS.Header(
                    alg: "ES256", jwk: signer.isJWK ? self.accountKey.jwk : nil, kid: signer.kid, nonce: nonce, url: url)
                let jws = try JWS.signed(payload, header: header, key: self.accountKey)
                return try await self.exchange(.POST, url, body: jws, accept: accept, deadline: deadline)
            }
            guard let problem = reply.problem else { return reply }
            if problem.name == "badNonce", badNonces < Self.badNonceRetries {
                badNonces += 1
                continue
            }
            throw problem
        }
    }

    private func nonce(deadline: ContinuousClock.Instant) async throws -> String {
        if let nonce = nonces.withLock({ $0.popLast() }) { return nonce }
        let url = try await directory(deadline: deadline).newNonce
        let reply = try await exchange(.HEAD, url, body: nil, deadline: deadline)
        guard let nonce = nonces.withLock({ $0.popLast() }) else {
            throw ConnectorError(.upstreamFailure, "the ACME server's newNonce (HTTP \(reply.status)) sent no Replay-Nonce")
        }
        return nonce
    }

    // MARK: Transport

    /// Retries `attempt` on transport failures and 5xx answers, with exponential back-off, while
    /// the deadline allows. The last failure is thrown (or the last 5xx reply returned).
    private func withRetries(
        _ context: String, deadline: ContinuousClock.Instant, _ attempt: () async throws -> Reply
    ) async throws -> Reply {
        var backoff = Duration.milliseconds(250)
        var tries = 0
        while true {
            tries += 1
            do {
                let reply = try await attempt()
                if reply.status < 500 || tries > options.retries || ContinuousClock.now + backoff >= deadline { return reply }
            } catch let error as ConnectorError where error.isRetryable {
                guard tries <= options.retries, ContinuousClock.now + backoff < deadline else {
                    throw ConnectorError(error.code, "\(context): \(error.message)")
                }
            }
            try await Task.sleep(for: backoff)
            backoff *= 2
        }
    }

    /// One HTTP exchange, bounded by `request_timeout` and the call's deadline. Every reply's
    /// `Replay-Nonce` goes into the pool.
    func exchange(
        _ method: HTTPMethod, _ url: String, body: JWS?, accept: String? = nil, deadline: ContinuousClock.Instant
    ) async throws -> Reply {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else {
            throw ConnectorError(.timedOut, "ACME server \(host) did not complete the request within \(options.timeout)")
        }
        let timeout = min(options.requestTimeout, remaining)
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.tlsConfiguration = tls
        request.headers.add(name: "User-Agent", value: "certctl-acme/1")
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/jose+json")
            request.body = .bytes(ByteBuffer(data: try JWS.encoder.encode(body)))
        }
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(timeout.nanoseconds))
            let bytes = try await response.body.collect(upTo: Self.maxBodyBytes)
            if let nonce = response.headers.first(name: "Replay-Nonce") {
                nonces.withLock { pool in
                    pool.append(nonce)
                    if pool.count > 16 { pool.removeFirst() }
                }
            }
            return Reply(status: Int(response.status.code), headers: response.headers, body: bytes)
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .writeTimeout, .connectTimeout, .tlsHandshakeTimeout:
                throw ConnectorError(.timedOut, "ACME server \(host) did not answer within \(timeout)")
            case .bodyLengthMismatch:
                throw ConnectorError(.upstreamFailure, "ACME server \(host) sent an oversized or truncated response")
            default:
                throw ConnectorError(.unavailable, "cannot reach ACME server \(host): \(Self.short(error))")
            }
        } catch let error as NIOTooManyBytesError {
            throw ConnectorError(.upstreamFailure, "ACME server \(host) sent a response over \(Self.maxBodyBytes) bytes: \(error)")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ConnectorError(.unavailable, "cannot reach ACME server \(host): \(Self.short(error))")
        }
    }

    /// Waits as the server asked (`Retry-After`, seconds or HTTP date), or `poll_interval`, never
    /// past the deadline.
    func pause(after reply: Reply, deadline: ContinuousClock.Instant, context: String) async throws {
        var wait = options.pollInterval
        if let value = reply.headers.first(name: "Retry-After") {
            if let seconds = Int(value.trimmingCharacters(in: .whitespaces)) {
                wait = .seconds(max(0, seconds))
            } else if let date = Self.httpDate(value) {
                wait = .milliseconds(max(0, Int64(date.timeIntervalSinceNow * 1000)))
            }
        }
        guard ContinuousClock.now + wait < deadline else {
            throw ConnectorError(.timedOut, "\(context): not finished within \(options.timeout) (raise the issuer's timeout for slow CAs)")
        }
        try await Task.sleep(for: wait)
    }

    static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text)
    }

    private static func short(_ error: any Error) -> String {
        if let io = error as? IOError, let text = strerror(io.errnoCode) { return String(cString: text) }
        let text = String(describing: error)
        return text.count > 200 ? String(text.prefix(200)) + "…" : text
    }
}

extension Duration {
    /// Whole nanoseconds, for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

extension ACMEClient.Signer {
    var isJWK: Bool { if case .jwk = self { true } else { false } }
    var kid: String? { if case .kid(let url) = self { url } else { nil } }
}
