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

    /// The body decoded as JSON; 400 for invalid JSON, a wrong shape, a field the body does not
    /// have, or `null` where the field is not nullable (the OpenAPI schemas say the same).
    func json<T: JSONBody>(_ type: T.Type, from request: Request, allowEmpty: Bool = false) async throws -> T? {
        let buffer = try await bytes(request)
        if buffer.readableBytes == 0 {
            if allowEmpty { return nil }
            throw HostError(.badRequest, "a JSON body is required")
        }
        do {
            return try JSONDecoder().decode(Checked<T>.self, from: Data(buffer.readableBytesView)).body
        } catch let error as HostError {
            throw error
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

/// A JSON request body, decoded from one keyed container: the fields it has (others are refused)
/// and those that may be `null`.
protocol JSONBody: Sendable {
    static var fields: [String] { get }
    static var nullableFields: [String] { get }
    init(from object: KeyedDecodingContainer<JSONField>) throws
}

extension JSONBody {
    static var nullableFields: [String] { [] }
}

/// A JSON object key.
struct JSONField: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Checks that the object has only `Body`'s fields and `null` only where one is nullable, then
/// lets `Body` read the same container (one parse, one container).
private struct Checked<Body: JSONBody>: Decodable {
    var body: Body

    init(from decoder: any Decoder) throws {
        let object: KeyedDecodingContainer<JSONField>
        do {
            object = try decoder.container(keyedBy: JSONField.self)
        } catch {
            throw HostError(.badRequest, "invalid JSON body: a JSON object is required")
        }
        for key in object.allKeys {
            guard Body.fields.contains(key.stringValue) else {
                throw HostError(
                    .badRequest, "invalid JSON body: unknown field '\(key.stringValue)' (known: \(Body.fields.joined(separator: ", ")))")
            }
            if !Body.nullableFields.contains(key.stringValue), try object.decodeNil(forKey: key) {
                throw HostError(.badRequest, "invalid JSON body: field '\(key.stringValue)' must not be null")
            }
        }
        body = try Body(from: object)
    }
}
