import ConnectorAPI
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Remembers a PIN a token refused (`CKR_PIN_INCORRECT`), so that `serve` restarted by a service
/// manager does not spend one of the token's PIN retries per restart until the token locks.
///
/// A refusal is a marker file in `<data_dir>/pkcs11/refused-pins/` (0700) named after the token's
/// serial number and the PIN file's fingerprint — its device, inode, size and modification time,
/// which change whenever the file is rewritten and say nothing about the PIN itself. While the
/// marker exists that PIN is not tried again; writing the PIN file (even with the same PIN) changes
/// the fingerprint and allows one more try.
struct PKCS11PINGuard: Sendable {
    let directory: URL
    /// The PIN file's identity when the PIN was read; `nil` when it cannot be stat'ed (no guard).
    let fingerprint: String?

    init(dataDirectory: URL, pinFile: URL) {
        directory = dataDirectory.appendingPathComponent("pkcs11").appendingPathComponent("refused-pins")
        fingerprint = Self.fingerprint(pinFile)
    }

    static func fingerprint(_ file: URL) -> String? {
        var info = stat()
        guard stat(file.path, &info) == 0 else { return nil }
        return "\(info.st_dev)-\(info.st_ino)-\(info.st_size)-\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
    }

    private func marker(tokenSerial: String) -> URL? {
        guard let fingerprint else { return nil }
        let serial = tokenSerial.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) ? String($0) : "_" }.joined()
        return directory.appendingPathComponent("\(serial.isEmpty ? "token" : serial)-\(fingerprint)")
    }

    /// When this PIN file was refused by this token before, the time it was, else `nil`.
    func refusedBefore(tokenSerial: String) -> String? {
        guard let marker = marker(tokenSerial: tokenSerial),
            let data = FileManager.default.contents(atPath: marker.path)
        else { return nil }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Records a refusal (best effort: a data directory that cannot be written loses the guard,
    /// not the error).
    func remember(tokenSerial: String, code: String) {
        guard let marker = marker(tokenSerial: tokenSerial) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let note = "\(code) at \(Date().formatted(.iso8601))\n"
        _ = FileManager.default.createFile(atPath: marker.path, contents: Data(note.utf8), attributes: [.posixPermissions: 0o600])
    }
}
