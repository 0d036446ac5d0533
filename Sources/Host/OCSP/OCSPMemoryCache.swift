import Foundation
import Synchronization

/// What this process knows about recently answered serials, so that a repeated OCSP request is
/// answered on the event loop without a database read: the pre-signed (nonce-less) responses per
/// CertID encoding, and the certificate status (what a nonce request needs before it is signed).
///
/// Correctness rests on three rules:
/// - a revocation through this process removes the serial **before its revoke call returns**
///   (``invalidate(issuerID:serial:)``), and a value read from the database before that removal is
///   not stored after it (``generation``, checked under the same lock as the insert);
/// - an entry is trusted for at most ``revalidateAfter`` (on ``OCSPClock``, injected): then the request goes to the database
///   again, so changes made outside this process (an operator deleting `ocsp_cache` rows, a replaced
///   responder) show within that time;
/// - where several instances share one database (PostgreSQL), a change made elsewhere is seen
///   through ``OCSPEpochGate``: an answer from memory waits for a read of the database's change
///   counter that began after the request arrived, and a changed counter empties memory first
///   (``invalidateAll()``). `CERTCTL_OCSP_MEMORY_CACHE=on` skips that read and accepts up to
///   ``OCSPTuning/localRevalidation`` of cross-instance delay instead.
final class OCSPMemoryCache: Sendable {
    private struct Entry {
        var status: Status?
        /// Keyed by the request's CertID DER (SHA-1 and SHA-256 CertIDs differ). Both CertID
        /// readers accept DER only (minimal lengths and serial), and the hashes must be the
        /// issuer's, so a serial has at most four encodings: two hash algorithms, with or without
        /// NULL parameters.
        var responses: [Bytes: Response] = [:]
        /// What it holds, counted as ``OCSPTuning/maxSerialBytes`` counts it.
        var bytes: Int
    }

    private struct State {
        var generation: UInt64 = 0
        var entries: [String: Entry] = [:]
        /// What `entries` holds, counted as ``OCSPTuning/maxSerialBytes`` counts it.
        var entryBytes = 0
        /// The exact bytes of nonce-less requests answered from `entries`, with that answer, so a
        /// repeat is found without decoding it. Emptied by every invalidation (revocations are rare).
        var requests: [Bytes: Response] = [:]
        /// What `requests` holds, counted as ``OCSPTuning/maxRequestIndexBytes`` counts it.
        var requestBytes = 0
    }

    private let state = Mutex(State())
    /// How long an entry is used before the database is read again.
    let revalidateAfter: Duration
    let tuning: OCSPTuning
    let clock: OCSPClock

    /// - Parameter revalidateAfter: ``OCSPTuning/localRevalidation`` or ``OCSPTuning/gatedRevalidation``.
    init(revalidateAfter: Duration, tuning: OCSPTuning = .standard, clock: OCSPClock = .continuous) {
        self.revalidateAfter = revalidateAfter
        self.tuning = tuning
        self.clock = clock
    }

    /// The memory's clock now: capture it before reading the database, as the `checkedAt` of what is read.
    var now: OCSPClock.Instant { clock.now }

    /// Changes whenever something is removed; capture it before reading the database and pass it
    /// to the store calls.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The stored response for `certID`, while fresh. Past its refresh point, one caller a
    /// ``OCSPTuning/refreshRetry`` is told to have it re-read (`refresh`); the others keep using it.
    func response(issuerID: String, serial: String, certID: [UInt8]) -> ResponseLookup? {
        let key = Self.key(issuerID, serial)
        let id = Bytes(value: certID)
        let now = clock.now
        return state.withLock { state -> ResponseLookup? in
            guard var response = state.entries[key]?.responses[id], now < response.trustedUntil else { return nil }
            guard now >= response.refreshAt, claimable(response.refreshClaimedUntil, now) else {
                return ResponseLookup(response: response, refresh: false)
            }
            response.refreshClaimedUntil = now + tuning.refreshRetry
            state.entries[key]?.responses[id] = response
            return ResponseLookup(response: response, refresh: true)
        }
    }

    /// The stored response for a request whose exact bytes (`request`, qualified by issuer) were
    /// answered from ``response(issuerID:serial:certID:)`` before, while fresh and not yet due for
    /// a re-read (then the caller looks it up by CertID, which claims the re-read).
    func response(request: [UInt8]) -> Response? {
        let key = Bytes(value: request)
        let now = clock.now
        let found = state.withLock { $0.requests[key] }
        guard let found, now < found.trustedUntil, now < found.refreshAt else { return nil }
        return found
    }

