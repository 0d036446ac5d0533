import Foundation

/// A JWS-signed ACME POST (RFC 8555 §6.2) in the flattened JSON serialization, parsed and checked
/// for shape: exactly `protected`, `payload`, `signature`; an `alg` this server accepts; exactly one of
/// `jwk` and `kid`; `nonce` and `url` present. Signature, nonce and URL are checked by the caller
/// (``ACMEService``), which knows the account and the request URL.
struct ACMERequest: Sendable {
    /// The algorithms accepted for account keys.
    static let algorithms: Set<String> = ["RS256", "ES256", "ES384"]

    var algorithm: String
    /// The `jwk` for newAccount and revocation by certificate key.
    var jwk: JWK?
    /// The account URL for everything else.
    var kid: String?
    var nonce: String
    var url: String
    /// The decoded payload bytes; empty for POST-as-GET.
    var payload: [UInt8]
    /// `protected.payload` as sent: what the signature covers.
    var signingInput: [UInt8]
    var signature: [UInt8]

    /// The inner JWS of a keyChange (RFC 8555 §7.3.5): like a request, but without a nonce.
    init(innerBody: [UInt8]) throws(ACMEProblem) {
        try self.init(body: innerBody, nonceRequired: false)
    }

    /// - Throws: ``ACMEProblem`` `malformed` / `badSignatureAlgorithm` / `badPublicKey`.
    init(body: [UInt8], nonceRequired: Bool = true) throws(ACMEProblem) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw ACMEProblem(.malformed, "the request body is not a JSON object (a flattened JWS)")
        }
        guard Set(object.keys) == ["protected", "payload", "signature"], let protected = object["protected"] as? String,
            let payload = object["payload"] as? String, let signature = object["signature"] as? String
        else {
            throw ACMEProblem(.malformed, "a JWS must have exactly 'protected', 'payload' and 'signature' (flattened JSON serialization)")
        }
        guard let headerBytes = JOSEBase64.decode(protected),
            let header = (try? JSONSerialization.jsonObject(with: Data(headerBytes))) as? [String: Any]
        else { throw ACMEProblem(.malformed, "the JWS protected header is not base64url JSON") }
        guard let payloadBytes = JOSEBase64.decode(payload) ?? (payload.isEmpty ? [] : nil) else {
            throw ACMEProblem(.malformed, "the JWS payload is not base64url")
        }
        guard let signatureBytes = JOSEBase64.decode(signature), !signatureBytes.isEmpty else {
            throw ACMEProblem(.malformed, "the JWS signature is not base64url")
        }
        guard let algorithm = header["alg"] as? String else { throw ACMEProblem(.malformed, "the JWS header has no 'alg'") }
        guard Self.algorithms.contains(algorithm) else {
            throw ACMEProblem(.badSignatureAlgorithm, "alg '\(algorithm)' is not accepted (accepted: RS256, ES256, ES384)")
        }
        let jwkObject = header["jwk"] as? [String: Any]
        let kid = header["kid"] as? String
        guard (jwkObject == nil) != (kid == nil) else {
            throw ACMEProblem(.malformed, "the JWS header must have exactly one of 'jwk' and 'kid'")
        }
        let nonce = header["nonce"] as? String ?? ""
        if nonceRequired, nonce.isEmpty { throw ACMEProblem(.badNonce, "the JWS header has no 'nonce'") }
        if !nonceRequired, header["nonce"] != nil { throw ACMEProblem(.malformed, "the inner JWS must not have a 'nonce'") }
        guard let url = header["url"] as? String else { throw ACMEProblem(.malformed, "the JWS header has no 'url'") }
        self.algorithm = algorithm
        self.jwk = try jwkObject.map { (object) throws(ACMEProblem) in try JWK(json: object) }
        self.kid = kid
        self.nonce = nonce
        self.url = url
        self.payload = payloadBytes
        self.signingInput = Array("\(protected).\(payload)".utf8)
        self.signature = signatureBytes
    }

    /// Whether `key` signed this request with the declared algorithm.
    func isSigned(by key: JWK) -> Bool { key.verifies(signature, over: signingInput, algorithm: algorithm) }

    /// The payload as a JSON object (`{}` for an empty one is an error: POST-as-GET has no payload).
    func payloadObject() throws(ACMEProblem) -> [String: Any] {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any] else {
            throw ACMEProblem(.malformed, "the JWS payload is not a JSON object")
        }
        return object
    }

    /// POST-as-GET (RFC 8555 §6.3): an empty payload.
    var isPostAsGet: Bool { payload.isEmpty }
}
