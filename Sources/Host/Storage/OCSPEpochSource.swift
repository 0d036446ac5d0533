import NIOCore

/// A database that several certctl instances share, with a counter that every change an OCSP
/// answer depends on advances in the changing transaction (PostgreSQL: the `ocsp_epoch` row and its
/// triggers), and notifies. An optional capability of a ``HostStorage``, discovered with
/// `as? any OCSPEpochSource`.
///
/// Reading the same value twice means no revocation, deleted certificate, deleted pre-signed
/// response or responder change committed in between — by any instance or by an operator's SQL.
///
/// Leases let an instance skip the read before each answer from memory: while this instance holds
/// one, a revocation through any instance returns only once this instance has acknowledged a
/// counter value at least as new as the revocation's (``acknowledgeOCSPEpoch(_:)``), or the lease
/// has run out. An instance learns of new values from ``listenOCSPEpoch(_:)``. See ``OCSPLease``.
public protocol OCSPEpochSource: Sendable {
    /// The counter's current value, read in a snapshot taken after the call; fails (as a
    /// `HostError`) when the database does not answer in time.
    func ocspEpoch() -> EventLoopFuture<Int64>

    /// Runs `body` with every value the counter takes from now on, in commit order (notified by
    /// the database as each change commits); throws when the notifications stop (the connection
    /// carrying them was lost).
    func listenOCSPEpoch(_ body: @Sendable (AsyncThrowingStream<Int64, any Error>) async throws -> Void) async throws

    /// Takes or extends this instance's lease, for `duration` counted by the database from a moment
    /// after the call began, recording `seen` as the last value acknowledged.
    func renewOCSPLease(for duration: Duration, seen: Int64) async throws

    /// Records that this instance has emptied its memory of everything the counter's `value`
    /// covers. (Values are recorded as they come: a restored database may take the counter back.)
    func acknowledgeOCSPEpoch(_ value: Int64) async throws

    /// Ends this instance's lease at once (its memory is no longer used without a read).
    func releaseOCSPLease() async throws
}
