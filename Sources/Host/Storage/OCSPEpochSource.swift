import NIOCore

/// A database that several certctl instances share, with a counter that every change an OCSP
/// answer depends on advances in the changing transaction (PostgreSQL: the `ocsp_epoch` row and its
/// triggers). An optional capability of a ``HostStorage``, discovered with `as? any OCSPEpochSource`.
///
/// Reading the same value twice means no revocation, deleted certificate, deleted pre-signed
/// response or responder change committed in between — by any instance or by an operator's SQL.
public protocol OCSPEpochSource: HostStorage {
    /// The counter's current value, read in a snapshot taken after the call; fails (as a
    /// `HostError`) when the database does not answer in time.
    func ocspEpoch() -> EventLoopFuture<Int64>
}
