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
/// - an entry is trusted for at most ``revalidateAfter``: then the request goes to the database
///   again, so changes made outside this process (an operator deleting `ocsp_cache` rows, a replaced
///   responder) show within that time;
/// - where several instances share one database (PostgreSQL), a change made elsewhere is seen
///   through ``OCSPEpochGate``: an answer from memory waits for a read of the database's change
///   counter that began after the request arrived, and a changed counter empties memory first
///   (``invalidateAll()``). `CERTCTL_OCSP_MEMORY_CACHE=on` skips that read and accepts up to
///   ``localRevalidation`` of cross-instance delay instead.
final class OCSPMemoryCache: Sendable {
    /// How long an entry is used before the database is read again, where changes made outside this
    /// process (an operator's SQL, a restore) are otherwise unseen.
    static let localRevalidation: TimeInterval = 5
    /// The same with ``OCSPEpochGate``: every database change an entry depends on empties memory
    /// already, so the re-read only bounds how long an answer outlives anything else.
    static let gatedRevalidation: TimeInterval = 60
    /// Most serials held; beyond it, arbitrary entries are dropped (a cache, not a store).
    static let maxSerials = 50_000
    /// Most request encodings indexed; beyond it, the index starts again.
    static let maxRequests = 2 * maxSerials

    struct Response: Sendable {
        var der: [UInt8]
        /// The quoted SHA-256 ETag of `der`.
        var etag: String
        var thisUpdate: Date
        var nextUpdate: Date
        var checkedAt: Date
        /// `thisUpdate` and `nextUpdate` as HTTP dates (Last-Modified, Expires), formatted once.
        var httpDates: (lastModified: String, expires: String)
        /// The share of ``OCSPMemoryCache/revalidateAfter`` this response is trusted for, drawn
        /// from [``minimumTrustShare``, 1): responses read at the same moment (a warm-up, or the
        /// re-reads that follow one) then expire spread over a second or more rather than all at
        /// once, which sent them to the database together and was the p99 of a cached answer.
        var trustShare: Double
        /// When a request last asked ``OCSPMemoryRefresher`` to re-read it.
        var refreshClaimedAt: Date?

        static let minimumTrustShare = 0.75

        init(der: [UInt8], etag: String, thisUpdate: Date, nextUpdate: Date, checkedAt: Date) {
            self.der = der
            self.etag = etag
            self.thisUpdate = thisUpdate
            self.nextUpdate = nextUpdate
            self.checkedAt = checkedAt
            httpDates = (HTTPDate.format(thisUpdate), HTTPDate.format(nextUpdate))
            trustShare = Double.random(in: Self.minimumTrustShare..<1)
        }

        var answer: OCSPResponder.Answer {
            OCSPResponder.Answer(der: der, cacheWindow: (thisUpdate, nextUpdate), etag: etag, httpDates: httpDates)
        }
    }

    struct Status: Sendable {
        var status: OCSPCertStatus
        var checkedAt: Date
        /// When a request last asked ``OCSPMemoryRefresher`` to re-read it.
        var refreshClaimedAt: Date? = nil
        /// The share of ``OCSPMemoryCache/revalidateAfter`` after which it is re-read, drawn from
        /// [``OCSPMemoryCache/earliestRefreshShare``, ``OCSPMemoryCache/refreshShare``): statuses
        /// read together are re-read spread out, not in one burst of database reads.
        var refreshShare = Double.random(in: OCSPMemoryCache.earliestRefreshShare..<OCSPMemoryCache.refreshShare)
    }

    /// A known status, and whether the caller should have it re-read in the background now.
    struct StatusLookup: Sendable, Equatable {
        var status: OCSPCertStatus
        var refresh: Bool
    }

    /// A stored response, and whether the caller should have it re-read in the background now.
    struct ResponseLookup: Sendable {
        var response: Response
        var refresh: Bool
    }

    /// `[UInt8]` hashed as one block (the standard `Hashable` feeds the hasher a byte at a time).
    private struct Bytes: Hashable {
        var value: [UInt8]

        func hash(into hasher: inout Hasher) {
            value.withUnsafeBytes { hasher.combine(bytes: $0) }
        }
    }

