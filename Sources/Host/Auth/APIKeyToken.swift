import Crypto
import Foundation

/// The bearer token format: `ck_<id>_<secret>`.
///
/// - `id`: 12 lower-case hex characters (48 random bits), public, shown by `admin keys list`.
/// - `secret`: 43 base64url characters (256 random bits), shown once, stored only as SHA-256.
///
/// Authentication looks the key up by `id` and compares the secret's hash in constant time, so
/// neither the database index nor the comparison leaks the secret through timing.
public struct APIKeyToken: Sendable, Hashable {
    public var id: String
    public var secret: String

    /// The token string a client sends.
    public var token: String { "ck_\(id)_\(secret)" }

    /// A new random token from the system CSPRNG.
    public static func generate() -> APIKeyToken {
        var rng = SystemRandomNumberGenerator()
        let idBytes = (0..<6).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        let secretBytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return APIKeyToken(id: idBytes.hexString, secret: Data(secretBytes).base64URLEncodedString())
    }

    /// Parses `ck_<id>_<secret>`; `nil` for anything else.
    public init?(parsing token: String) {
        let parts = token.split(separator: "_", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "ck", parts[1].count == 12, parts[1].allSatisfy(\.isHexDigit),
            parts[2].count == 43
        else { return nil }
        self.init(id: String(parts[1]), secret: String(parts[2]))
    }

    init(id: String, secret: String) {
        self.id = id
        self.secret = secret
    }

    /// SHA-256 of the secret, as stored.
    public var secretHash: [UInt8] { Self.hash(secret) }

    static func hash(_ secret: String) -> [UInt8] { Array(SHA256.hash(data: Data(secret.utf8))) }

    /// Whether this token's secret matches a stored hash, in time independent of where they differ.
    public func matches(_ storedHash: [UInt8]) -> Bool {
        ConstantTime.equals(secretHash, storedHash)
    }
}

enum ConstantTime {
    /// Compares two byte strings without an early exit on the first difference.
    static func equals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

extension Sequence<UInt8> {
    /// Lower-case hex. (On hot paths — OCSP cache keys, serials — so no `String(format:)`.)
    var hexString: String {
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

private let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

extension Data {
    func base64URLEncodedString() -> String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
