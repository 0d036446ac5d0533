/// Every tuning constant of the OCSP path in one place: how long memory trusts what it read, when
/// it re-reads in the background, the PostgreSQL lease that lets instances skip the change-counter
/// read, and what one connection may hold. ``standard`` is what `serve` runs with; tests pass
/// shorter or smaller values. None of these changes a correct answer into a wrong one: they trade
/// database load against how long changes made *outside* certctl take to show (changes through
/// certctl, on any instance, show before the call that made them returns).
struct OCSPTuning: Sendable {
    // MARK: Memory (OCSPMemoryCache)

    /// How long an entry is trusted where every change goes through this process (SQLite, or
    /// `CERTCTL_OCSP_MEMORY_CACHE=on`): an operator's SQL or a restore shows within it.
    var localRevalidation: Duration = .seconds(5)
    /// The same on a shared PostgreSQL database with the change counter (`auto`): every change an
    /// entry depends on empties memory already, so this only bounds how long an answer lives.
    var gatedRevalidation: Duration = .seconds(60)
    /// Most serials held; beyond it an arbitrary entry makes room (a cache, not a store).
    var maxSerials = 50_000
    /// The serial entries' memory bound: each serial's key plus ``serialOverhead``, and each
    /// response's DER and CertID plus ``responseOverhead``; beyond it arbitrary entries make room.
    var maxSerialBytes = 64 << 20
    /// What one serial entry costs besides its key (dictionary slot, its status).
    var serialOverhead = 160
    /// What one stored response costs besides its DER and CertID (dictionary slot, ETag and HTTP
    /// date strings, instants).
    var responseOverhead = 320
    /// Most request encodings indexed for the exact-bytes lookup; beyond it the index starts again.
    var maxRequests = 100_000
    /// The exact-bytes index's memory bound: key octets plus ``requestIndexOverhead`` per entry;
    /// beyond it the index starts again (requests padded with ignored fields cannot grow it past this).
    var maxRequestIndexBytes = 16 << 20
    /// Requests longer than this are not indexed by their bytes (an ordinary OCSP request is under
    /// 150 octets; longer ones carry ignored fields): they are answered by their CertID instead.
    var maxIndexedRequestLength = 512
    /// What one index entry costs besides its key (dictionary slot, array header, the response's
    /// references), for ``maxRequestIndexBytes``.
    var requestIndexOverhead = 96
    /// A pre-signed response is trusted for a random share of the revalidation period drawn from
    /// this range, so responses read together (a warm-up) expire spread out, not in one burst.
    var responseTrustShares: Range<Double> = 0.75..<1
    /// A pre-signed response is re-read in the background from this share of its own trust period.
    var responseRefreshShare = 0.8
    /// A status is re-read in the background from a random share of the revalidation period drawn
    /// from this range (statuses read together are re-read spread out).
    var statusRefreshShares: Range<Double> = 0.6..<0.8
    /// How long a claimed background re-read is waited for before another request claims it.
    var refreshRetry: Duration = .milliseconds(500)

    // MARK: Background re-reads (OCSPMemoryRefresher)

    /// Re-reads waiting at most; beyond it a request is dropped (its entry simply expires).
    var refreshQueueLimit = 10_000
    /// Re-reads in flight at most (entries warmed together come due together).
    var refreshConcurrency = 8

    // MARK: Responders (ResponderStore)

    /// How often the fast path checks its responder against the database and its key file.
    var responderRecheck: Duration = .seconds(1)
    /// How long past that the fast path keeps signing while one request re-checks.
    var responderRecheckGrace: Duration = .seconds(5)

    // MARK: PostgreSQL lease (OCSPLease, OCSPEpochGate)

    /// How long the database keeps a lease after a renewal.
    var leaseDuration: Duration = .seconds(2)
    /// How often a lease in use is renewed (with a read of the change counter, a safety net
    /// behind the notifications).
    var leaseRenewal: Duration = .milliseconds(500)
    /// The share of ``leaseDuration`` this side trusts (clock-rate differences, scheduling).
    var leaseUsableShare = 0.8
    /// How long an instance nobody asks to answer from memory waits between looks, and how long
    /// it waits before listening again after losing its notification connection.
    var leaseIdleInterval: Duration = .milliseconds(50)
    /// How often a revocation waiting for the lease holders' acknowledgements checks again when no
    /// notification came (a safety net: acknowledgements are notified).
    var acknowledgementRecheck: Duration = .milliseconds(100)
    /// The longest a revocation waits for lease holders: a lease, and a second more for a holder's
    /// last renewal to have reached the database.
    var acknowledgementWait: Duration { leaseDuration + .seconds(1) }

    // MARK: Connections (OCSPConnectionHandler)

    /// The longest request head the fast path reads; a longer one is left to NIO's decoder.
    var maxHeadBytes = 8 * 1024
    /// What one connection may hold in unparsed input while its answers wait (for the socket, the
    /// change counter, a signature or the database); reading stops at it, and a connection that
    /// still passes it is closed.
    var maxConnectionBuffer = 1024 * 1024
    /// Database answers in flight at most for the fast path's misses; more wait in line.
    var databaseConcurrency = 64
    /// Misses waiting in line at most; past it a request is answered `tryLater` at once.
    var databaseQueueLimit = 4_096

    /// The values `certctl serve` runs with.
    static let standard = OCSPTuning()
}