    private struct Entry {
        var status: Status?
        /// Keyed by the request's CertID DER (SHA-1 and SHA-256 CertIDs differ).
        var responses: [Bytes: Response] = [:]
    }

    private struct State {
        var generation: UInt64 = 0
        var entries: [String: Entry] = [:]
        /// The exact bytes of nonce-less requests answered from `entries`, with that answer, so a
        /// repeat is found without decoding it. Emptied by every invalidation (revocations are rare).
        var requests: [Bytes: Response] = [:]
    }

    private let state = Mutex(State())
    /// How long an entry is used before the database is read again.
    let revalidateAfter: TimeInterval
    /// By this share of ``revalidateAfter`` a status is re-read in the background
    /// (``OCSPMemoryRefresher``; each from its own point between ``earliestRefreshShare`` and
    /// this), so that under steady load it is fresh again before ``revalidateAfter`` sends a
    /// request to the database path. (A stored response: this share of its own trust period.)
    static let refreshShare = 0.8
    static let earliestRefreshShare = 0.6
    /// How long a claimed background re-read is waited for before another request claims it.
    static let refreshRetry: TimeInterval = 0.5

    init(revalidateAfter: TimeInterval = OCSPMemoryCache.localRevalidation) {
        self.revalidateAfter = revalidateAfter
    }

    /// Changes whenever something is removed; capture it before reading the database and pass it
    /// to the store calls.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The stored response for `certID`, while fresh at `now`. Past its refresh point, one caller
    /// a ``refreshRetry`` is told to have it re-read (`refresh`); the others keep using it meanwhile.
    func response(issuerID: String, serial: String, certID: [UInt8], now: Date) -> ResponseLookup? {
        let key = Self.key(issuerID, serial)
        let id = Bytes(value: certID)
        return state.withLock { state -> ResponseLookup? in
            guard var response = state.entries[key]?.responses[id], usable(response, at: now) != nil else { return nil }
            guard !beforeRefresh(response, at: now), claimable(response.refreshClaimedAt, now) else {
                return ResponseLookup(response: response, refresh: false)
            }
            response.refreshClaimedAt = now
            state.entries[key]?.responses[id] = response
            return ResponseLookup(response: response, refresh: true)
        }
    }

    /// The stored response for a request whose exact bytes (`request`, qualified by issuer) were
    /// answered from ``response(issuerID:serial:certID:now:)`` before, while fresh at `now` and
    /// not yet due for a re-read (then the caller looks it up by CertID, which claims the re-read).
    func response(request: [UInt8], now: Date) -> Response? {
        let key = Bytes(value: request)
        let found = state.withLock { $0.requests[key] }
        return found.flatMap { usable($0, at: now) }.flatMap { beforeRefresh($0, at: now) ? $0 : nil }
    }

