import Foundation

/// An RFC 8555 §6.7 error: `urn:ietf:params:acme:error:<type>`, sent as `application/problem+json`
/// with the status RFC 8555 gives it. The detail is shown to clients: never a secret.
struct ACMEProblem: Error, Sendable, Equatable, CustomStringConvertible {
    enum Kind: String, Sendable {
        case accountDoesNotExist, alreadyRevoked, badCSR, badNonce, badPublicKey, badRevocationReason,
            badSignatureAlgorithm, caa, connection, dns, externalAccountRequired, incorrectResponse, invalidContact,
            malformed, orderNotReady, rateLimited, rejectedIdentifier, serverInternal, tls, unauthorized,
            unsupportedContact, unsupportedIdentifier, userActionRequired

        /// The HTTP status (RFC 8555 §6.7 and its examples; 404 for unknown accounts and objects).
        var status: Int {
            switch self {
            case .accountDoesNotExist: 400
            case .unauthorized: 403
            case .orderNotReady: 403
            case .rateLimited: 429
            case .serverInternal: 500
            default: 400
            }
        }
    }

    var kind: Kind
    var detail: String
    /// For `rateLimited`: the `Retry-After` seconds.
    var retryAfterSeconds: Int?
    /// An explicit status where RFC 8555 differs from the type's default (e.g. 404, 405).
    var statusOverride: Int?

    init(_ kind: Kind, _ detail: String, retryAfterSeconds: Int? = nil, status: Int? = nil) {
        self.kind = kind
        self.detail = detail
        self.retryAfterSeconds = retryAfterSeconds
        self.statusOverride = status
    }

    var status: Int { statusOverride ?? kind.status }
    var type: String { "urn:ietf:params:acme:error:\(kind.rawValue)" }
    var description: String { "\(type): \(detail)" }

    /// Not found (no such order, authorization, …): `malformed` with 404, as boulder answers.
    static func notFound(_ what: String) -> ACMEProblem { ACMEProblem(.malformed, "no such \(what)", status: 404) }
}
