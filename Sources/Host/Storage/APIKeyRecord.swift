import Foundation

/// A stored API key. Only the SHA-256 of the secret is kept.
public struct APIKeyRecord: Sendable, Hashable {
    /// Public key id (also the prefix of the token).
    public var id: String
    public var name: String
    /// SHA-256 of the secret part of the token.
    public var secretHash: [UInt8]
    public var isAdmin: Bool
    public var createdAt: Date
    public var revokedAt: Date?
}