    /// Indexes a request's bytes by the response it was answered with, unless something was
    /// invalidated since `generation` was captured.
    func index(request: [UInt8], response: Response, generation: UInt64) {
        let key = Bytes(value: request)
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.requests.count >= Self.maxRequests { state.requests.removeAll(keepingCapacity: true) }
            state.requests[key] = response
        }
    }

    /// The known status of a serial, while fresh at `now`. Past its re-read point (at most
    /// ``refreshShare`` of ``revalidateAfter``), one caller a ``refreshRetry`` is told to have it re-read (`refresh`); the
    /// others keep using it meanwhile.
    func status(issuerID: String, serial: String, now: Date) -> StatusLookup? {
        let key = Self.key(issuerID, serial)
        return state.withLock { state -> StatusLookup? in
            guard var status = state.entries[key]?.status, fresh(status.checkedAt, now) else { return nil }
            guard now.timeIntervalSince(status.checkedAt) >= revalidateAfter * status.refreshShare,
                claimable(status.refreshClaimedAt, now)
            else {
                return StatusLookup(status: status.status, refresh: false)
            }
            status.refreshClaimedAt = now
            state.entries[key]?.status = status
            return StatusLookup(status: status.status, refresh: true)
        }
    }

    /// Stores a response read or signed since `generation` was captured.
    func store(_ response: Response, issuerID: String, serial: String, certID: [UInt8], generation: UInt64) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in
            guard state.generation == generation else { return }
            Self.makeRoom(for: key, in: &state)
            state.entries[key, default: Entry()].responses[Bytes(value: certID)] = response
        }
    }

    /// Stores a status read since `generation` was captured.
    func store(_ status: OCSPCertStatus, issuerID: String, serial: String, checkedAt: Date, generation: UInt64) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in
            guard state.generation == generation else { return }
            Self.makeRoom(for: key, in: &state)
            state.entries[key, default: Entry()].status = Status(status: status, checkedAt: checkedAt)
        }
    }

    /// Records a background re-read (``OCSPMemoryRefresher``) of a status begun at `checkedAt`,
    /// unless something was invalidated since `generation` was captured: the same status is
    /// trusted again from `checkedAt`; a different one forgets the serial (its pre-signed responses
    /// too), so the next request reads the database.
    func refreshed(_ status: OCSPCertStatus, issuerID: String, serial: String, checkedAt: Date, generation: UInt64) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in
            guard state.generation == generation, let known = state.entries[key]?.status else { return }
            if known.status == status {
                if checkedAt > known.checkedAt { state.entries[key]?.status = Status(status: status, checkedAt: checkedAt) }
            } else {
                Self.forget(key, in: &state)
            }
        }
    }

    /// Records a background re-read of a stored response begun at `checkedAt` (`der`: the
    /// database's pre-signed response for that CertID, `nil` when there is none), unless something
    /// was invalidated since `generation` was captured: the same response is trusted again from
    /// `checkedAt`; none or another forgets the serial.
    func refreshed(response der: [UInt8]?, issuerID: String, serial: String, certID: [UInt8], checkedAt: Date, generation: UInt64) {
        let key = Self.key(issuerID, serial)
        let id = Bytes(value: certID)
        state.withLock { state in
            guard state.generation == generation, var known = state.entries[key]?.responses[id] else { return }
            if let der, der == known.der {
                guard checkedAt > known.checkedAt else { return }
                known.checkedAt = checkedAt
                known.refreshClaimedAt = nil
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
        state.entries[key] = nil
        state.requests.removeAll(keepingCapacity: true)
    }

    /// Forgets every serial of an issuer (its responder changed).
    func invalidate(issuerID: String) {
        let prefix = issuerID + "/"
        state.withLock { state in
            state.generation &+= 1
            state.entries = state.entries.filter { !$0.key.hasPrefix(prefix) }
            state.requests.removeAll(keepingCapacity: true)
        }
    }

    /// Forgets everything (the database changed in a way this process did not see).
    func invalidateAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll(keepingCapacity: true)
            state.requests.removeAll(keepingCapacity: true)
        }
    }

    private static func key(_ issuerID: String, _ serial: String) -> String {
        issuerID + "/" + serial
    }

    private func fresh(_ checkedAt: Date, _ now: Date, share: Double = 1) -> Bool {
        now >= checkedAt && now.timeIntervalSince(checkedAt) < revalidateAfter * share
    }

    /// `response` while it may still be answered at `now`: checked within its share of
    /// ``revalidateAfter`` and not past its nextUpdate.
    private func usable(_ response: Response, at now: Date) -> Response? {
        fresh(response.checkedAt, now, share: response.trustShare) && response.nextUpdate > now ? response : nil
    }

    /// Whether `response` is younger than its refresh point (its trust period's ``refreshShare``).
    private func beforeRefresh(_ response: Response, at now: Date) -> Bool {
        now.timeIntervalSince(response.checkedAt) < revalidateAfter * response.trustShare * Self.refreshShare
    }

    /// Whether a re-read may be claimed again: never claimed, or claimed ``refreshRetry`` ago.
    private func claimable(_ claimedAt: Date?, _ now: Date) -> Bool {
        guard let claimedAt else { return true }
        return now < claimedAt || now.timeIntervalSince(claimedAt) >= Self.refreshRetry
    }

    private static func makeRoom(for key: String, in state: inout State) {
        guard state.entries[key] == nil, state.entries.count >= maxSerials, let victim = state.entries.keys.first else { return }
        state.entries[victim] = nil
    }
}
