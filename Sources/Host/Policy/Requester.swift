/// Who asks for a certificate, as the issuance policy sees it. Every front-end maps its caller to
/// one: an API key (`apikey:<id>`), later an ACME account, an EST identity or a SCEP challenge.
public struct Requester: Sendable, Hashable {
    /// The certificate's `requested_by` and the audit actor.
    public var actor: String
    /// The profiles it may issue through.
    public var profiles: [String]
    /// Admin keys may use every profile (their `profiles` are ignored).
    public var mayUseAnyProfile: Bool

    public init(actor: String, profiles: [String], mayUseAnyProfile: Bool = false) {
        self.actor = actor
        self.profiles = profiles
        self.mayUseAnyProfile = mayUseAnyProfile
    }

    /// The host itself (the bootstrapped development TLS certificate): issues through the
    /// built-in development profile, never through a configured one.
    public static let host = Requester(actor: "system", profiles: [], mayUseAnyProfile: true)
}

extension Principal {
    /// The API key as a requester: admin keys may use every profile; the others their own.
    public var requester: Requester {
        Requester(actor: actor, profiles: profiles, mayUseAnyProfile: role == .admin)
    }
}
