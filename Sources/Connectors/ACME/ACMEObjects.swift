/// RFC 8555 §7.1 resources, decoded leniently: only the fields certctl reads.
enum ACMEObjects {
    struct Directory: Decodable, Sendable {
        struct Meta: Decodable, Sendable {
            var termsOfService: String?
            var externalAccountRequired: Bool?
        }
        var newNonce: String
        var newAccount: String
        var newOrder: String
        var revokeCert: String
        var meta: Meta?
    }

    struct Identifier: Codable, Sendable, Hashable {
        var type: String
        var value: String
    }

    struct Order: Decodable, Sendable {
        var status: String
        var authorizations: [String]
        var finalize: String
        var certificate: String?
        var error: ACMEProblem?
    }

    struct Authorization: Decodable, Sendable {
        var status: String
        var identifier: Identifier
        var challenges: [Challenge]
        var wildcard: Bool?
    }

    struct Challenge: Decodable, Sendable {
        var type: String
        var url: String
        var status: String
        var token: String?
        var error: ACMEProblem?
    }

    struct NewAccount: Encodable, Sendable {
        var termsOfServiceAgreed: Bool?
        var contact: [String]?
        var onlyReturnExisting: Bool?
        var externalAccountBinding: JWS?
    }

    struct NewOrder: Encodable, Sendable {
        var identifiers: [Identifier]
    }

    struct Finalize: Encodable, Sendable {
        var csr: String
    }

    struct Revocation: Encodable, Sendable {
        var certificate: String
        var reason: Int
    }

    /// The `{}` payload that tells the server a challenge is ready to be validated.
    struct Empty: Encodable, Sendable {}
}
