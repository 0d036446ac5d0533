import Foundation
import Synchronization

@testable import Host

/// ``HostStorage`` in this process's memory, for unit tests: the same contract as SQLite and
/// PostgreSQL (the shared storage suite runs against all three), without files or a server.
///
/// Every call takes one lock, so each is atomic the way a database transaction is; times are
/// truncated to what the databases keep (seconds, or milliseconds for audit and CRL events).
final class MemoryStorage: HostStorage {
    struct State {
        var certificates: [CertificateRecord] = []
        var certificateSeq: Int64 = 0
        var apiKeys: [APIKeyRecord] = []
        var audit: [AuditEntry] = []
        var crlNumbers: [String: Int64] = [:]
        var crls: [String: StoredCRL] = [:]
        var crlEvents: [String: [CRLGenerationEvent]] = [:]
        var responders: [ResponderRecord] = []
        var ocspCache: [OCSPCacheKey: CachedOCSPResponse] = [:]
        var acmeNonces: [String: Date] = [:]
        var acmeObjects: [String: ACMEObjectRecord] = [:]

        mutating func appendAudit(_ entry: AuditEntry) {
            var entry = entry
            entry.seq = Int64(audit.count + 1)
            entry.occurredAt = entry.occurredAt.truncatedToMilliseconds
            audit.append(entry)
        }

        func certificateIndex(issuerID: String, serial: String) -> Int? {
            certificates.firstIndex { $0.issuerID == issuerID && $0.serial == serial }
        }
    }

    struct OCSPCacheKey: Hashable {
        var issuerID: String
        var serial: String
        var certIDKey: String
    }

    let state = Mutex(State())

    func run() async {}
    func migrate() async throws {}
    func ping() async throws {}
}

extension MemoryStorage: AuditLog {
    func appendAudit(_ entry: AuditEntry) async throws {
        state.withLock { $0.appendAudit(entry) }
    }

    func auditEvents(limit: Int, beforeSeq: Int64?) async throws -> [AuditEntry] {
        state.withLock { state in
            Array(state.audit.reversed().filter { $0.seq < (beforeSeq ?? .max) }.prefix(limit))
        }
    }
}

extension MemoryStorage: InstanceLocks {
    /// One process: nothing to coordinate with.
    func withExclusiveLock<T: Sendable>(_ name: ExclusiveLock, wait: Bool, _ body: @escaping @Sendable () async throws -> T)
        async throws -> T?
    {
        try await body()
    }
}

extension Date {
    var truncatedToSeconds: Date { Date(timeIntervalSince1970: timeIntervalSince1970.rounded(.down)) }
    var truncatedToMilliseconds: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded(.down) / 1000) }
}
