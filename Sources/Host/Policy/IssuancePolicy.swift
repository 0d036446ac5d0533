import ConnectorAPI
import Synchronization
import X509

/// The configured profiles, replaceable on SIGHUP, and the resolution of a request to one profile
/// and one issuer (SPEC §7). The decision about the request's contents is
/// ``IssuanceProfile/evaluate(_:issuer:validityDays:)``; this type only picks the profile.
public final class IssuancePolicy: Sendable {
    /// One checked set of profiles.
    public struct Profiles: Sendable {
        /// The configured profiles, or the built-in development profile.
        public let list: [IssuanceProfile]
        /// No `profiles:` in the config: everyone issues through ``IssuanceProfile/development``.
        public var isDevelopment: Bool { list.count == 1 && list[0].isDevelopmentDefault }

        /// - Parameters:
        ///   - configured: the config file's `profiles:`; `nil` when it has none.
        ///   - issuers: the issuers the server runs, which every profile's `issuers` must name.
        /// - Throws: a configuration error naming the profile and the unknown issuer.
        /// No profiles configured: the development profile for everyone.
        public static let development = Profiles(list: [.development])

        private init(list: [IssuanceProfile]) {
            self.list = list
        }

        public init(_ configured: [IssuanceProfile]?, issuers: [String]) throws {
            guard let configured else {
                list = [.development]
                return
            }
            for profile in configured {
                for issuer in profile.issuers where !issuers.contains(issuer) {
                    throw HostError.configuration(
                        "profile \(profile.id): issuer '\(issuer)' is not configured (have: \(issuers.joined(separator: ", ")))")
                }
            }
            list = configured
        }

        public subscript(id: String) -> IssuanceProfile? { list.first { $0.id == id } }
    }

    private let current: Mutex<Profiles>

    public init(_ profiles: Profiles) {
        current = Mutex(profiles)
    }

    public var profiles: Profiles { current.withLock { $0 } }

    /// Installs reloaded profiles for the requests that follow.
    public func replace(with profiles: Profiles) {
        current.withLock { $0 = profiles }
    }

    /// The profiles `requester` may issue through.
    public func usable(by requester: Requester) -> [IssuanceProfile] {
        let profiles = self.profiles
        if profiles.isDevelopment || requester.mayUseAnyProfile { return profiles.list }
        return profiles.list.filter { requester.profiles.contains($0.id) }
    }

    /// The profile and issuer for a request that names `profileID` and/or `issuerID`, with
    /// `issuerIDs` the issuers the server runs (in configuration order).
    ///
    /// - Only a profile: its first issuer. Only an issuer: the requester's single profile that
    ///   includes it. Neither: the requester's single profile. Anything ambiguous is 422 naming
    ///   the candidates; a profile the requester may not use, or an issuer outside the profile, 403.
    public func resolve(_ requester: Requester, profile profileID: String?, issuer issuerID: String?, issuerIDs: [String])
        throws(PolicyRefusal) -> (profile: IssuanceProfile, issuerID: String)
    {
        if requester == .host {
            guard let issuerID = issuerID ?? issuerIDs.first else {
                throw PolicyRefusal(.issuerNotAllowed, value: "", "no issuer is configured")
            }
            return (.development, issuerID)
        }
        let profiles = self.profiles
        let usable = usable(by: requester)
        if let issuerID, !issuerIDs.contains(issuerID) {
            throw PolicyRefusal(.unknownIssuer, value: issuerID, "unknown issuer_id")
        }
        let chosen: IssuanceProfile
        if let profileID {
            guard let profile = profiles[profileID] else {
                throw PolicyRefusal(.unknownProfile, value: profileID, "no such profile")
            }
            guard usable.contains(where: { $0.id == profile.id }) else {
                throw PolicyRefusal(.profileNotAllowed, value: profileID, "this key may not use profile \(profileID)")
            }
            chosen = profile
        } else {
            let candidates = issuerID.map { issuer in usable.filter { $0.includes(issuer: issuer) } } ?? usable
            switch candidates.count {
            case 1: chosen = candidates[0]
            case 0 where issuerID != nil:
                throw PolicyRefusal(.issuerNotAllowed, value: issuerID ?? "", "none of this key's profiles includes this issuer")
            case 0: throw PolicyRefusal(.profileNotAllowed, value: requester.actor, "this key may not use any profile")
            default:
                throw PolicyRefusal(
                    .ambiguousProfile, value: "",
                    "name a \"profile\": several fit this request (\(candidates.map(\.id).joined(separator: ", ")))")
            }
        }
        if let issuerID {
            guard chosen.includes(issuer: issuerID) else {
                throw PolicyRefusal(.issuerNotAllowed, value: issuerID, "profile \(chosen.id) does not include this issuer")
            }
            return (chosen, issuerID)
        }
        guard let first = chosen.isDevelopmentDefault ? issuerIDs.first : chosen.issuers.first else {
            throw PolicyRefusal(.issuerNotAllowed, value: "", "no issuer is configured")
        }
        return (chosen, first)
    }

    /// The decision about a verified CSR once the profile and issuer are known: the profile's rules
    /// (``IssuanceProfile/evaluate(_:issuer:validityDays:)``), then the issuing CA chain's
    /// nameConstraints when the host knows the chain (`nil` for a passthrough CA). The server and
    /// `certctl policy check` both decide here.
    public static func approve(
        _ csr: CertificateSigningRequest, profile: IssuanceProfile, issuer: IssuerSettings, validityDays: Int?, caChain: [Certificate]?
    ) throws(PolicyRefusal) -> IssuanceApproval {
        let approval = try profile.evaluate(csr, issuer: issuer, validityDays: validityDays)
        if let caChain {
            try NameConstraintsCheck.check(names: approval.names, subject: approval.subject, chain: caChain)
        }
        return approval
    }

    /// The issuers a key of `principal`'s role sees in `GET /api/v1/issuers`: `nil` for every
    /// issuer (admin, auditor, development mode), else those of its profiles.
    public func visibleIssuers(for principal: Principal) -> Set<String>? {
        guard principal.role == .operator || principal.role == .client, !profiles.isDevelopment else { return nil }
        return Set(usable(by: principal.requester).flatMap(\.issuers))
    }
}