    /// Indexes a request's bytes by the response it was answered with, unless something was
    /// invalidated since `generation` was captured. Bounded in entries and in bytes; a request
    /// longer than ``OCSPTuning/maxIndexedRequestLength`` is not indexed (its CertID still finds it).
    func index(request: [UInt8], response: Response, generation: UInt64) {
        guard request.count <= tuning.maxIndexedRequestLength else { return }
        let key = Bytes(value: request)
        let cost = request.count + tuning.requestIndexOverhead
        state.withLock { state in
            guard state.generation == generation else { return }
            // A key already there gets the newer answer (a re-read) at no extra cost.
            if state.requests.updateValue(response, forKey: key) != nil { return }
            if state.requests.count > tuning.maxRequests || state.requestBytes + cost > tuning.maxRequestIndexBytes {
                state.requests.removeAll(keepingCapacity: true)
                state.requestBytes = 0
                state.requests[key] = response
            }
            state.requestBytes += cost
        }
    }

    /// Octets the exact-bytes index holds (for tests).
    var requestIndexBytes: Int { state.withLock { $0.requestBytes } }

    /// The known status of a serial, while fresh. Past its re-read point (its own share of
    /// ``revalidateAfter``), one caller a ``OCSPTuning/refreshRetry`` is told to have it re-read
    /// (`refresh`); the others keep using it meanwhile.
    func status(issuerID: String, serial: String) -> StatusLookup? {
        let key = Self.key(issuerID, serial)
        let now = clock.now
        return state.withLock { state -> StatusLookup? in
            guard var status = state.entries[key]?.status, now < status.trustedUntil else { return nil }
            guard now >= status.refreshAt, claimable(status.refreshClaimedUntil, now) else {
                return StatusLookup(status: status.status, refresh: false)
            }
            status.refreshClaimedUntil = now + tuning.refreshRetry
            state.entries[key]?.status = status
            return StatusLookup(status: status.status, refresh: true)
        }
    }

    /// A response to store: signed, or read from the database, at `checkedAt` (the memory's
    /// clock), with `nextUpdate` `validFor` ahead by the responder's wall clock.
    func response(
        der: [UInt8], etag: String, thisUpdate: Date, nextUpdate: Date, checkedAt: OCSPClock.Instant, validFor: Duration
    ) -> Response {
        Response(
            der: der, etag: etag, thisUpdate: thisUpdate, nextUpdate: nextUpdate, checkedAt: checkedAt, validFor: validFor,
            trustShare: Double.random(in: tuning.responseTrustShares), trustedFor: revalidateAfter,
            refreshShare: tuning.responseRefreshShare)
    }

    /// Stores a response read or signed since `generation` was captured.
    func store(_ response: Response, issuerID: String, serial: String, certID: [UInt8], generation: UInt64) {
        let key = Self.key(issuerID, serial)
        let id = Bytes(value: certID)
        state.withLock { state in
            guard state.generation == generation else { return }
            let replaced = state.entries[key]?.responses[id].map { cost(of: $0, certID: certID) } ?? 0
            let added = cost(of: response, certID: certID) - replaced
            makeRoom(for: key, adding: added, in: &state)
            state.entries[key]?.responses[id] = response
            state.entries[key]?.bytes += added
            state.entryBytes += added
        }
    }

