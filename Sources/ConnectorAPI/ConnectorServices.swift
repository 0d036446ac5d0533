/// What the host lends a connector besides its options. Every member is optional: a connector
/// that needs one the host does not provide fails at start-up with a message naming the setting.
public struct ConnectorServices: Sendable {
    /// Publication of ACME `http-01` challenge responses; `nil` when the host has no plain-HTTP
    /// listener (`CERTCTL_PKI_HTTP_LISTEN` unset), and for commands other than `serve`.
    public var httpChallenges: (any HTTPChallengeStore)?

    /// - Parameter httpChallenges: see ``httpChallenges``.
    public init(httpChallenges: (any HTTPChallengeStore)? = nil) {
        self.httpChallenges = httpChallenges
    }
}
