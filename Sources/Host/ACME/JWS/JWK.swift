import Crypto
import Foundation
import X509
import _CryptoExtras

/// An account public key as a JSON Web Key (RFC 7517): RSA (≥ 2048 bits), EC P-256 or P-384.
struct JWK: Sendable, Hashable {
    enum Key: Sendable, Hashable {
        case rsa(n: [UInt8], e: [UInt8])
        case ec(curve: String, x: [UInt8], y: [UInt8])
    }

    let key: Key

    /// Parses the members that define the key; others (`kid`, `use`, …) are ignored.
    /// - Throws: ``ACMEProblem`` `badPublicKey` / `malformed` naming what is wrong.
    init(json: [String: Any]) throws(ACMEProblem) {
        func member(_ name: String) throws(ACMEProblem) -> [UInt8] {
            guard let text = json[name] as? String, let bytes = JOSEBase64.decode(text), !bytes.isEmpty else {
                throw ACMEProblem(.malformed, "the jwk has no valid '\(name)'")
            }
            return bytes
        }
        switch json["kty"] as? String {
        case "RSA":
            let n = try member("n")
            let e = try member("e")
            guard n.drop(while: { $0 == 0 }).count * 8 >= 2048 else {
                throw ACMEProblem(.badPublicKey, "RSA account keys must be at least 2048 bits")
            }
            key = .rsa(n: Array(n.drop(while: { $0 == 0 })), e: Array(e.drop(while: { $0 == 0 })))
        case "EC":
            guard let curve = json["crv"] as? String, curve == "P-256" || curve == "P-384" else {
                throw ACMEProblem(.badPublicKey, "EC account keys must use P-256 or P-384")
            }
            let x = try member("x")
            let y = try member("y")
            let size = curve == "P-256" ? 32 : 48
            guard x.count == size, y.count == size else { throw ACMEProblem(.badPublicKey, "the jwk's coordinates are not \(size) bytes") }
            key = .ec(curve: curve, x: x, y: y)
        default:
            throw ACMEProblem(.badPublicKey, "account keys must be RSA or EC (kty \(json["kty"] as? String ?? "missing"))")
        }
        guard (try? verifier()) != nil else { throw ACMEProblem(.badPublicKey, "the jwk is not a valid public key") }
    }

    /// The RFC 7638 thumbprint input: the required members in lexicographic order, no whitespace.
    var canonicalJSON: String {
        switch key {
        case .rsa(let n, let e): #"{"e":"\#(JOSEBase64.encode(e))","kty":"RSA","n":"\#(JOSEBase64.encode(n))"}"#
        case .ec(let curve, let x, let y):
            #"{"crv":"\#(curve)","kty":"EC","x":"\#(JOSEBase64.encode(x))","y":"\#(JOSEBase64.encode(y))"}"#
        }
    }

    /// base64url(SHA-256(canonical JSON)) (RFC 7638): the account's identity, and the key
    /// authorization's second half (RFC 8555 §8.1).
    var thumbprint: String { JOSEBase64.encode(SHA256.hash(data: Data(canonicalJSON.utf8))) }

    /// The algorithms a JWS signed by this key may declare.
    var algorithms: Set<String> {
        switch key {
        case .rsa: ["RS256"]
        case .ec(let curve, _, _): curve == "P-256" ? ["ES256"] : ["ES384"]
        }
    }

    /// Verifies `signature` (JWS form: raw r‖s for ECDSA, PKCS#1 v1.5 for RSA) over `input`.
    func verifies(_ signature: [UInt8], over input: [UInt8], algorithm: String) -> Bool {
        guard algorithms.contains(algorithm), let verify = try? verifier() else { return false }
        return verify(signature, input)
    }

    private func verifier() throws -> @Sendable ([UInt8], [UInt8]) -> Bool {
        switch key {
        case .rsa(let n, let e):
            let key = try _RSA.Signing.PublicKey(n: n, e: e)
            return { signature, input in
                key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: input, padding: .insecurePKCS1v1_5)
            }
        case .ec(let curve, let x, let y):
            if curve == "P-256" {
                let key = try P256.Signing.PublicKey(rawRepresentation: x + y)
                return { signature, input in
                    guard let value = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
                    return key.isValidSignature(value, for: input)
                }
            }
            let key = try P384.Signing.PublicKey(rawRepresentation: x + y)
            return { signature, input in
                guard let value = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
                return key.isValidSignature(value, for: input)
            }
        }
    }
}

extension JWK {
    /// A key stored as its canonical JSON (``canonicalJSON``).
    init(canonicalJSON text: String) throws(ACMEProblem) {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw ACMEProblem(.serverInternal, "a stored account key is not JSON")
        }
        try self.init(json: object)
    }
}

extension JWK {
    /// Whether this is `publicKey` (a certificate's key, for revocation by certificate key).
    func matches(_ publicKey: Certificate.PublicKey) -> Bool {
        switch key {
        case .rsa(let n, let e):
            return (try? _RSA.Signing.PublicKey(n: n, e: e)).map { Certificate.PublicKey($0) == publicKey } ?? false
        case .ec(let curve, let x, let y):
            if curve == "P-256" {
                return (try? P256.Signing.PublicKey(rawRepresentation: x + y)).map { Certificate.PublicKey($0) == publicKey } ?? false
            }
            return (try? P384.Signing.PublicKey(rawRepresentation: x + y)).map { Certificate.PublicKey($0) == publicKey } ?? false
        }
    }
}