    /// Stores a status read since `generation` was captured.
    func store(_ status: OCSPCertStatus, issuerID: String, serial: String, checkedAt: OCSPClock.Instant, generation: UInt64) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in
            guard state.generation == generation else { return }
            makeRoom(for: key, adding: 0, in: &state)
            state.entries[key]?.status = newStatus(status, checkedAt: checkedAt)
        }
    }

    private func newStatus(_ status: OCSPCertStatus, checkedAt: OCSPClock.Instant) -> Status {
        Status(
            status: status, checkedAt: checkedAt, trustedUntil: checkedAt + revalidateAfter,
            refreshAt: checkedAt + revalidateAfter * Double.random(in: tuning.statusRefreshShares))
    }

    /// Records a background re-read (``OCSPMemoryRefresher``) of a status begun at `checkedAt`,
    /// unless something was invalidated since `generation` was captured: the same status is
    /// trusted again from `checkedAt`; a different one forgets the serial (its pre-signed responses
    /// too), so the next request reads the database.
    func refreshed(_ status: OCSPCertStatus, issuerID: String, serial: String, checkedAt: OCSPClock.Instant, generation: UInt64) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in
            guard state.generation == generation, let known = state.entries[key]?.status else { return }
            if known.status == status {
                if checkedAt > known.checkedAt { state.entries[key]?.status = newStatus(status, checkedAt: checkedAt) }
            } else {
                Self.forget(key, in: &state)
            }
        }
    }

    /// Records a background re-read of a stored response begun at `checkedAt` (`der`: the
    /// database's pre-signed response for that CertID, `nil` when there is none), unless something
    /// was invalidated since `generation` was captured: the same response is trusted again from
    /// `checkedAt`; none or another forgets the serial.
    func refreshed(
        response der: [UInt8]?, issuerID: String, serial: String, certID: [UInt8], checkedAt: OCSPClock.Instant, generation: UInt64
    ) {
        let key = Self.key(issuerID, serial)
        let id = Bytes(value: certID)
        state.withLock { state in
            guard state.generation == generation, var known = state.entries[key]?.responses[id] else { return }
            if let der, der == known.der {
                guard checkedAt > known.checkedAt else { return }
                known.trust(from: checkedAt, for: revalidateAfter, refreshShare: tuning.responseRefreshShare)
                state.entries[key]?.responses[id] = known
            } else {
                Self.forget(key, in: &state)
            }
        }
    }

    /// Forgets a serial: called after its revocation committed, before the revoke call returns.
    func invalidate(issuerID: String, serial: String) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in Self.forget(key, in: &state) }
    }

    private static func forget(_ key: String, in state: inout State) {
        state.generation &+= 1
        if let removed = state.entries.removeValue(forKey: key) { state.entryBytes -= removed.bytes }
        state.requests.removeAll(keepingCapacity: true)
        state.requestBytes = 0
    }

    /// Forgets every serial of an issuer (its responder changed).
    func invalidate(issuerID: String) {
        let prefix = issuerID + "/"
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { !$0.key.hasPrefix(prefix) }
            state.entryBytes = state.entries.values.reduce(0) { $0 + $1.bytes }
            state.requests.removeAll(keepingCapacity: true)
            state.requestBytes = 0
        }
    }

    /// Forgets everything (the database changed in a way this process did not see).
    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            state.entryBytes = 0
            state.requests.removeAll(keepingCapacity: true)
            state.requestBytes = 0
        }
    }

    private static func key(_ issuerID: String, _ serial: String) -> String {
        issuerID + "/" + serial
    }

    /// Whether a re-read may be claimed: never claimed, or the last claim's ``OCSPTuning/refreshRetry`` is over.
    private func claimable(_ claimedUntil: OCSPClock.Instant?, _ now: OCSPClock.Instant) -> Bool {
        guard let claimedUntil else { return true }
        return now >= claimedUntil
    }

    /// Octets the serial entries hold (for tests).
    var entryBytes: Int { state.withLock { $0.entryBytes } }

    /// What a stored response costs: its DER, its CertID key and ``OCSPTuning/responseOverhead``.
    private func cost(of response: Response, certID: [UInt8]) -> Int {
        response.der.count + certID.count + tuning.responseOverhead
    }

    /// Creates `key`'s entry if needed, after forgetting arbitrary other serials until it and
    /// `added` more octets fit in ``OCSPTuning/maxSerials`` and ``OCSPTuning/maxSerialBytes``.
    private func makeRoom(for key: String, adding added: Int, in state: inout State) {
        let isNew = state.entries[key] == nil
        let entryCost = isNew ? key.utf8.count + tuning.serialOverhead : 0
        while isNew && state.entries.count >= tuning.maxSerials || state.entryBytes + entryCost + added > tuning.maxSerialBytes,
            let victim = state.entries.keys.first(where: { $0 != key })
        {
            if let removed = state.entries.removeValue(forKey: victim) { state.entryBytes -= removed.bytes }
        }
        guard isNew else { return }
        state.entries[key] = Entry(bytes: entryCost)
        state.entryBytes += entryCost
    }
}
