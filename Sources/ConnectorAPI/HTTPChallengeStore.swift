/// Where a connector that talks to an ACME CA publishes its `http-01` key authorizations.
///
/// The host serves each published token at `/.well-known/acme-challenge/<token>` on its plain-HTTP
/// listener (`CERTCTL_PKI_HTTP_LISTEN`) until the connector withdraws it. Tokens are unique per
/// challenge, so connectors never overwrite each other's entries.
public protocol HTTPChallengeStore: Sendable {
    /// Serves `keyAuthorization` for `token` until ``withdraw(token:)``.
    func publish(token: String, keyAuthorization: String)
    /// Stops serving `token`.
    func withdraw(token: String)
}
