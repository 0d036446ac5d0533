import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation

/// The ACME account key: EC P-256, signing with JWS `ES256` (RFC 7518 §3.4), persisted as a 0600
/// PEM file so the same account is reused across restarts.
struct ACMEAccountKey: Sendable {
    let privateKey: P256.Signing.PrivateKey

    /// The public key as a JWK (RFC 7517), members in the lexicographic order RFC 7638 hashes.
    struct JWK: Codable, Sendable, Equatable {
        var crv = "P-256"
        var kty = "EC"
        var x: String
        var y: String
    }

    var jwk: JWK {
        let raw = Array(privateKey.publicKey.rawRepresentation)  // x ‖ y, 32 bytes each
        return JWK(x: Base64URL.encode(raw[0..<32]), y: Base64URL.encode(raw[32..<64]))
    }

    /// RFC 7638 thumbprint: base64url(SHA-256 of the JWK's required members, sorted, no spaces).
    var thumbprint: String {
        let jwk = self.jwk
        let canonical = #"{"crv":"\#(jwk.crv)","kty":"\#(jwk.kty)","x":"\#(jwk.x)","y":"\#(jwk.y)"}"#
        return Base64URL.encode(SHA256.hash(data: Array(canonical.utf8)))
    }

    /// RFC 8555 §8.1 key authorization for a challenge token.
    func keyAuthorization(token: String) -> String { "\(token).\(thumbprint)" }

    /// ES256 signature: raw r ‖ s (RFC 7518 §3.4), not DER.
    func sign(_ bytes: [UInt8]) throws -> [UInt8] {
        Array(try privateKey.signature(for: bytes).rawRepresentation)
    }

    /// Loads the key at `url`, creating it (mode 0600) on first use.
    static func loadOrCreate(_ url: URL, issuerID: String) throws -> ACMEAccountKey {
        if FileManager.default.fileExists(atPath: url.path) {
            let pem = try SecretFile.read(url, setting: "issuer \(issuerID): ACME account key")
            do {
                return ACMEAccountKey(privateKey: try P256.Signing.PrivateKey(pemRepresentation: pem))
            } catch {
                throw ConnectorError.invalidConfiguration("issuer \(issuerID): ACME account key \(url.path) is not a PEM EC P-256 key")
            }
        }
        let key = P256.Signing.PrivateKey()
        try SecretFile.create(url, contents: key.pemRepresentation)
        return ACMEAccountKey(privateKey: key)
    }
}
