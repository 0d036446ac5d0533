import Foundation
import HTTPTypes

/// The HTTP form of an OCSP answer, shared by the router (``PKIController``) and the event-loop
/// fast path (``OCSPChannelHandler``) so both send the same headers.
struct OCSPHTTPResponse {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    /// `nil` for 304.
    var body: [UInt8]?

    /// - Parameters:
    ///   - cacheable: a GET, whose nonce-less answers get RFC 5019 §6.2 caching headers.
    ///   - ifNoneMatch: the request's `If-None-Match`.
    init(_ answer: OCSPResponder.Answer, cacheable: Bool, ifNoneMatch: String?, now: Date = Date()) {
        status = .ok
        body = answer.der
        headers = [.contentType: "application/ocsp-response"]
        guard cacheable, let window = answer.cacheWindow else {
            headers[.cacheControl] = "no-cache"
            return
        }
        // RFC 5019 §6.2: max-age no later than nextUpdate, plus Last-Modified, Expires and ETag.
        let etag = answer.etag ?? OCSPResponder.Answer.etag(of: answer.der)
        let maxAge = max(0, Int(window.nextUpdate.timeIntervalSince(now)))
        headers[.cacheControl] = "max-age=\(maxAge), public, no-transform, must-revalidate"
        headers[.lastModified] = answer.httpDates?.lastModified ?? HTTPDate.format(window.thisUpdate)
        headers[.expires] = answer.httpDates?.expires ?? HTTPDate.format(window.nextUpdate)
        headers[.eTag] = etag
        if ifNoneMatch == etag {
            status = .notModified
            body = nil
        }
    }

    /// Over the per-IP limit: `unauthorized` with `Retry-After: 60` (SPEC §5).
    static let rateLimited: OCSPHTTPResponse = {
        var response = OCSPHTTPResponse(
            OCSPResponder.Answer(der: OCSPResponse.error(.unauthorized).derBytes), cacheable: false, ifNoneMatch: nil)
        response.headers[.retryAfter] = "60"
        return response
    }()
}
