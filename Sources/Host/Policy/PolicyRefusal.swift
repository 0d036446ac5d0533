/// Why the issuance policy refused a request: the rule that decided, the offending value, and
/// the HTTP status SPEC §7 gives that rule. The detail reads `<value>: <rule text>`.
///
/// Refusals are made by pure code (``IssuancePolicy``, ``RequestedName``, ``NameConstraintsCheck``)
/// and turned into a ``HostError``, an audit row and a counter by ``CertificateService``.
public struct PolicyRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule, also the `label` of `certctl_policy_counter_total`.
    public enum Rule: String, Sendable, CaseIterable {
        /// A name that is not a valid DNS name, IP, email or URI (400).
        case invalidName = "invalid_name"
        /// The CSR has neither a subjectAltName nor a subject (400).
        case noNames = "no_names"
        /// otherName/UPN, registeredID, directoryName, x400Address or ediPartyName (403).
        case sanType = "san_type"
        /// A SAN type the profile has no allow list for (403).
        case sanTypeNotAllowed = "san_type_not_allowed"
        case dnsNotAllowed = "dns_not_allowed"
        case dnsDenied = "dns_denied"
        case ipNotAllowed = "ip_not_allowed"
        case ipDenied = "ip_denied"
        case emailNotAllowed = "email_not_allowed"
        case emailDenied = "email_denied"
        case uriNotAllowed = "uri_not_allowed"
        case uriDenied = "uri_denied"
        /// A wildcard name in a profile without `allow_wildcards` (403).
        case wildcard
        /// More SANs than the profile's `max_sans` (403).
        case maxSANs = "max_sans"
        /// A CN that is not one of the SANs (403).
        case commonNameNotSAN = "cn_not_san"
        /// A subject attribute the profile does not list (403).
        case subjectAttribute = "subject_attribute"
        /// A name outside the issuing CA's nameConstraints (403).
        case nameConstraints = "name_constraints"
        /// A profile the key may not use (403).
        case profileNotAllowed = "profile_not_allowed"
        /// An issuer the profile does not include, or that none of the key's profiles include (403).
        case issuerNotAllowed = "issuer_not_allowed"
        /// No such profile (422).
        case unknownProfile = "unknown_profile"
        /// No such issuer (422).
        case unknownIssuer = "unknown_issuer"
        /// More than one profile could serve the request (422, naming the candidates).
        case ambiguousProfile = "ambiguous_profile"
        /// A key type or size the profile does not allow (422).
        case keyType = "key_type"
        /// A validity over the profile's or issuer's maximum (422).
        case validity
        /// A pre-issuance check found a defect in the to-be-signed certificate (500).
        case preIssuanceCheck = "pre_issuance_check"
        /// A passthrough CA returned something other than what was approved (502).
        case upstreamMismatch = "upstream_mismatch"

        /// The status SPEC §7 gives the rule.
        public var code: HostError.Code {
            switch self {
            case .invalidName, .noNames: .badRequest
            case .unknownProfile, .unknownIssuer, .ambiguousProfile, .keyType, .validity: .unprocessable
            case .preIssuanceCheck: .preIssuanceCheck
            case .upstreamMismatch: .badGateway
            default: .forbidden
            }
        }
    }

    public var rule: Rule
    /// The offending value (a name, a key type, a profile id), as shown to the client.
    public var value: String
    /// What the rule says, e.g. `not allowed by profile web`.
    public var reason: String

    public init(_ rule: Rule, value: String, _ reason: String) {
        self.rule = rule
        self.value = value
        self.reason = reason
    }

    /// `<value>: <reason>`, the problem's `detail`.
    public var detail: String { value.isEmpty ? reason : "\(value): \(reason)" }

    public var description: String { "PolicyRefusal.\(rule.rawValue): \(detail)" }

    /// The client-facing error.
    var hostError: HostError { HostError(rule.code, detail) }
}

extension PolicyRefusal {
    /// Whether `text` has a C0 or C1 control character (Unicode category Cc: U+0000–U+001F,
    /// U+007F–U+009F), without a Unicode property lookup per character.
    static func hasControlCharacter(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }
    }

    /// A requested value as it may be shown in a problem, a log line or an audit row: control
    /// characters escaped (`\u{0}`), at most 256 characters.
    static func shown(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars.prefix(256) {
            if scalar.properties.generalCategory == .control || scalar.properties.generalCategory == .format {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return value.unicodeScalars.count > 256 ? out + "…" : out
    }
}
