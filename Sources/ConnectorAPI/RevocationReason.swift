/// RFC 5280 §5.3.1 CRLReason. Raw values are the ASN.1 enumeration values; names are the RFC's.
public enum RevocationReason: Int, Sendable, Hashable, CaseIterable, Codable {
    case unspecified = 0
    case keyCompromise = 1
    case cACompromise = 2
    case affiliationChanged = 3
    case superseded = 4
    case cessationOfOperation = 5
    case certificateHold = 6
    case removeFromCRL = 8
    case privilegeWithdrawn = 9
    case aACompromise = 10

    /// The RFC 5280 name, e.g. `keyCompromise`.
    public var name: String {
        switch self {
        case .unspecified: "unspecified"
        case .keyCompromise: "keyCompromise"
        case .cACompromise: "cACompromise"
        case .affiliationChanged: "affiliationChanged"
        case .superseded: "superseded"
        case .cessationOfOperation: "cessationOfOperation"
        case .certificateHold: "certificateHold"
        case .removeFromCRL: "removeFromCRL"
        case .privilegeWithdrawn: "privilegeWithdrawn"
        case .aACompromise: "aACompromise"
        }
    }

    /// Parses an RFC 5280 reason name (exact spelling, as listed in the RFC).
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.name == name }) else { return nil }
        self = match
    }

    /// Reasons a revocation request may carry. `certificateHold` is a temporary state certctl does
    /// not model (revocation is final) and `removeFromCRL` only exists in delta CRLs.
    public var isAcceptedForRevocation: Bool {
        self != .certificateHold && self != .removeFromCRL
    }
}
