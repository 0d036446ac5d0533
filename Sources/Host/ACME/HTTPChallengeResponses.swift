import ConnectorAPI
import Synchronization

/// The `http-01` key authorizations ACME connectors are waiting for the CA to fetch, served by the
/// plain-HTTP listener at `/.well-known/acme-challenge/<token>`.
///
/// In memory, so the CA's validation request must reach the instance that placed the order (see
/// `docs/connectors/acme.md` for several instances behind one name).
final class HTTPChallengeResponses: HTTPChallengeStore {
    private let pending = Mutex<[String: String]>([:])
    /// Tokens are base64url (RFC 8555 §8.1); anything else is never a pending token.
    static let maxTokenLength = 256

    func publish(token: String, keyAuthorization: String) {
        pending.withLock { $0[token] = keyAuthorization }
    }

    func withdraw(token: String) {
        _ = pending.withLock { $0.removeValue(forKey: token) }
    }

    func keyAuthorization(token: String) -> String? {
        guard token.count <= Self.maxTokenLength else { return nil }
        return pending.withLock { $0[token] }
    }
}
