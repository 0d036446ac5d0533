/// The authenticated caller of an API request: always an API key, never a header.
public struct Principal: Sendable, Hashable {
    public var keyID: String
    public var name: String
    public var role: APIKeyRole
    /// The profiles the key issues through (only meaningful for `operator` and `client`).
    public var profiles: [String]

    public init(keyID: String, name: String, role: APIKeyRole, profiles: [String] = []) {
        self.keyID = keyID
        self.name = name
        self.role = role
        self.profiles = profiles
    }

    public var isAdmin: Bool { role == .admin }

    /// The audit actor string, `apikey:<id>`; also a certificate's `requested_by`.
    public var actor: String { "apikey:\(keyID)" }

    /// Whose certificates this key sees, revokes and exports: a `client` only its own.
    public var certificateScope: CertificateScope {
        role == .client ? .requestedBy(actor) : .all
    }
}

/// Which certificates a caller may see and act on.
public enum CertificateScope: Sendable, Hashable {
    case all
    /// Only those with this `requested_by`; others are answered as if they did not exist (404).
    case requestedBy(String)

    /// The `requested_by` filter of a list query.
    var requestedBy: String? {
        if case .requestedBy(let actor) = self { return actor }
        return nil
    }

    func includes(_ record: CertificateRecord) -> Bool {
        switch self {
        case .all: true
        case .requestedBy(let actor): record.requestedBy == actor
        }
    }
}
