import ConnectorAPI

/// Proves control of an identifier for one ACME challenge type. `present` makes the proof
/// visible to the CA; `cleanUp` removes it (always called, also after a failure).
protocol ChallengeSolver: Sendable {
    /// The ACME challenge type, e.g. `http-01`.
    var type: String { get }
    func present(identifier: ACMEObjects.Identifier, token: String, keyAuthorization: String, deadline: ContinuousClock.Instant)
        async throws
    func cleanUp(identifier: ACMEObjects.Identifier, token: String, keyAuthorization: String) async
}

/// RFC 8555 §8.3: the host's plain-HTTP listener answers
/// `GET /.well-known/acme-challenge/<token>` with the key authorization.
struct HTTP01Solver: ChallengeSolver {
    let store: any HTTPChallengeStore
    var type: String { "http-01" }

    func present(identifier: ACMEObjects.Identifier, token: String, keyAuthorization: String, deadline: ContinuousClock.Instant) {
        store.publish(token: token, keyAuthorization: keyAuthorization)
    }

    func cleanUp(identifier: ACMEObjects.Identifier, token: String, keyAuthorization: String) {
        store.withdraw(token: token)
    }
}
