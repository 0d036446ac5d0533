import Foundation

/// What an API key may do (SPEC §7): `admin` everything; `operator` issues through its profiles and
/// manages every certificate; `client` issues through its profiles and manages only the
/// certificates it requested; `auditor` reads certificates, the audit log, the CRL cache view and
/// metrics, and changes nothing.
public enum APIKeyRole: String, Sendable, Hashable, CaseIterable, Codable {
    case admin, `operator`, client, auditor

    /// Whether keys of this role issue through a list of profiles (admins use any; auditors none).
    public var usesProfiles: Bool { self == .operator || self == .client }
}

/// A stored API key. Only the SHA-256 of the secret is kept.
public struct APIKeyRecord: Sendable, Hashable {
    /// Public key id (also the prefix of the token).
    public var id: String
    public var name: String
    /// SHA-256 of the secret part of the token.
    public var secretHash: [UInt8]
    public var role: APIKeyRole
    /// The profiles an `operator` or `client` key may issue through (ignored for the other roles).
    public var profiles: [String]
    public var createdAt: Date
    /// After it the key is refused (401); `nil`: no expiry.
    public var expiresAt: Date?
    public var revokedAt: Date?

    public var isAdmin: Bool { role == .admin }

    public init(
        id: String, name: String, secretHash: [UInt8], role: APIKeyRole, profiles: [String] = [], createdAt: Date, expiresAt: Date? = nil,
        revokedAt: Date? = nil
    ) {
        self.id = id
        self.name = name
        self.secretHash = secretHash
        self.role = role
        self.profiles = profiles
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.revokedAt = revokedAt
    }
}

/// A change to a key's role, profiles or expiry (`PATCH /api/v1/admin/keys/{id}`); `nil` leaves a
/// field as it is.
public struct APIKeyChange: Sendable, Hashable {
    public var role: APIKeyRole?
    public var profiles: [String]?
    /// `.some(nil)` removes the expiry.
    public var expiresAt: Date??

    public init(role: APIKeyRole? = nil, profiles: [String]? = nil, expiresAt: Date?? = nil) {
        self.role = role
        self.profiles = profiles
        self.expiresAt = expiresAt
    }

    func applied(to key: APIKeyRecord) -> APIKeyRecord {
        var changed = key
        if let role { changed.role = role }
        if let profiles { changed.profiles = profiles }
        if let expiresAt { changed.expiresAt = expiresAt }
        return changed
    }
}
