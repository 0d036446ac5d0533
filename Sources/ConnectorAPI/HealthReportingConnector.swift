/// Capability: the connector can tell whether its backend (a token, a remote CA) is usable.
/// `GET /readyz` reports the problem, naming the issuer; other issuers keep working.
public protocol HealthReportingConnector: IssuerConnector {
    /// `nil` when healthy, else a short reason without secrets.
    func healthProblem() async -> String?
}
