import NIOCore

/// The one place an OCSP request over HTTP is decided, whichever way it came in: the connection
/// handler in front of NIO's decoder (``OCSPConnectionHandler``) and the router (``PKIController``)
/// both call ``decide(_:issuerID:memory:ip:)``. It counts the request, applies the per-IP limit,
/// answers from memory when memory can (``OCSPResponder/plan(issuerID:raw:decode:)``), and
/// otherwise says what the answer still needs: a live signature (``Signing``) or the database
/// (``DatabaseQuery``).
struct OCSPFastPath: Sendable {
    let responder: OCSPResponder
    let limiter: FixedWindowLimiter<ContinuousClock>
    let metrics: HostMetrics
    /// On a database several instances share: memory is used only once this says so.
    let gate: OCSPEpochGate?
    /// Where the connection handler's misses are answered (the database path, off the event loop).
    let database: any OCSPDatabasePath
    let tuning: OCSPTuning
    /// Where each event loop collects its live signatures (``OCSPSigningBatch``).
    let batches = OCSPSigningBatches()
    /// `CERTCTL_RATE_LIMIT_IPV6_PREFIX`: the bits of an IPv6 client's address its limit counts by.
    var ipv6Prefix = 64

    /// The per-IP limit's key for a connection's peer (``ClientKey``).
    func clientKey(_ address: SocketAddress?) -> String {
        ClientKey.make(address, ipv6Prefix: ipv6Prefix)
    }

    /// One OCSP request as it arrived.
    struct Request: Sendable {
        enum Form: Sendable {
            /// `GET {path}`: the whole request target.
            case get(path: String)
            /// `POST` with this body.
            case post(body: [UInt8])
            /// `POST` with a body over ``OCSPResponder/maxRequestBytes`` (answered `malformedRequest`).
            case oversizedPost
        }

        var form: Form
        /// The request's `If-None-Match`, for a 304.
        var ifNoneMatch: String?

        var isGet: Bool {
            if case .get = form { return true }
            return false
        }
    }

    /// What a request needs to be answered.
    enum Decision: Sendable {
        /// The response, made already.
        case respond(OCSPHTTPResponse)
        /// A nonce request memory can answer: its response needs a live signature.
        case sign(Signing)
        /// The database path (a miss, or memory not to be used).
        case database(DatabaseQuery)
    }

    /// A live signature still to be made: ``response()`` makes it and the response around it.
    struct Signing: Sendable {
        let responder: OCSPResponder
        let plan: OCSPResponder.Plan
        let get: Bool

        func response() -> OCSPHTTPResponse {
            // A signed answer carries no cache window, so `If-None-Match` never applies.
            OCSPHTTPResponse(responder.finish(plan), cacheable: get, ifNoneMatch: nil)
        }
    }

    /// A request for the database path, already counted and admitted.
    struct DatabaseQuery: Sendable {
        let issuerID: String
        let input: OCSPResponder.Input
        let request: Request
    }

    /// Decides `request` for `issuerID`.
    ///
    /// - Parameters:
    ///   - memory: whether memory may be used (on a shared database: the gate said so).
    ///   - ip: the client's address, for the per-IP limit.
    func decide(_ request: Request, issuerID: String, memory: Bool, ip: () -> String) -> Decision {
        let raw: [UInt8]
        let decode: () -> OCSPResponder.Input?
        switch request.form {
        case .oversizedPost:
            metrics.increment(.ocsp, "request_post")
            raw = []
            decode = { nil }
        case .post(let der):
            metrics.increment(.ocsp, "request_post")
            raw = [UInt8(ascii: "P")] + der
            decode = { .der(der) }
        case .get(let path):
            metrics.increment(.ocsp, "request_get")
            raw = [UInt8(ascii: "G")] + Array(path.utf8)
            decode = {
                switch PKIController.getForm(path: path, issuerID: issuerID) {
                case .serial(let hex): .serial(hex)
                case .request(let der): .der(der)
                case .invalid: nil
                }
            }
        }
        guard admitted(ip()) else { return .respond(.rateLimited) }
        if memory, !raw.isEmpty, let plan = responder.plan(issuerID: issuerID, raw: raw, decode: decode) {
            if case .sign = plan { return .sign(Signing(responder: responder, plan: plan, get: request.isGet)) }
            return .respond(OCSPHTTPResponse(responder.finish(plan), cacheable: request.isGet, ifNoneMatch: request.ifNoneMatch))
        }
        guard let input = decode() else {
            metrics.increment(.ocsp, "request_invalid")
            return .respond(
                OCSPHTTPResponse(.init(der: OCSPResponse.error(.malformedRequest).derBytes), cacheable: false, ifNoneMatch: nil))
        }
        return .database(DatabaseQuery(issuerID: issuerID, input: input, request: request))
    }

    /// The full path's answer to a query (reads, signs and stores as needed).
    func answer(_ query: DatabaseQuery) async -> OCSPHTTPResponse {
        let answer: OCSPResponder.Answer
        switch query.input {
        case .der(let der): answer = await responder.respond(issuerID: query.issuerID, requestDER: der)
        case .serial(let hex): answer = await responder.respond(issuerID: query.issuerID, serialHex: hex)
        }
        return OCSPHTTPResponse(answer, cacheable: query.request.isGet, ifNoneMatch: query.request.ifNoneMatch)
    }

    /// The router's way through: the gate when there is one, ``decide(_:issuerID:memory:ip:)``,
    /// then the signature or the database path in this task.
    func respond(_ request: Request, issuerID: String, ip: String) async -> OCSPHTTPResponse {
        var memory = true
        if let gate, !gate.isCurrent() { memory = await gate.wait() }
        switch decide(request, issuerID: issuerID, memory: memory, ip: { ip }) {
        case .respond(let response): return response
        case .sign(let signing): return signing.response()
        case .database(let query): return await answer(query)
        }
    }

    /// Applies the per-IP limit to one request; `false` (counted) when over it.
    private func admitted(_ ip: String) -> Bool {
        guard case .limited = limiter.acquire(ip) else { return true }
        metrics.increment(.ocsp, "rate_limited")
        metrics.increment(.ratelimit, "ocsp")
        return false
    }

    /// The issuer of `POST /.well-known/pki/ocsp/{issuer}` or `GET /.well-known/pki/ocsp/{issuer}/…`
    /// (no query string); `nil` for anything else. On bytes: `String.hasPrefix`/`contains` compare
    /// Characters, which cost 7 % of a GET.
    static func ocspIssuer(get: Bool, target bytes: UnsafeRawBufferPointer) -> String? {
        let prefix = ocspPrefixBytes
        guard bytes.count > prefix.count, bytes.starts(with: prefix), !bytes.contains(UInt8(ascii: "?")) else { return nil }
        let rest = bytes[prefix.count...]
        let slash = rest.firstIndex(of: UInt8(ascii: "/"))
        let name = rest[..<(slash ?? rest.endIndex)]
        guard !name.isEmpty else { return nil }
        if get {
            guard let slash, slash + 1 < rest.endIndex else { return nil }
        } else {
            guard slash == nil else { return nil }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: name), as: UTF8.self)
    }

    private static let ocspPrefixBytes = Array(PKIController.ocspPrefix.utf8)
}
