import Crypto
import Foundation

/// A JWS in the flattened JSON serialization (RFC 7515 §7.2.2), the only form ACME accepts.
struct JWS: Encodable, Sendable {
    var protected: String
    var payload: String
    var signature: String

    /// The protected header of an ACME request (RFC 8555 §6.2): `jwk` for newAccount and
    /// certificate-key revocation, `kid` (the account URL) for everything else.
    struct Header: Encodable {
        var alg: String
        var jwk: ACMEAccountKey.JWK?
        var kid: String?
        var nonce: String?
        var url: String
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// An ES256 request signed by the account key. `payload == nil` is POST-as-GET (empty payload).
    static func signed(_ payload: (some Encodable)?, header: Header, key: ACMEAccountKey) throws -> JWS {
        let protected = Base64URL.encode(try encoder.encode(header))
        let body = try payload.map { Base64URL.encode(try encoder.encode($0)) } ?? ""
        let signature = try key.sign(Array("\(protected).\(body)".utf8))
        return JWS(protected: protected, payload: body, signature: Base64URL.encode(signature))
    }

    /// RFC 8555 §7.3.4 external account binding: an HS256 JWS over the account's JWK, keyed by the
    /// CA-issued MAC key.
    static func externalAccountBinding(kid: String, macKey: [UInt8], accountKey: ACMEAccountKey, url: String) throws -> JWS {
        let header = Header(alg: "HS256", jwk: nil, kid: kid, nonce: nil, url: url)
        let protected = Base64URL.encode(try encoder.encode(header))
        let payload = Base64URL.encode(try encoder.encode(accountKey.jwk))
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(protected).\(payload)".utf8), using: SymmetricKey(data: macKey))
        return JWS(protected: protected, payload: payload, signature: Base64URL.encode(mac))
    }
}
