/// A request the responder answers with an OCSP error status instead of a signed response.
struct OCSPFailure: Error, Sendable, CustomStringConvertible {
    var status: OCSPResponseStatus
    var reason: String

    init(_ status: OCSPResponseStatus, _ reason: String) {
        self.status = status
        self.reason = reason
    }

    var description: String { "OCSP \(status): \(reason)" }
}

/// RFC 6960 §4.2.1 `OCSPResponseStatus`.
enum OCSPResponseStatus: UInt8, Sendable {
    case successful = 0
    case malformedRequest = 1
    case internalError = 2
    case tryLater = 3
    case sigRequired = 5
    case unauthorized = 6
}
