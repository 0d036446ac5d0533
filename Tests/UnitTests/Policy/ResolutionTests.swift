import Testing

@testable import Host

/// Which profile and issuer a request resolves to (SPEC §7).
@Suite struct ResolutionTests {
    let policy: IssuancePolicy
    let issuers = ["iss-a", "iss-b", "iss-c"]

    init() throws {
        let yaml = """
            - id: web
              issuers: [iss-a, iss-b]
              names: {dns: ["*.example.test"]}
            - id: mail
              issuers: [iss-b]
              names: {email: ["example.test"]}
            - id: other
              issuers: [iss-c]
              names: {dns: ["*.other.test"]}
            """
        policy = IssuancePolicy(try IssuancePolicy.Profiles(try TestProfiles.parse(yaml), issuers: issuers))
    }

    func resolve(_ profiles: [String], admin: Bool = false, profile: String? = nil, issuer: String? = nil) throws -> String {
        let (chosen, issuerID) = try policy.resolve(
            Requester(actor: "apikey:k", profiles: profiles, mayUseAnyProfile: admin), profile: profile, issuer: issuer, issuerIDs: issuers)
        return "\(chosen.id)@\(issuerID)"
    }

    func refusal(_ profiles: [String], admin: Bool = false, profile: String? = nil, issuer: String? = nil) -> PolicyRefusal? {
        #expect(throws: PolicyRefusal.self) { try resolve(profiles, admin: admin, profile: profile, issuer: issuer) }
    }

    @Test func theRulesOfSpec7() throws {
        #expect(try resolve(["web", "mail"], profile: "web") == "web@iss-a")  // only a profile: its first issuer
        #expect(try resolve(["web", "mail"], profile: "web", issuer: "iss-b") == "web@iss-b")
        #expect(try resolve(["web", "other"], issuer: "iss-b") == "web@iss-b")  // only an issuer: the single profile with it
        #expect(try resolve(["mail"]) == "mail@iss-b")  // neither: the single profile
        #expect(try resolve([], admin: true, profile: "other") == "other@iss-c")  // admin keys use any profile
    }

    @Test func refusalsAndTheirStatuses() {
        let ambiguous = refusal(["web", "mail"], issuer: "iss-b")
        #expect(ambiguous?.rule == .ambiguousProfile && ambiguous?.rule.code == .unprocessable)
        #expect(ambiguous?.detail.contains("web, mail") == true)
        #expect(refusal(["web", "mail"])?.rule == .ambiguousProfile)
        #expect(refusal([], admin: true)?.detail.contains("web, mail, other") == true)
        #expect(refusal(["web"], profile: "mail")?.rule == .profileNotAllowed)
        #expect(refusal(["web"], profile: "mail")?.rule.code == .forbidden)
        #expect(refusal(["web"], profile: "web", issuer: "iss-c")?.rule == .issuerNotAllowed)
        #expect(refusal(["web"], issuer: "iss-c")?.rule == .issuerNotAllowed)
        #expect(refusal([])?.rule == .profileNotAllowed)
        #expect(refusal(["web"], profile: "nope")?.rule == .unknownProfile)
        #expect(refusal(["web"], issuer: "iss-z")?.rule == .unknownIssuer)
    }

    @Test func withoutProfilesEveryoneUsesTheDevelopmentProfile() throws {
        let development = IssuancePolicy(.development)
        let requester = Requester(actor: "apikey:k", profiles: [])
        #expect(try development.resolve(requester, profile: nil, issuer: nil, issuerIDs: issuers).issuerID == "iss-a")
        #expect(try development.resolve(requester, profile: "default", issuer: "iss-c", issuerIDs: issuers).issuerID == "iss-c")
        #expect(development.visibleIssuers(for: Principal(keyID: "k", name: "n", role: .client)) == nil)
    }

    @Test func operatorsAndClientsSeeTheirProfilesIssuers() {
        #expect(policy.visibleIssuers(for: Principal(keyID: "k", name: "n", role: .client, profiles: ["mail"])) == ["iss-b"])
        #expect(
            policy.visibleIssuers(for: Principal(keyID: "k", name: "n", role: .operator, profiles: ["web", "other"])) == [
                "iss-a", "iss-b", "iss-c",
            ])
        #expect(policy.visibleIssuers(for: Principal(keyID: "k", name: "n", role: .admin)) == nil)
    }

    @Test func theRoleTable() {
        let expected: [APIKeyRole: Set<Permission>] = [
            .admin: Set(Permission.allCases),
            .operator: [.issue, .readCertificates, .revokeCertificates, .exportCertificates, .listIssuers, .readMetrics],
            .client: [.issue, .readCertificates, .revokeCertificates, .exportCertificates, .listIssuers],
            .auditor: [.readCertificates, .readAudit, .readCRLCache, .readMetrics],
        ]
        for role in APIKeyRole.allCases {
            #expect(Set(Permission.allCases.filter(role.allows)) == expected[role], "\(role)")
        }
        #expect(Principal(keyID: "k", name: "n", role: .client).certificateScope == .requestedBy("apikey:k"))
        #expect(Principal(keyID: "k", name: "n", role: .auditor).certificateScope == .all)
    }

    @Test func refusalRowsAreThrottledPerRequester() {
        let throttle = RefusalAuditThrottle(rowsPerMinute: 2)
        #expect(throttle.admit("a") == 0)
        #expect(throttle.admit("a") == 0)
        #expect(throttle.admit("a") == nil)
        #expect(throttle.admit("a") == nil)
        #expect(throttle.admit("b") == 0)  // another requester has its own budget
    }
}
