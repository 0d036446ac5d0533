import ConnectorAPI
import Foundation
import Logging

/// A CRL signed on request (`certctl crl generate`).
public struct GeneratedCRL: Sendable {
    public var issuerID: String
    public var number: Int64
    public var der: [UInt8]
    public var revokedCount: Int
    public var durationMs: Int64
}

extension HostRuntime {
    /// Signs and stores a new CRL for one issuer now, as the scheduler would — for operators (after
    /// a restore, before a planned publication) and for benchmarks. Running servers serve it at
    /// once: they read the newest CRL from the database.
    public static func generateCRL(
        _ configuration: HostConfiguration, registry: ConnectorRegistry, issuerID: String, logger: Logger
    ) async throws -> GeneratedCRL {
        try await withStorage(configuration, logger: logger) { storage in
            let issuers = try await loadIssuers(configuration, registry: registry, storage: storage, logger: logger)
            do {
                guard let issuer = issuers[issuerID] else {
                    throw HostError(.notFound, "no issuer '\(issuerID)' in the configuration")
                }
                guard issuer.signing != nil else {
                    throw HostError(.notFound, "issuer '\(issuerID)' has no CRL: its connector has no CA signer")
                }
                guard issuer.publishesCRL else {
                    throw HostError(.notFound, "issuer '\(issuerID)' has no CRL: its CA certificate's keyUsage lacks cRLSign")
                }
                let service = CRLService(
                    storage: storage, issuers: issuers, settings: configuration.revocation, metrics: HostMetrics(), logger: logger)
                let crl = try await service.regenerate(issuer, fresh: true)
                await issuers.stopConnectors()
                return GeneratedCRL(
                    issuerID: issuerID, number: crl.number, der: crl.der, revokedCount: crl.revokedCount,
                    durationMs: crl.generationDurationMs)
            } catch {
                await issuers.stopConnectors()
                throw error
            }
        }
    }
}
