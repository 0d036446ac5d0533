import ConnectorAPI
import Foundation
import X509

/// `certctl ca init`: creates an issuer's CA certificate through its connector, self-signed or
/// signed by a parent issuer, and audits it.
public struct CAInitializer: Sendable {
    let configuration: HostConfiguration
    let registry: ConnectorRegistry
    let storage: any AuditLog

    public init(configuration: HostConfiguration, registry: ConnectorRegistry, storage: any AuditLog) {
        self.configuration = configuration
        self.registry = registry
        self.storage = storage
    }

    /// - Parameters:
    ///   - commonName: the CA's CN; defaults to `certctl <issuer> CA`.
    ///   - profileID: a configured profile whose name rules become the CA's nameConstraints.
    /// - Returns: the new CA certificate.
    public func initialize(
        issuerID: String, parentID: String?, commonName: String?, validityDays: Int?, profileID: String? = nil, actor: String
    ) async throws -> Certificate {
        var nameConstraints: NameConstraints?
        if let profileID {
            guard let profile = configuration.profiles?.first(where: { $0.id == profileID }) else {
                let have = configuration.profiles?.map(\.id).joined(separator: ", ") ?? "none"
                throw HostError(.notFound, "no profile '\(profileID)' in the configuration (have: \(have))")
            }
            nameConstraints = profile.nameConstraints
        }
        let settings = try self.settings(issuerID)
        guard let factory = registry.factory(for: settings.type) else {
            throw HostError.configuration("issuer \(issuerID): unknown type '\(settings.type)'")
        }
        guard let initializer = factory as? any CAInitializableConnector.Type else {
            throw HostError(.unprocessable, "issuer \(issuerID): type '\(settings.type)' does not support ca init")
        }
        let connectorConfiguration = settings.connectorConfiguration(dataDirectory: configuration.dataDirectory)
        guard !initializer.isInitialized(connectorConfiguration) else {
            throw HostError(.conflict, "issuer \(issuerID) already has a CA certificate; refusing to overwrite it")
        }
        var parent: (any CASigningConnector)?
        if let parentID {
            guard parentID != issuerID else { throw HostError(.badRequest, "an issuer cannot be its own parent") }
            let parentSettings = try self.settings(parentID)
            let connector: any IssuerConnector
            do {
                connector = try await registry.makeConnector(
                    parentSettings.connectorConfiguration(dataDirectory: configuration.dataDirectory))
            } catch let error as ConnectorError {
                throw HostError.configuration(error.message)
            }
            guard let signing = connector as? any CASigningConnector else {
                throw HostError(.unprocessable, "parent issuer \(parentID) cannot sign certificates for a subordinate CA")
            }
            parent = signing
        }
        let name = commonName ?? "certctl \(issuerID) CA"
        let subject = try DistinguishedName {
            OrganizationName("certctl"); CommonName(name)
        }
        let certificate: Certificate
        do {
            certificate = try await initializer.initializeCA(
                connectorConfiguration,
                CAInitializationRequest(
                    subject: subject, validityDays: validityDays ?? (parent == nil ? 3650 : 1825), parent: parent,
                    nameConstraints: nameConstraints))
        } catch let error as ConnectorError {
            throw HostError(connectorError: error)
        }
        try await storage.appendAudit(
            AuditEntry(
                occurredAt: Date(), actor: actor, action: AuditAction.caInitialized, target: "issuer:\(issuerID)",
                detail: [
                    "subject": certificate.subject.description, "serial": certificate.serialNumber.hexString,
                    "parent": parentID ?? "", "not_after": certificate.notValidAfter.rfc3339, "profile": profileID ?? "",
                ]
            )
        )
        return certificate
    }

    func settings(_ id: String) throws -> IssuerSettings {
        let all = configuration.effectiveIssuers
        guard let settings = all.first(where: { $0.id == id }) else {
            throw HostError(.notFound, "no issuer '\(id)' in the configuration (have: \(all.map(\.id).joined(separator: ", ")))")
        }
        return settings
    }
}
