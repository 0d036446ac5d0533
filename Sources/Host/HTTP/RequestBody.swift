import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies under `CERTCTL_MAX_BODY_SIZE`.
struct RequestBody {
    let maxSize: Int

    /// The whole body; 413 when it is larger than the limit.
    func bytes(_ request: Request) async throws -> ByteBuffer {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxSize {
            throw HostError(.payloadTooLarge, "request body is over the \(maxSize)-byte limit")
        }
        do {
            return try await request.body.collect(upTo: maxSize)
        } catch is NIOTooManyBytesError {
            throw HostError(.payloadTooLarge, "request body is over the \(maxSize)-byte limit")
        }
    }

    /// The body decoded as JSON; 400 for invalid JSON or a wrong shape.
    func json<T: Decodable>(_ type: T.Type, from request: Request, allowEmpty: Bool = false) async throws -> T? {
        let buffer = try await bytes(request)
        if buffer.readableBytes == 0 {
            if allowEmpty { return nil }
            throw HostError(.badRequest, "a JSON body is required")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch DecodingError.keyNotFound(let key, _) {
            throw HostError(.badRequest, "invalid JSON body: missing field '\(key.stringValue)'")
        } catch DecodingError.typeMismatch(_, let context) {
            let field = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw HostError(.badRequest, "invalid JSON body: field '\(field)' has the wrong type")
        } catch {
            throw HostError(.badRequest, "invalid JSON body")
        }
    }
}
