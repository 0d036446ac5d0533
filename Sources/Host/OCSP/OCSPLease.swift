/// Whether this instance may answer OCSP from memory on a shared PostgreSQL database without first
/// reading the change counter (``OCSPEpochGate``): the rules, without the database or a clock.
///
/// The instance holds a lease, a row in `ocsp_leases` with an expiry the database counts. While it
/// holds one, it listens to the counter's notifications (and reads it at every renewal), empties
/// its memory when the value moved, and then records the value as acknowledged. A revocation through any instance returns only once
/// every other lease holder has acknowledged the counter value it committed, or that holder's lease
/// has run out (``PostgresStorage/awaitOCSPAcknowledgements(of:)``). So memory answers a revoked
/// certificate `good` after its revocation returned only if this instance used its memory past the
/// end of its lease, which the rules below prevent:
///
/// - **The lease is counted short.** A renewal sent at `sent` makes the database keep the lease
///   until ``OCSPTuning/leaseDuration`` after a moment later than `sent`; this side counts
///   ``OCSPTuning/leaseUsableShare`` of it from `sent`, on the monotonic clock.
/// - **A lease that may have lapsed starts over unverified.** A renewal that completes after the
///   local deadline may have reached the database after the lease ran out there, when a revocation
///   could return without this instance. Memory is then used again only after a counter read that
///   began after that renewal completed (``polled(startedAt:)``): every revocation committed before
///   is in the value read, every one after waits for this instance.
/// - **A failed read stops memory** until a read succeeds; the lease itself then runs out unless
///   the owner renews it, which ``OCSPEpochGate`` does only while reads and acknowledgements work.
/// - **Lost notifications lose the lease.** Without them this instance would not acknowledge, and
///   revocations would wait it out; ``OCSPEpochGate`` releases the lease until it listens again.
struct OCSPLease: Sendable, Equatable {
    typealias Instant = OCSPClock.Instant

    /// How long this side counts a renewal good for: ``OCSPTuning/leaseDuration`` ×
    /// ``OCSPTuning/leaseUsableShare``.
    let usable: Duration

    init(tuning: OCSPTuning = .standard) {
        usable = tuning.leaseDuration * tuning.leaseUsableShare
    }

    /// When the lease ends, by this side's count; `nil` while none is held.
    private(set) var deadline: Instant?
    /// When the current unbroken lease began (the completion of the renewal that took it).
    private(set) var heldSince: Instant?
    /// Whether a counter read that began after ``heldSince`` has succeeded, with none failed since.
    private(set) var verified = false

    /// Memory may be used without a read at `now`.
    func isCurrent(at now: Instant) -> Bool {
        guard verified, let deadline else { return false }
        return now < deadline
    }

    /// Whether a lease is held at `now`, verified or not.
    func isHeld(at now: Instant) -> Bool {
        deadline.map { now < $0 } ?? false
    }

    /// A renewal sent at `sent` succeeded; this side learnt it at `completed`.
    mutating func renewed(sent: Instant, completed: Instant) {
        if let deadline, completed < deadline {
            // Unbroken: the database extended the lease before it ran out there.
            self.deadline = max(deadline, sent + usable)
        } else {
            deadline = sent + usable
            heldSince = completed
            verified = false
        }
    }

    /// A counter read that began at `started` succeeded (its value already acted on).
    mutating func polled(startedAt started: Instant) {
        guard let heldSince, started >= heldSince else { return }
        verified = true
    }

    /// A counter read failed.
    mutating func pollFailed() {
        verified = false
    }

    /// The lease was given up (or is being given up): memory needs a read again.
    mutating func release() {
        deadline = nil
        heldSince = nil
        verified = false
    }
}
