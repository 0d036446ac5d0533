import NIOCore

/// What the event-loop OCSP handlers of every connection share (``OCSPRawChannelHandler`` in
/// front of NIO's HTTP decoder, ``OCSPChannelHandler`` behind it), and the answer they both give.
struct OCSPFastPath: Sendable {
    let responder: OCSPResponder
    let limiter: FixedWindowLimiter<ContinuousClock>
    let metrics: HostMetrics
    /// On a database several instances share: memory is used only once this says so.
    let gate: OCSPEpochGate?

    /// One OCSP request as it arrived.
    enum Request {
        /// `GET {path}`: the whole request target.
        case get(path: String)
        /// `POST` with this body.
        case post(body: [UInt8])
    }

    /// Where each event loop collects its live signatures (``OCSPSigningBatch``).
    let batches = OCSPSigningBatches()

    /// What memory decided for a request.
    enum Decision {
        /// The response, made already.
        case respond(OCSPHTTPResponse)
        /// A nonce request, counted and admitted: its response needs a live signature.
        case sign(Signing)
    }

    /// A live signature still to be made: ``response()`` makes it and the response around it.
    struct Signing {
        let responder: OCSPResponder
        let plan: OCSPResponder.Plan
        let get: Bool

        func response() -> OCSPHTTPResponse {
            // A signed answer carries no cache window, so `If-None-Match` never applies.
            OCSPHTTPResponse(responder.finish(plan), cacheable: get, ifNoneMatch: nil)
        }
    }

    /// The response when memory answers the request (after the per-IP limit, counted like the
    /// router's), or `nil` when the router must: then nothing was counted or charged.
    func respond(_ request: Request, issuerID: String, ifNoneMatch: () -> String?, ip: () -> String) -> OCSPHTTPResponse? {
        switch decide(request, issuerID: issuerID, ifNoneMatch: ifNoneMatch, ip: ip) {
        case .respond(let response): response
        case .sign(let signing): signing.response()
        case nil: nil
        }
    }

    /// ``respond(_:issuerID:ifNoneMatch:ip:)`` up to the live signature, which the caller makes
    /// when it suits it (``OCSPRawChannelHandler`` makes a loop's signatures together).
    func decide(_ request: Request, issuerID: String, ifNoneMatch: () -> String?, ip: () -> String) -> Decision? {
        let raw: [UInt8]
        let decode: () -> OCSPResponder.Input?
        switch request {
        case .post(let der):
            raw = [UInt8(ascii: "P")] + der
            decode = { .der(der) }
        case .get(let path):
            raw = [UInt8(ascii: "G")] + Array(path.utf8)
            decode = {
                switch PKIController.getForm(path: path, issuerID: issuerID) {
                case .serial(let hex): .serial(hex)
                case .request(let der): .der(der)
                case .invalid: nil
                }
            }
        }
        guard let plan = responder.plan(issuerID: issuerID, raw: raw, decode: decode) else { return nil }
        let get: Bool
        if case .get = request { get = true } else { get = false }
        metrics.increment(.ocsp, get ? "request_get" : "request_post")
        guard PKIController.admitted(ip(), limiter: limiter, metrics: metrics) else { return .respond(.rateLimited) }
        if case .sign = plan { return .sign(Signing(responder: responder, plan: plan, get: get)) }
        return .respond(OCSPHTTPResponse(responder.finish(plan), cacheable: get, ifNoneMatch: ifNoneMatch()))
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

/// Per connection: how many requests its ``OCSPRawChannelHandler`` passed to NIO's decoder still
/// await their response (``OCSPChannelHandler`` counts them down as the responses are written).
/// While any does, the raw handler answers nothing itself, so responses keep the requests' order.
/// Event-loop confined, like the handlers that share it.
final class OCSPConnectionOrder {
    private(set) var forwarded = 0
    /// For each forwarded request not yet seen behind the decoder, in order: whether the raw
    /// handler already found that memory cannot answer it (it then goes straight to the router).
    private var declined = CircularBuffer<Bool>()

    func forward(declined: Bool) {
        forwarded += 1
        self.declined.append(declined)
    }

    /// Whether the next request behind the decoder was declined already. Requests passed on after
    /// the raw handler stopped reading were not recorded: `false`.
    func nextWasDeclined() -> Bool {
        declined.popFirst() ?? false
    }

    func responded() {
        if forwarded > 0 { forwarded -= 1 }
    }
}
