/// Limits on each listener's connections (SPEC §10): how long a client may take to finish a TLS
/// handshake or a request head, how long a kept-alive connection may sit idle, how many
/// connections a listener holds, and how many octets one connection may make the server hold.
public struct EdgeSettings: Sendable, Hashable {
    /// `CERTCTL_TLS_HANDSHAKE_TIMEOUT`: from accept to a finished TLS handshake (HTTPS listener).
    public var tlsHandshakeTimeout: Duration = .seconds(10)
    /// `CERTCTL_REQUEST_HEAD_TIMEOUT`: from the connection (after the handshake) to its first
    /// complete request head, and on a kept-alive connection from the next request's first octet.
    public var requestHeadTimeout: Duration = .seconds(10)
    /// `CERTCTL_IDLE_TIMEOUT`: a kept-alive connection with no request in progress and no octet of
    /// the next one is closed after this.
    public var idleTimeout: Duration = .seconds(60)
    /// `CERTCTL_MAX_CONNECTIONS`: connections per listener; one more is closed at once (counted).
    public var maxConnections = 10_000
    /// `CERTCTL_MAX_HEADER_SIZE`: a request head (request line and header fields) longer than this
    /// is refused.
    public var maxHeaderSize = 16 << 10
    /// `CERTCTL_MAX_CONNECTION_BUFFER`: unread output and unparsed input one connection may make
    /// the server hold; reading stops while the client does not read, and the connection is closed
    /// past it.
    public var maxConnectionBuffer = 1 << 20
    /// `CERTCTL_RATE_LIMIT_IPV6_PREFIX`: IPv6 clients share a per-client limit's bucket per prefix
    /// of this many bits (``ClientKey``).
    public var rateLimitIPv6Prefix = 64
    /// `trusted_proxies` (config file only): connections from these addresses must start with a
    /// PROXY protocol v2 header, whose client address then counts for limits and logs.
    var trustedProxies: [IPRange] = []

    public init() {}
}
