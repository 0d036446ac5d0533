/// How the ACME server's validator reaches the names it checks (SPEC §8): the ports it connects to,
/// the resolver every lookup goes through, and the addresses it never contacts.
public struct ACMEValidationSettings: Sendable {
    /// `CERTCTL_ACME_HTTP01_PORT` (default 80).
    public var http01Port = 80
    /// `CERTCTL_ACME_TLSALPN01_PORT` (default 443).
    public var tlsALPN01Port = 443
    /// `CERTCTL_ACME_DNS_RESOLVER` (`host:port`); `nil` for the system resolver.
    public var dnsResolver: ListenAddress?
    /// `CERTCTL_ACME_VALIDATION_DENY_CIDRS` (default `169.254.0.0/16,fe80::/10`).
    var deny: [IPRange] = [
        (try? IPRange(cidr: "169.254.0.0/16")), (try? IPRange(cidr: "fe80::/10")),
    ].compactMap { $0 }

    public init() {}
}
