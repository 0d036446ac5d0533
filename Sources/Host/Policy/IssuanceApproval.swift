import ConnectorSupport
import X509

/// What the policy approved for one request: the only contents a connector is given to certify.
public struct IssuanceApproval: Sendable {
    /// The profile that decided.
    public var profile: IssuanceProfile
    /// The subject: the CSR's, checked, with a CN that spells a DNS name in lower case.
    public var subject: DistinguishedName
    /// The SANs, validated and lower-cased, without duplicates, in the CSR's order.
    var names: [RequestedName]
    /// The profile's EKUs.
    public var extendedKeyUsage: [ExtendedKeyUsage.Usage]
    public var keyType: KeyType
    /// The validity in seconds (default or requested, within the profile's and issuer's maximum).
    public var validitySeconds: Int64
    /// The longest validity allowed (the upstream check's bound).
    public var maxValiditySeconds: Int64

    /// The SANs as X.509 general names (empty when the request has none).
    public var subjectAlternativeNames: [GeneralName] { names.map(\.generalName) }
}
