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

        init(der: [UInt8], etag: String, thisUpdate: Date, nextUpdate: Date, checkedAt: Date) {
            self.der = der
            self.etag = etag
            self.thisUpdate = thisUpdate
            self.nextUpdate = nextUpdate
            self.checkedAt = checkedAt
            httpDates = (HTTPDate.format(thisUpdate), HTTPDate.format(nextUpdate))
        }

        var answer: OCSPResponder.Answer {
            OCSPResponder.Answer(der: der, cacheWindow: (thisUpdate, nextUpdate), etag: etag, httpDates: httpDates)
        }
    }

    struct Status: Sendable {
        var status: OCSPCertStatus
        var checkedAt: Date
        /// When a request last asked ``OCSPStatusRefresher`` to re-read it.
        var refreshClaimedAt: Date?
    }

    /// A known status, and whether the caller should have it re-read in the background now.
    struct StatusLookup: Sendable, Equatable {
        var status: OCSPCertStatus
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
    /// From this age a status is re-read in the background (``OCSPStatusRefresher``), so that
    /// under steady load it is fresh again before ``revalidateAfter`` sends a request to the
    /// database path.
    var refreshAfter: TimeInterval { revalidateAfter * 0.8 }
    /// How long a claimed background re-read is waited for before another request claims it.
    static let refreshRetry: TimeInterval = 0.5

    init(revalidateAfter: TimeInterval = OCSPMemoryCache.localRevalidation) {
        self.revalidateAfter = revalidateAfter
    }

    /// Changes whenever something is removed; capture it before reading the database and pass it
    /// to the store calls.
    var generation: UInt64 { state.withLock { $0.generation } }

    /// The stored response for `certID`, while fresh at `now`.
    func response(issuerID: String, serial: String, certID: [UInt8], now: Date) -> Response? {
        let key = Self.key(issuerID, serial)
        let response = state.withLock { $0.entries[key]?.responses[Bytes(value: certID)] }
        return response.flatMap { usable($0, at: now) }
    }

    /// The stored response for a request whose exact bytes (`request`, qualified by issuer) were
    /// answered from ``response(issuerID:serial:certID:now:)`` before, while fresh at `now`.
    func response(request: [UInt8], now: Date) -> Response? {
        let key = Bytes(value: request)
        let found = state.withLock { $0.requests[key] }
        return found.flatMap { usable($0, at: now) }
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

    /// The known status of a serial, while fresh at `now`. Past ``refreshAfter``, one caller a
    /// ``refreshRetry`` is told to have it re-read (`refresh`); the others keep using it meanwhile.
    func status(issuerID: String, serial: String, now: Date) -> StatusLookup? {
        let key = Self.key(issuerID, serial)
        return state.withLock { state -> StatusLookup? in
            guard var status = state.entries[key]?.status, fresh(status.checkedAt, now) else { return nil }
            guard now.timeIntervalSince(status.checkedAt) >= refreshAfter,
                status.refreshClaimedAt.map({ now < $0 || now.timeIntervalSince($0) >= Self.refreshRetry }) ?? true
            else { return StatusLookup(status: status.status, refresh: false) }
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

    /// Records a background re-read (``OCSPStatusRefresher``) of a status begun at `checkedAt`,
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
                state.generation &+= 1
                state.entries[key] = nil
                state.requests.removeAll(keepingCapacity: true)
            }
        }
    }

    /// Forgets a serial: called after its revocation committed, before the revoke call returns.
    func invalidate(issuerID: String, serial: String) {
        let key = Self.key(issuerID, serial)
        state.withLock { state in
            state.generation &+= 1
            state.entries[key] = nil
            state.requests.removeAll(keepingCapacity: true)
        }
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

    private func fresh(_ checkedAt: Date, _ now: Date) -> Bool {
        now >= checkedAt && now.timeIntervalSince(checkedAt) < revalidateAfter
    }

    /// `response` while it may still be answered at `now`: checked within ``revalidateAfter`` and
    /// not past its nextUpdate.
    private func usable(_ response: Response, at now: Date) -> Response? {
        fresh(response.checkedAt, now) && response.nextUpdate > now ? response : nil
    }

    private static func makeRoom(for key: String, in state: inout State) {
        guard state.entries[key] == nil, state.entries.count >= maxSerials, let victim = state.entries.keys.first else { return }
        state.entries[victim] = nil
    }
}
