import Foundation
import HTTPTypes

/// The HTTP form of an OCSP answer, shared by the router (``PKIController``) and the connection
/// handler (``OCSPConnectionHandler``) so both send the same headers.
struct OCSPHTTPResponse: Sendable {
    var status: HTTPResponse.Status
    /// In order; `Content-Length` (and `Connection`) are added by whoever writes the response.
    var fields: [(name: HTTPField.Name, value: String)]
    /// `nil` for 304.
    var body: [UInt8]?

    /// - Parameters:
    ///   - cacheable: a GET, whose nonce-less answers get RFC 5019 §6.2 caching headers.
    ///   - ifNoneMatch: the request's `If-None-Match`.
    init(_ answer: OCSPResponder.Answer, cacheable: Bool, ifNoneMatch: String?, now: Date = Date()) {
        status = .ok
        body = answer.der
        guard cacheable, let window = answer.cacheWindow else {
            fields = [(.contentType, Self.contentType), (.cacheControl, "no-cache")]
            return
        }
        // RFC 5019 §6.2: max-age no later than nextUpdate, plus Last-Modified, Expires and ETag.
        let etag = answer.etag ?? OCSPResponder.Answer.etag(of: answer.der)
        let maxAge = max(0, Int(window.nextUpdate.timeIntervalSince(now)))
        fields = [
            (.contentType, Self.contentType),
            (.cacheControl, "max-age=\(maxAge), public, no-transform, must-revalidate"),
            (.lastModified, answer.httpDates?.lastModified ?? HTTPDate.format(window.thisUpdate)),
            (.expires, answer.httpDates?.expires ?? HTTPDate.format(window.nextUpdate)),
            (.eTag, etag),
        ]
        if ifNoneMatch == etag {
            status = .notModified
            body = nil
        }
    }

    /// The fields as HTTPTypes has them (the router's form).
    var headers: HTTPFields {
        var headers = HTTPFields()
        headers.reserveCapacity(fields.count)
        for field in fields { headers.append(HTTPField(name: field.name, value: field.value)) }
        return headers
    }

    private static let contentType = "application/ocsp-response"

    /// Over the per-IP limit: `unauthorized` with `Retry-After: 60` (SPEC §5).
    static let rateLimited: OCSPHTTPResponse = {
        var response = OCSPHTTPResponse(
            OCSPResponder.Answer(der: OCSPResponse.error(.unauthorized).derBytes), cacheable: false, ifNoneMatch: nil)
        response.fields.append((.retryAfter, "60"))
        return response
    }()
}
