/// The URLs of one ACME directory, under `https://<host>/acme/<profile>/`. The host is the one the
/// client used (its `Host` header): every JWS `url` must match the URL it was sent to, so a request
/// cannot be replayed against another endpoint, whatever name the client reached us by.
struct ACMEURLs: Sendable {
    var base: String
    var profile: String

    init(authority: String, profile: String) {
        self.profile = profile
        self.base = "https://\(authority)/acme/\(profile)"
    }

    var directory: String { "\(base)/directory" }
    var newNonce: String { "\(base)/new-nonce" }
    var newAccount: String { "\(base)/new-account" }
    var newOrder: String { "\(base)/new-order" }
    var revokeCert: String { "\(base)/revoke-cert" }
    var keyChange: String { "\(base)/key-change" }
    var renewalInfo: String { "\(base)/renewal-info" }
    func account(_ id: String) -> String { "\(base)/account/\(id)" }
    func orders(_ accountID: String) -> String { "\(base)/account/\(accountID)/orders" }
    func order(_ id: String) -> String { "\(base)/order/\(id)" }
    func finalize(_ id: String) -> String { "\(base)/order/\(id)/finalize" }
    func authorization(_ id: String) -> String { "\(base)/authz/\(id)" }
    func challenge(_ authorizationID: String, _ index: Int) -> String { "\(base)/challenge/\(authorizationID)/\(index)" }
    func certificate(_ id: String) -> String { "\(base)/certificate/\(id)" }

    /// The account id of an account URL of this directory.
    func accountID(fromURL url: String) -> String? {
        let prefix = "\(base)/account/"
        guard url.hasPrefix(prefix) else { return nil }
        let id = String(url.dropFirst(prefix.count))
        return !id.isEmpty && id.allSatisfy({ $0.isHexDigit }) ? id : nil
    }
}
