import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Validated `type: external` settings.
struct ExternalOptions: Sendable {
    /// The keys as written in the configuration.
    struct File: Decodable {
        var command: [String]
        var env: [String: String]?
        var sha256: String?
        var timeout: ConfigDuration?
        var maxRestartBackoff: ConfigDuration?
    }

    /// The plugin executable (`command[0]`, resolved against the config file's directory or PATH).
    var executable: URL
    var arguments: [String]
    /// Extra environment for the plugin (it inherits only PATH, HOME, LANG and TZ from the host).
    var environment: [String: String]
    /// Expected SHA-256 of `executable`, lower-case hex; checked at every launch.
    var sha256: String?
    /// Handshake and per-call limit.
    var timeout: Duration
    /// Longest wait between restarts of a plugin that keeps failing.
    var maxRestartBackoff: Duration
    /// The plugin's working directory: the config file's directory.
    var workingDirectory: URL

    init(_ options: ConnectorOptions, hostEnvironment: [String: String] = ProcessInfo.processInfo.environment) throws {
        let file = try options.decode(File.self)
        guard let name = file.command.first, !name.isEmpty else {
            throw options.invalid("command must be a non-empty list, e.g. [\"/usr/bin/tool\", \"--flag\"]")
        }
        executable = try Self.resolve(name, options: options, path: hostEnvironment["PATH"] ?? "/usr/bin:/bin")
        arguments = Array(file.command.dropFirst())
        environment = file.env ?? [:]
        if let pin = file.sha256 {
            let hex = pin.lowercased()
            guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
                throw options.invalid("sha256 must be 64 hex digits (sha256sum of command[0])")
            }
            sha256 = hex
        }
        timeout = file.timeout?.duration ?? .seconds(10)
        maxRestartBackoff = file.maxRestartBackoff?.duration ?? .seconds(30)
        workingDirectory = options.baseDirectory
    }

    /// `command[0]` with a `/` is a path (relative to the config file); otherwise it is looked up in PATH.
    static func resolve(_ name: String, options: ConnectorOptions, path: String) throws -> URL {
        if name.contains("/") {
            let url =
                name.hasPrefix("/")
                ? URL(fileURLWithPath: name).standardizedFileURL : options.baseDirectory.appendingPathComponent(name).standardizedFileURL
            guard FileManager.default.isExecutableFile(atPath: url.path) else {
                throw options.invalid("command[0] \(url.path) does not exist or is not executable")
            }
            return url
        }
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw options.invalid("command[0] '\(name)' is not an executable in PATH")
    }

    /// With `sha256`: opens the executable, hashes what it reads from that descriptor, and returns
    /// the descriptor to execute (``PinnedExecutable``), so the file that runs is the file that was
    /// hashed even if the path is swapped in between. Refuses (`unavailable`, a 503 at a restart;
    /// start-up turns it into a configuration error) a mismatch, a file that is not regular, and one
    /// that group or others may write (it could be changed in place after the check).
    func openPinned(issuerID: String) throws -> PinnedExecutable? {
        guard let sha256 else { return nil }
        let path = executable.path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ConnectorError(.unavailable, "issuer \(issuerID): cannot open \(path) to check its sha256") }
        let pinned = PinnedExecutable(fd: fd)
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw ConnectorError(.unavailable, "issuer \(issuerID): \(path) is not a regular file")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw ConnectorError(
                .unavailable,
                "issuer \(issuerID): \(path) is writable by group or others (mode \(String(info.st_mode & 0o7777, radix: 8))); a pinned plugin must not be: chmod go-w it"
            )
        }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR { continue }
                throw ConnectorError(.unavailable, "issuer \(issuerID): cannot read \(path) to check its sha256")
            }
            if count == 0 { break }
            hasher.update(data: buffer[0..<count])
        }
        let actual = hasher.finalize().map { String(format: "%02x", $0) }.joined()
        guard actual == sha256 else {
            throw ConnectorError(
                .unavailable,
                "issuer \(issuerID): sha256 mismatch: \(path) has sha256 \(actual), not the pinned \(sha256); refusing to run it"
            )
        }
        return pinned
    }
}
