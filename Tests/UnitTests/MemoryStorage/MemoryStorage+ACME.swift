import Foundation
import Synchronization

@testable import Host

extension MemoryStorage: ACMEStore {
    func insertNonce(_ nonce: String, expiresAt: Date) async throws {
        state.withLock { $0.acmeNonces[nonce] = expiresAt.truncatedToSeconds }
    }

    func consumeNonce(_ nonce: String, now: Date) async throws -> Bool {
        state.withLock { state in
            guard let expiry = state.acmeNonces.removeValue(forKey: nonce) else { return false }
            return expiry >= now.truncatedToSeconds
        }
    }

    func writeACMEObjects(insert: [ACMEObjectRecord], update: [ACMEObjectRecord], audit: AuditEntry?) async throws -> Bool {
        try state.withLock { state in
            for record in insert where state.acmeObjects[Self.key(record)] != nil {
                throw HostError(.conflict, "the record already exists")
            }
            for record in update where state.acmeObjects[Self.key(record)]?.version != record.version - 1 { return false }
            for record in insert + update { state.acmeObjects[Self.key(record)] = Self.stored(record) }
            if let audit { state.appendAudit(audit) }
            return true
        }
    }

    func acmeObject(_ kind: ACMEObjectRecord.Kind, id: String) async throws -> ACMEObjectRecord? {
        state.withLock { $0.acmeObjects["\(kind.rawValue) \(id)"] }
    }

    func acmeObjects(_ kind: ACMEObjectRecord.Kind, lookup: String) async throws -> [ACMEObjectRecord] {
        state.withLock { state in Self.newestFirst(state.acmeObjects.values.filter { $0.kind == kind && $0.lookup == lookup }) }
    }

    func acmeObjects(_ kind: ACMEObjectRecord.Kind, limit: Int) async throws -> [ACMEObjectRecord] {
        state.withLock { state in Array(Self.newestFirst(state.acmeObjects.values.filter { $0.kind == kind }).prefix(limit)) }
    }

    func countACMEObjects(_ kind: ACMEObjectRecord.Kind, accountID: String, since: Date) async throws -> Int {
        state.withLock { state in
            state.acmeObjects.values.filter { $0.kind == kind && $0.accountID == accountID && $0.createdAt >= since.truncatedToSeconds }
                .count
        }
    }

    static func key(_ record: ACMEObjectRecord) -> String { "\(record.kind.rawValue) \(record.id)" }

    static func stored(_ record: ACMEObjectRecord) -> ACMEObjectRecord {
        var record = record
        record.createdAt = record.createdAt.truncatedToSeconds
        record.expiresAt = record.expiresAt?.truncatedToSeconds
        return record
    }

    static func newestFirst(_ records: some Sequence<ACMEObjectRecord>) -> [ACMEObjectRecord] {
        records.sorted { ($0.createdAt, $1.id) > ($1.createdAt, $0.id) }
    }
}
