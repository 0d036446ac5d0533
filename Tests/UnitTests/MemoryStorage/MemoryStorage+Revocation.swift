import ConnectorAPI
import Foundation
import Synchronization

@testable import Host

extension MemoryStorage: CRLStore {
    func allocateCRLNumber(issuerID: String, atLeast floor: Int64) async throws -> Int64 {
        state.withLock { state in
            let number = max((state.crlNumbers[issuerID] ?? 0) + 1, floor)
            state.crlNumbers[issuerID] = number
            return number
        }
    }

    func revokedEntries(issuerID: String, notExpiredAt at: Date) async throws -> RevokedEntries {
        let revoked = state.withLock { state in
            state.certificates.filter { $0.issuerID == issuerID && $0.revokedAt != nil && $0.notAfter >= at.truncatedToSeconds }
        }
        var entries = RevokedEntries()
        for record in revoked {
            try entries.append(
                serialHex: Array(record.serial.utf8), revokedAt: record.revokedAt ?? at, reason: record.revocationReason ?? .unspecified)
        }
        return entries
    }

    func storeCRL(_ crl: StoredCRL) async throws {
        state.withLock { state in
            guard crl.number > state.crls[crl.issuerID]?.number ?? .min else { return }
            var stored = crl
            stored.thisUpdate = crl.thisUpdate.truncatedToSeconds
            stored.nextUpdate = crl.nextUpdate.truncatedToSeconds
            stored.generatedAt = crl.generatedAt.truncatedToMilliseconds
            state.crls[crl.issuerID] = stored
        }
    }

    func latestCRL(issuerID: String) async throws -> StoredCRL? {
        state.withLock { $0.crls[issuerID] }
    }

    func latestCRLNumber(issuerID: String) async throws -> Int64? {
        state.withLock { $0.crls[issuerID]?.number }
    }

    /// Keeps the newest 101 per issuer, as the databases do.
    func recordCRLEvent(_ event: CRLGenerationEvent) async throws {
        state.withLock { state in
            var stored = event
            stored.startedAt = event.startedAt.truncatedToMilliseconds
            state.crlEvents[event.issuerID, default: []].append(stored)
            state.crlEvents[event.issuerID] = Array(state.crlEvents[event.issuerID, default: []].suffix(101))
        }
    }

    func crlEvents(issuerID: String, limit: Int) async throws -> [CRLGenerationEvent] {
        state.withLock { Array($0.crlEvents[issuerID, default: []].reversed().prefix(limit)) }
    }
}

extension MemoryStorage: OCSPStore {
    func serialStatus(issuerID: String, serial: String) async throws -> SerialStatus? {
        state.withLock { state in
            state.certificateIndex(issuerID: issuerID, serial: serial).map {
                SerialStatus(revokedAt: state.certificates[$0].revokedAt, reason: state.certificates[$0].revocationReason)
            }
        }
    }

    func currentResponder(issuerID: String) async throws -> ResponderRecord? {
        state.withLock { $0.responders.last { $0.issuerID == issuerID } }
    }

    func insertResponder(_ responder: ResponderRecord, audit: AuditEntry) async throws {
        state.withLock { state in
            var stored = responder
            stored.notBefore = responder.notBefore.truncatedToSeconds
            stored.notAfter = responder.notAfter.truncatedToSeconds
            state.responders.append(stored)
            state.ocspCache = state.ocspCache.filter { $0.key.issuerID != responder.issuerID }
            state.appendAudit(audit)
        }
    }

    func cachedOCSPResponse(issuerID: String, serial: String, certIDKey: String, now: Date) async throws -> CachedOCSPResponse? {
        state.withLock { state in
            state.ocspCache[OCSPCacheKey(issuerID: issuerID, serial: serial, certIDKey: certIDKey)].flatMap {
                $0.nextUpdate > now.truncatedToSeconds ? $0 : nil
            }
        }
    }

    /// Only for a serial this issuer issued, and only while its revocation state is the one the
    /// response was signed with.
    func storeOCSPResponse(_ response: CachedOCSPResponse, signedAsRevoked: Bool) async throws {
        state.withLock { state in
            guard let index = state.certificateIndex(issuerID: response.issuerID, serial: response.serial),
                (state.certificates[index].revokedAt != nil) == signedAsRevoked
            else { return }
            var stored = response
            stored.thisUpdate = response.thisUpdate.truncatedToSeconds
            stored.nextUpdate = response.nextUpdate.truncatedToSeconds
            state.ocspCache[OCSPCacheKey(issuerID: response.issuerID, serial: response.serial, certIDKey: response.certIDKey)] = stored
        }
    }

    func pruneOCSPCache(now: Date) async throws -> Int {
        state.withLock { state in
            let before = state.ocspCache.count
            state.ocspCache = state.ocspCache.filter { $0.value.nextUpdate > now.truncatedToSeconds }
            return before - state.ocspCache.count
        }
    }
}
