import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// An exclusive `flock` on `<data_dir>/serve.lock`, held by `certctl serve` on SQLite for its whole
/// life: a second `serve` on the same data directory stops before it opens the database or starts
/// any plugin, naming the holder's pid (exit 75). PostgreSQL instances may share a data directory
/// (docs/postgresql.md) and take no lock. The kernel drops the lock when the process exits, however
/// it exits, so a stale file never blocks a restart.
final class DataDirectoryLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    /// - Throws: `busy` when another process holds the lock; `configuration` when the file cannot
    ///   be opened.
    static func acquire(dataDirectory: URL) throws -> DataDirectoryLock {
        let path = dataDirectory.appendingPathComponent("serve.lock").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw HostError.configuration("CERTCTL_DATA_DIR (data_dir): cannot open \(path) (errno \(errno))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.holder(descriptor)
            close(descriptor)
            throw HostError(
                .busy,
                "the data directory \(dataDirectory.path) is in use by another certctl serve\(holder.map { " (pid \($0))" } ?? ""): "
                    + "two servers on one SQLite database are not supported; stop it, or give this one its own CERTCTL_DATA_DIR")
        }
        let pid = Array("\(getpid())\n".utf8)
        _ = ftruncate(descriptor, 0)
        _ = pid.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        return DataDirectoryLock(descriptor: descriptor)
    }

    /// The pid the holder wrote into the file, if readable.
    private static func holder(_ descriptor: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Releases the lock (closing the descriptor releases it).
    func release() { close(descriptor) }
}
