import ConnectorAPI
import Foundation
import Synchronization

@testable import Host

extension MemoryStorage: CertificateStore {
    func insertCertificate(_ record: CertificateRecord, audit: AuditEntry) async throws -> CertificateRecord {
        try state.withLock { state in
            guard !state.certificates.contains(where: { $0.id == record.id }),
                state.certificateIndex(issuerID: record.issuerID, serial: record.serial) == nil
            else { throw HostError(.conflict, "constraint violated: certificate \(record.id) or its serial exists") }
            var stored = record
            state.certificateSeq += 1
            stored.seq = state.certificateSeq
            stored.notBefore = record.notBefore.truncatedToSeconds
            stored.notAfter = record.notAfter.truncatedToSeconds
            stored.createdAt = record.createdAt.truncatedToSeconds
            state.certificates.append(stored)
            state.appendAudit(audit)
            return stored
        }
    }

    func certificate(id: String) async throws -> CertificateRecord? {
        state.withLock { $0.certificates.first { $0.id == id } }
    }

    func certificates(_ query: CertificateQuery) async throws -> [CertificateRecord] {
        let now = query.now.truncatedToSeconds
        return state.withLock { state in
            Array(
                state.certificates.reversed().filter { record in
                    record.seq < (query.beforeSeq ?? .max) && (query.issuerID.map { $0 == record.issuerID } ?? true)
                        && (query.requestedBy.map { $0 == record.requestedBy } ?? true)
                        && (query.serial.map { $0 == record.serial } ?? true) && (query.status.map { $0 == record.status(at: now) } ?? true)
                }.prefix(query.limit))
        }
    }

    func revokeCertificate(id: String, at: Date, reason: RevocationReason, audit: AuditEntry) async throws -> RevocationOutcome {
        state.withLock { state in
            guard let index = state.certificates.firstIndex(where: { $0.id == id }) else { return .notFound }
            guard state.certificates[index].revokedAt == nil else { return .alreadyRevoked }
            state.certificates[index].revokedAt = at.truncatedToSeconds
            state.certificates[index].revocationReason = reason
            let record = state.certificates[index]
            state.ocspCache = state.ocspCache.filter { $0.key.issuerID != record.issuerID || $0.key.serial != record.serial }
            state.appendAudit(audit)
            return .revoked(record)
        }
    }
}

extension MemoryStorage: APIKeyStore {
    func insertAPIKey(_ key: APIKeyRecord, audit: AuditEntry) async throws {
        try state.withLock { state in
            guard !state.apiKeys.contains(where: { $0.id == key.id }) else { throw HostError(.conflict, "constraint violated: api key") }
            var stored = key
            stored.createdAt = key.createdAt.truncatedToSeconds
            stored.expiresAt = key.expiresAt?.truncatedToSeconds
            state.apiKeys.append(stored)
            state.appendAudit(audit)
        }
    }

    func apiKey(id: String) async throws -> APIKeyRecord? {
        state.withLock { $0.apiKeys.first { $0.id == id } }
    }

    func apiKeys() async throws -> [APIKeyRecord] {
        state.withLock { $0.apiKeys.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) } }
    }

    func updateAPIKey(id: String, _ change: APIKeyChange, audit: AuditEntry) async throws -> APIKeyRecord? {
        updateLiveKey(id, audit) { key in
            key = change.applied(to: key)
            key.expiresAt = key.expiresAt?.truncatedToSeconds
        }
    }

    func revokeAPIKey(id: String, at: Date, audit: AuditEntry) async throws -> APIKeyRecord? {
        updateLiveKey(id, audit) { $0.revokedAt = at.truncatedToSeconds }
    }

    /// Changes an unrevoked key and writes the audit row; `nil` when there is no such key.
    private func updateLiveKey(_ id: String, _ audit: AuditEntry, _ change: (inout APIKeyRecord) -> Void) -> APIKeyRecord? {
        state.withLock { state in
            guard let index = state.apiKeys.firstIndex(where: { $0.id == id && $0.revokedAt == nil }) else { return nil }
            change(&state.apiKeys[index])
            state.appendAudit(audit)
            return state.apiKeys[index]
        }
    }
}
