/// Everything the host persists, as one value: the storage roles below, each implemented by
/// ``SQLiteStorage`` (the embedded default) and ``PostgresStorage``, plus the lifecycle calls.
///
/// Services take the narrowest role they use (``APIKeyService`` an ``APIKeyStore``, the CRL
/// service a ``CRLStore``, …), so each can be read and tested on its own, and the test suite's
/// in-memory storage can stand in for the databases. Each mutating call is one transaction that
/// also writes its audit row, so a state change and its audit record land together or not at all.
/// Schema migrations are versioned in code.
public protocol HostStorage: CertificateStore, APIKeyStore, CRLStore, OCSPStore, AuditLog, InstanceLocks, ACMEStore {
    /// Runs what the storage needs in the background (PostgreSQL's connection pool) until the task
    /// is cancelled. ``HostRuntime/withStorage(_:_:)`` runs it next to the storage's users.
    func run() async

    /// Creates or upgrades the schema. Idempotent.
    func migrate() async throws

    /// Succeeds when the database answers.
    func ping() async throws
}
