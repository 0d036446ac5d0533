import Foundation

/// What the ACME server stores in ``ACMEObjectRecord/body`` (JSON), per kind.
struct ACMEIdentifier: Codable, Sendable, Hashable {
    var type: String
    var value: String
}

struct ACMEAccount: Codable, Sendable {
    var contact: [String]
    /// The account key, as its RFC 7638 canonical JSON (enough to rebuild the key).
    var jwk: String
    var termsOfServiceAgreed: Bool
}

struct ACMEOrder: Codable, Sendable {
    var identifiers: [ACMEIdentifier]
    var authorizations: [String]
    var certificateID: String?
    var error: ACMEProblemBody?
}

struct ACMEChallenge: Codable, Sendable {
    var type: String
    var token: String
    var status: String
    var validated: Date?
    var error: ACMEProblemBody?
}

struct ACMEAuthorization: Codable, Sendable {
    var identifier: ACMEIdentifier
    var wildcard: Bool
    var challenges: [ACMEChallenge]
}

/// A stored problem (a failed challenge or order).
struct ACMEProblemBody: Codable, Sendable {
    var type: String
    var detail: String
    var status: Int

    init(_ problem: ACMEProblem) {
        type = problem.type
        detail = problem.detail
        status = problem.status
    }
}

enum ACMEJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    static func encode(_ value: some Encodable) throws -> String { String(decoding: try encoder.encode(value), as: UTF8.self) }
    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try decoder.decode(type, from: Data(text.utf8)) }
}
