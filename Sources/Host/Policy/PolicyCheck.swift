import ConnectorAPI
import ConnectorSupport
import Foundation
import HTTPTypes
import X509

/// `certctl policy check`: the decision the server would make for a CSR, without issuing.
public struct PolicyCheck: Sendable {
    /// What was decided, and by which rule.
    public struct Outcome: Sendable {
        public var profile: String?
        public var issuerID: String?
        /// `nil` when approved.
        public var refusal: PolicyRefusal?
        public var approval: IssuanceApproval?
        /// Why the CA's nameConstraints were not consulted, when they were not.
        public var note: String?

        /// The report printed by the CLI.
        public var lines: [String] {
            var lines: [String] = []
            lines.append("profile: \(profile ?? "-")")
            lines.append("issuer: \(issuerID ?? "-")")
            if let refusal {
                lines.append("decision: refused (\(HostError(refusal.rule.code, "").httpStatus.code))")
                lines.append("rule: \(refusal.rule.rawValue)")
                lines.append("detail: \(refusal.detail)")
            } else if let approval {
                lines.append("decision: allowed")
                lines.append("subject: \(approval.subject.isEmpty ? "(empty)" : approval.subject.description)")
                lines.append("names: \(approval.names.map { "\($0.kind.rawValue.uppercased()):\($0)" }.joined(separator: ", "))")
                lines.append("key_type: \(approval.keyType.rawValue)")
                lines.append("ext_key_usage: \(approval.profile.extendedKeyUsage.map(\.rawValue).joined(separator: ", "))")
                lines.append("validity: \(approval.validitySeconds / 86_400) days (max \(approval.maxValiditySeconds / 86_400))")
            }
            if let note { lines.append("note: \(note)") }
            return lines
        }
    }

    let configuration: HostConfiguration
    let registry: ConnectorRegistry

    public init(configuration: HostConfiguration, registry: ConnectorRegistry) {
        self.configuration = configuration
        self.registry = registry
    }

    /// - Parameters:
    ///   - key: the API key whose role and profiles apply; `nil` decides as an admin key.
    /// - Throws: for a CSR that does not parse or verify, or a configuration that does not load
    ///   (those are not policy decisions).
    public func run(csrPEM: String, profile: String?, issuerID: String?, validityDays: Int?, key: APIKeyRecord?) async throws -> Outcome {
        let issuers = configuration.effectiveIssuers
        let policy = IssuancePolicy(try IssuancePolicy.Profiles(configuration.profiles, issuers: issuers.map(\.id)))
        let requester =
            key.map { Requester(actor: "apikey:\($0.id)", profiles: $0.profiles, mayUseAnyProfile: $0.role == .admin) }
            ?? Requester(actor: "cli", profiles: [], mayUseAnyProfile: true)
        var outcome = Outcome()
        if let key, !key.role.allows(.issue) {
            outcome.refusal = PolicyRefusal(.profileNotAllowed, value: "apikey:\(key.id)", "a \(key.role.rawValue) key may not issue")
            return outcome
        }
        do {
            let (chosen, issuerID) = try policy.resolve(requester, profile: profile, issuer: issuerID, issuerIDs: issuers.map(\.id))
            outcome.profile = chosen.id
            outcome.issuerID = issuerID
            guard let settings = issuers.first(where: { $0.id == issuerID }) else { return outcome }
            let csr = try CSRValidator.validate(pem: csrPEM)
            let chain = await caChain(settings, note: &outcome.note)
            outcome.approval = try IssuancePolicy.approve(
                csr, profile: chosen, issuer: settings, validityDays: validityDays, caChain: chain)
        } catch let refusal as PolicyRefusal {
            outcome.refusal = refusal
        }
        return outcome
    }

    /// The issuer's CA chain when its connector signs through the host; `nil` (with a note) otherwise.
    private func caChain(_ settings: IssuerSettings, note: inout String?) async -> [Certificate]? {
        do {
            let connector = try await registry.makeConnector(settings.connectorConfiguration(dataDirectory: configuration.dataDirectory))
            let chain = connector is any CASigningConnector ? try? await connector.caChain() : nil
            if let stoppable = connector as? any StoppableConnector { await stoppable.shutdown() }
            if chain == nil { note = "issuer \(settings.id) is a passthrough CA: its answer is checked when it comes back" }
            return chain
        } catch {
            note =
                "issuer \(settings.id) could not be loaded, so its CA's nameConstraints were not checked: \((error as? ConnectorError)?.message ?? "\(error)")"
            return nil
        }
    }
}
