import Crypto
import Foundation
import Testing
import _CryptoExtras

@testable import Host

/// Server-side JWS (RFC 7515 flattened serialization, as RFC 8555 §6.2 restricts it) and JWK
/// thumbprints (RFC 7638).
@Suite struct JWSTests {
    static func b64(_ bytes: some Sequence<UInt8>) -> String { JOSEBase64.encode(bytes) }
    static func b64(_ json: [String: Any]) -> String {
        b64((try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data())
    }

    static func jwk(_ key: P256.Signing.PublicKey) -> [String: Any] {
        let raw = Array(key.rawRepresentation)
        return ["kty": "EC", "crv": "P-256", "x": b64(raw[0..<32]), "y": b64(raw[32...])]
    }

    /// A flattened JWS signed by `key`.
    static func request(
        _ key: P256.Signing.PrivateKey, header extra: [String: Any] = [:], payload: [String: Any]? = ["a": 1], useKid: Bool = false
    ) throws -> [UInt8] {
        var header: [String: Any] = ["alg": "ES256", "nonce": "n1", "url": "https://ca.test/acme/web/new-order"]
        if useKid { header["kid"] = "https://ca.test/acme/web/acct/1" } else { header["jwk"] = jwk(key.publicKey) }
        header.merge(extra) { $1 }
        let protected = b64(header)
        let body = payload.map { b64($0) } ?? ""
        let signature = try key.signature(for: Array("\(protected).\(body)".utf8)).rawRepresentation
        return Array(try JSONSerialization.data(withJSONObject: ["protected": protected, "payload": body, "signature": b64(signature)]))
    }

    @Test func anES256RequestVerifiesWithItsJWK() throws {
        let key = P256.Signing.PrivateKey()
        let request = try ACMERequest(body: try Self.request(key))
        let jwk = try #require(request.jwk)
        #expect(request.isSigned(by: jwk))
        #expect(request.nonce == "n1" && request.url == "https://ca.test/acme/web/new-order")
        #expect(try request.payloadObject()["a"] as? Int == 1)
        let other = try JWK(json: Self.jwk(P256.Signing.PrivateKey().publicKey))
        #expect(!request.isSigned(by: other))
    }

    @Test func rs256VerifiesAndTheRFC7638ThumbprintMatches() throws {
        // RFC 7638 §3.1's example key and thumbprint.
        let n =
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        let example = try JWK(json: ["kty": "RSA", "n": n, "e": "AQAB", "alg": "RS256", "kid": "2011-04-29"])
        #expect(example.thumbprint == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")

        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let der = Array(key.publicKey.pkcs1DERRepresentation)
        // n and e from the PKCS#1 RSAPublicKey DER, read with the host's own decoder-free path: re-encode via JWK of the pieces.
        let (modulus, exponent) = try Self.rsaComponents(der)
        let jwk = try JWK(json: ["kty": "RSA", "n": Self.b64(modulus), "e": Self.b64(exponent)])
        let protected = Self.b64(["alg": "RS256", "kid": "k", "nonce": "n", "url": "u"])
        let signature = try key.signature(for: Array("\(protected).".utf8), padding: .insecurePKCS1v1_5).rawRepresentation
        let body = Array(
            try JSONSerialization.data(withJSONObject: ["protected": protected, "payload": "", "signature": Self.b64(signature)]))
        let request = try ACMERequest(body: body)
        #expect(request.isPostAsGet && request.kid == "k")
        #expect(request.isSigned(by: jwk))
    }

    @Test(arguments: [
        (["alg": "HS256"], ACMEProblem.Kind.badSignatureAlgorithm),
        (["alg": "none"], .badSignatureAlgorithm),
        (["kid": "https://ca.test/acme/web/acct/1"], .malformed),  // both jwk and kid
        (["nonce": ""], .badNonce),
    ])
    func malformedHeadersAreRefusedByType(header: [String: String], kind: ACMEProblem.Kind) throws {
        let body = try Self.request(P256.Signing.PrivateKey(), header: header)
        #expect(throws: ACMEProblem.self) { try ACMERequest(body: body) }
        do {
            _ = try ACMERequest(body: body)
        } catch {
            #expect(error.kind == kind, "\(error)")
        }
    }

    @Test func weakOrOddKeysAreBadPublicKeys() {
        #expect(throws: ACMEProblem(.badPublicKey, "RSA account keys must be at least 2048 bits")) {
            try JWK(json: ["kty": "RSA", "n": Self.b64([UInt8](repeating: 0xC5, count: 128)), "e": "AQAB"])
        }
        #expect(throws: ACMEProblem.self) { try JWK(json: ["kty": "OKP", "crv": "Ed25519", "x": "AAAA"]) }
        #expect(throws: ACMEProblem.self) { try JWK(json: ["kty": "EC", "crv": "P-256", "x": Self.b64([1, 2]), "y": Self.b64([3])]) }
    }

    @Test func notAJWSIsMalformed() {
        for body in [
            "", "[]", #"{"protected":"e30","payload":"","signature":"AA","extra":1}"#, #"{"protected":"!!","payload":"","signature":"AA"}"#,
        ] {
            #expect(throws: ACMEProblem.self) { try ACMERequest(body: Array(body.utf8)) }
        }
    }

    /// Modulus and exponent of a PKCS#1 RSAPublicKey (SEQUENCE { INTEGER n, INTEGER e }).
    static func rsaComponents(_ der: [UInt8]) throws -> ([UInt8], [UInt8]) {
        var index = 0
        func length() -> Int {
            var count = Int(der[index])
            index += 1
            if count & 0x80 != 0 {
                let octets = count & 0x7F
                count = 0
                for _ in 0..<octets {
                    count = count << 8 | Int(der[index])
                    index += 1
                }
            }
            return count
        }
        index += 1  // SEQUENCE
        _ = length()
        index += 1  // INTEGER
        let nLength = length()
        let n = Array(der[index..<index + nLength])
        index += nLength
        index += 1
        let eLength = length()
        return (n, Array(der[index..<index + eLength]))
    }
}
