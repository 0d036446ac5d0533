import Foundation
import HTTPTypes
import Hummingbird

/// RFC 9457 problem details, the body of every API error.
struct ProblemDetails: Codable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String

    init(status: HTTPResponse.Status, detail: String) {
        self.type = "about:blank"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = detail
    }

    func response(headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/problem+json"
        let body = (try? JSONEncoder.api.encode(self)) ?? Data()
        return Response(
            status: HTTPResponse.Status(code: status),
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}

extension HostError {
    /// The HTTP status for this error (the only place codes become statuses).
    var httpStatus: HTTPResponse.Status {
        switch code {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .payloadTooLarge: .contentTooLarge
        case .unprocessable: .unprocessableContent
        case .tooManyRequests: .tooManyRequests
        case .badGateway: .badGateway
        case .unavailable: .serviceUnavailable
        case .gatewayTimeout: .gatewayTimeout
        default: .internalServerError
        }
    }

    var problem: ProblemDetails {
        // Internal failures are logged in full; clients get no internals.
        let detail = httpStatus == .internalServerError && code != .preIssuanceCheck ? "internal error" : message
        return ProblemDetails(status: httpStatus, detail: detail)
    }
}

extension JSONEncoder {
    /// The API's JSON style.
    static var api: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes, .sortedKeys]
        return encoder
    }
}

extension Response {
    /// A JSON response.
    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let body = try JSONEncoder.api.encode(value)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
