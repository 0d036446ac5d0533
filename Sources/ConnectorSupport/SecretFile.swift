import ConnectorAPI
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Files that hold secrets (private keys, PINs, API keys): created with mode `0600` and `O_EXCL`,
/// and refused on read when group or others can access them.
public enum SecretFile {
    /// Creates `url` (and missing parent directories, mode 0700) with mode 0600. Fails when the file
    /// exists. The error names the path, never the contents.
    public static func create(_ url: URL, contents: String) throws {
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
        )
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw ConnectorError(.internalFailure, "cannot create \(url.path) (errno \(errno))")
        }
        defer { close(fd) }
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            throw ConnectorError(.internalFailure, "cannot write \(url.path)")
        }
    }

    /// Reads a secret file, refusing one that group or others can access.
    /// - Parameter setting: the configuration key, for the error message.
    public static func read(_ url: URL, setting: String) throws -> String {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw ConnectorError.invalidConfiguration("\(setting) \(url.path) does not exist or cannot be read")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw ConnectorError.invalidConfiguration("\(setting) \(url.path) is accessible by group or others; chmod 600 it")
        }
        guard let data = FileManager.default.contents(atPath: url.path), let text = String(data: data, encoding: .utf8) else {
            throw ConnectorError.invalidConfiguration("\(setting) \(url.path) cannot be read")
        }
        return text
    }
}
