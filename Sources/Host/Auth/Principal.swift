/// The authenticated caller of an API request: always an API key, never a header.
public struct Principal: Sendable, Hashable {
    public var keyID: String
    public var name: String
    public var isAdmin: Bool

    /// The audit actor string, `apikey:<id>`.
    public var actor: String { "apikey:\(keyID)" }
}
