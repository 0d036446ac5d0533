import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The built `certctl` executable and a scratch data directory for one test.
struct Certctl: Sendable {
    /// `$CERTCTL_BIN`, else `.build/debug/certctl` in this package.
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["CERTCTL_BIN"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/certctl").path
    }

    let directory: URL
    var dataDirectory: URL { directory.appendingPathComponent("data") }
    var caFile: URL { dataDirectory.appendingPathComponent("ca/iss-local.crt") }

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The environment for a child: the parent's without any `CERTCTL_*`, plus `extra`.
    func environment(_ extra: [String: String] = [:]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("CERTCTL_") }
        environment["CERTCTL_DATA_DIR"] = dataDirectory.path
        environment.merge(extra) { $1 }
        return environment
    }

    /// Runs a `certctl` subcommand against this data directory.
    func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> CommandResult {
        try await Command.run([Self.binary] + arguments, environment: environment(extra), directory: directory)
    }

    /// Writes `certctl.yaml` with the file-backed `iss-local` issuer followed by `issuerYAML` (one
    /// more issuer, its lines indented as list items under `issuers:`); returns its URL.
    func writeConfig(withLocalIssuerAnd issuerYAML: String) throws -> URL {
        let yaml = """
            issuers:
              - id: iss-local
                type: local
                key_file: ca/iss-local.key
                cert_file: ca/iss-local.crt
            \(issuerYAML)

            """
        let file = directory.appendingPathComponent("certctl.yaml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    /// A free TCP port on 127.0.0.1 (bound, read back, released).
    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
