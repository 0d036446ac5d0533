import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import Logging

/// RFC 8555 §8.4: an operator script publishes `_acme-challenge.<domain>` TXT records.
///
/// The hook is run as `dns_hook present <domain> <txt value>` and later
/// `dns_hook cleanup <domain> <txt value>`, with the same values also in the environment
/// (`CERTCTL_ACME_ACTION`, `CERTCTL_ACME_DOMAIN`, `CERTCTL_ACME_RECORD_NAME`,
/// `CERTCTL_ACME_TXT_VALUE`, `CERTCTL_ISSUER_ID`) next to `dns_hook_env` and the host's PATH, HOME,
/// LANG and TZ — nothing else of the host's environment. Exit status 0 means done; anything else
/// fails the order naming the hook and its exit, while the script's stderr goes to the server log
/// only (it may echo credentials). After `present` the connector waits `dns_propagation_delay`
/// before telling the CA to look.
struct DNS01HookSolver: ChallengeSolver {
    let hook: URL
    let issuerID: String
    let propagationDelay: Duration
    /// `dns_hook_env`: the operator's variables for the hook (a DNS API token file's path, …).
    var environment: [String: String] = [:]
    var type: String { "dns-01" }

    /// The TXT value: base64url(SHA-256(key authorization)).
    static func txtValue(keyAuthorization: String) -> String {
        Base64URL.encode(SHA256.hash(data: Array(keyAuthorization.utf8)))
    }

    /// The domain the record is published for: a wildcard's base domain.
    static func domain(_ identifier: ACMEObjects.Identifier) -> String {
        identifier.value.hasPrefix("*.") ? String(identifier.value.dropFirst(2)) : identifier.value
    }

    func present(identifier: ACMEObjects.Identifier, token: String, keyAuthorization: String, deadline: ContinuousClock.Instant)
        async throws
    {
        guard identifier.type == "dns" else {
            throw ConnectorError.rejected(
                "issuer \(issuerID): dns-01 cannot validate the \(identifier.type) identifier \(identifier.value)")
        }
        let value = Self.txtValue(keyAuthorization: keyAuthorization)
        try await run("present", domain: Self.domain(identifier), value: value, deadline: deadline)
        if propagationDelay > .zero {
            guard ContinuousClock.now + propagationDelay < deadline else {
                throw ConnectorError(.timedOut, "issuer \(issuerID): dns_propagation_delay is longer than the time left for the order")
            }
            try await Task.sleep(for: propagationDelay)
        }
    }

    func cleanUp(identifier: ACMEObjects.Identifier, token: String, keyAuthorization: String) async {
        let value = Self.txtValue(keyAuthorization: keyAuthorization)
        try? await run("cleanup", domain: Self.domain(identifier), value: value, deadline: .now + .seconds(30))
    }

    private func run(_ action: String, domain: String, value: String, deadline: ContinuousClock.Instant) async throws {
        let result = try await HookProcess.run(
            hook, arguments: [action, domain, value],
            environment: environment.merging([
                "CERTCTL_ACME_ACTION": action, "CERTCTL_ACME_DOMAIN": domain, "CERTCTL_ACME_RECORD_NAME": "_acme-challenge.\(domain)",
                "CERTCTL_ACME_TXT_VALUE": value, "CERTCTL_ISSUER_ID": issuerID,
            ]) { $1 },
            deadline: deadline
        )
        switch result {
        case .finished(.exited(0), _): return
        case .finished(let termination, let stderr):
            Logger(label: "certctl.acme").warning(
                "dns_hook failed",
                metadata: [
                    "issuer_id": "\(issuerID)", "action": "\(action)", "domain": "\(domain)", "exit": "\(termination)",
                    "stderr": "\(stderr)",
                ])
            throw ConnectorError.rejected(
                "issuer \(issuerID): dns_hook \(action) \(domain) \(termination) (its stderr is in the server log)")
        case .timedOut:
            throw ConnectorError(.timedOut, "issuer \(issuerID): dns_hook \(action) \(domain) did not finish in time and was killed")
        }
    }
}
