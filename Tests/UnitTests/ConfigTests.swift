import ConnectorAPI
import ConnectorSupport
import Foundation
import LocalCAConnector
import Logging
import Testing

@testable import Host

@Suite struct ConfigParsingTests {
    @Test(arguments: [("30s", 30), ("15m", 900), ("1h", 3_600), ("7d", 604_800)] as [(String, Int64)])
    func durationsParse(text: String, seconds: Int64) {
        #expect(ConfigDuration.seconds(text) == seconds)
    }

    @Test(arguments: ["", "10", "1w", "-5m", "0s", "1.5h", "h", "99999999999999999d"])
    func invalidDurationsAreRejected(text: String) {
        #expect(ConfigDuration.seconds(text) == nil)
    }

    @Test func byteSizes() {
        #expect(ConfigByteSize.bytes("1MB") == 1_048_576)
        #expect(ConfigByteSize.bytes("512KiB") == 524_288)
        #expect(ConfigByteSize.bytes("65536") == 65_536)
        #expect(ConfigByteSize.bytes("1XB") == nil)
        #expect(ConfigByteSize.bytes("0") == nil)
    }

    @Test func listenAddresses() {
        #expect(ListenAddress("127.0.0.1:8443") == ListenAddress(host: "127.0.0.1", port: 8443))
        #expect(ListenAddress("[::1]:443") == ListenAddress(host: "::1", port: 443))
        #expect(ListenAddress("localhost") == nil)
        #expect(ListenAddress("host:99999") == nil)
    }
}

@Suite struct ConfigLoadingTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func write(_ yaml: String) throws -> String {
        let path = directory.appendingPathComponent("certctl.yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func defaultsWithoutFile() throws {
        let configuration = try HostConfiguration.load(configPath: nil, environment: [:])
        #expect(configuration.listen == ListenAddress(host: "127.0.0.1", port: 8443))
        #expect(configuration.publicBaseURL == "https://127.0.0.1:8443")
        #expect(configuration.maxBodySize == 1_048_576)
        #expect(configuration.issuers.isEmpty)
        #expect(configuration.dataDirectory.lastPathComponent == "certctl-data")
    }

    @Test func environmentOverridesFileAndFilePathsAreRelativeToIt() throws {
        let path = try write(
            """
            data_dir: state
            listen: 127.0.0.1:9000
            max_body_size: 64KB
            issuers:
              - id: iss-a
                type: local
                key_file: ca/a.key
                cert_file: ca/a.crt
                max_validity: 30d
            """
        )
        let configuration = try HostConfiguration.load(configPath: path, environment: ["CERTCTL_LISTEN": "127.0.0.1:9100"])
        #expect(configuration.listen.port == 9100)
        #expect(configuration.publicBaseURL == "https://127.0.0.1:9100")
        #expect(configuration.maxBodySize == 65_536)
        #expect(configuration.dataDirectory.path == directory.appendingPathComponent("state").standardizedFileURL.path)
        let issuer = try #require(configuration.issuers.first)
        #expect(issuer.maxValiditySeconds == 30 * 86_400)
        #expect(issuer.defaultValiditySeconds == 30 * 86_400)
        struct Paths: Decodable {
            var keyFile: URL
            var certFile: URL
        }
        #expect(issuer.options.values["key_file"] == "ca/a.key")
        #expect(try issuer.options.decode(Paths.self).keyFile.path == directory.appendingPathComponent("ca/a.key").standardizedFileURL.path)
        #expect(issuer.options.values["max_validity"] == nil)
    }

    @Test func badValuesNameTheSetting() throws {
        let cases: [([String: String], String)] = [
            (["CERTCTL_LISTEN": "nope"], "CERTCTL_LISTEN"),
            (["CERTCTL_MAX_BODY_SIZE": "lots"], "CERTCTL_MAX_BODY_SIZE"),
            (["CERTCTL_LOG_LEVEL": "loud"], "CERTCTL_LOG_LEVEL"),
            (["CERTCTL_DATABASE_URL": "mysql://u:secretpw@h/db"], "CERTCTL_DATABASE_URL"),
            (["CERTCTL_TLS_CERT_FILE": "/x.crt"], "CERTCTL_TLS_KEY_FILE"),
            (["CERTCTL_OCSP_MEMORY_CACHE": "sometimes"], "CERTCTL_OCSP_MEMORY_CACHE"),
        ]
        for (environment, setting) in cases {
            let error = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: nil, environment: environment) }
            #expect(error?.message.contains(setting) == true, "\(environment)")
            #expect(error?.message.contains("secretpw") == false)
        }
    }

    @Test func ocspMemoryCacheIsGatedOnPostgresUnlessSet() throws {
        let sqlite = DatabaseLocation.sqlite(path: "/tmp/x.db")
        let postgres = try HostConfiguration.load(
            configPath: nil, environment: ["CERTCTL_DATABASE_URL": "postgres://u@127.0.0.1:5432/db"]
        ).database
        let auto = try HostConfiguration.load(configPath: nil, environment: [:]).revocation.ocspMemoryCache
        #expect(auto == .auto && auto.use(for: sqlite) == .local && auto.use(for: postgres) == .gated)
        let on = try HostConfiguration.load(configPath: nil, environment: ["CERTCTL_OCSP_MEMORY_CACHE": "ON"]).revocation.ocspMemoryCache
        #expect(on.use(for: postgres) == .local && on.use(for: sqlite) == .local)
        let off = try HostConfiguration.load(configPath: nil, environment: ["CERTCTL_OCSP_MEMORY_CACHE": "off"]).revocation.ocspMemoryCache
        #expect(off.use(for: sqlite) == .none && off.use(for: postgres) == .none)
    }

    @Test func unknownKeysAndBadDurationsInTheFileAreErrors() throws {
        let unknown = try write("listen: 127.0.0.1:1\nlisten_adress: x\n")
        let error = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: unknown, environment: [:]) }
        #expect(error?.message.contains("listen_adress") == true)

        let badDuration = try write("issuers:\n  - id: a\n    type: local\n    max_validity: 10 days\n")
        let durationError = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: badDuration, environment: [:]) }
        #expect(durationError?.message.contains("max_validity") == true)

        let badID = try write("issuers:\n  - id: Bad_Id\n    type: local\n")
        let idError = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: badID, environment: [:]) }
        #expect(idError?.code == .configuration)
        #expect(idError?.message == "config file: issuers[0]: 'id' must match [a-z0-9-]{1,64}")

        let duplicate = try write("issuers:\n  - id: a\n    type: local\n  - id: a\n    type: local\n")
        let duplicateError = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: duplicate, environment: [:]) }
        #expect(duplicateError?.message == "config file: issuer a is defined twice")
    }

    /// A YAML error names the line and the problem, never the line's text (it may hold a secret).
    @Test func yamlErrorsDoNotEchoTheFile() throws {
        for text in [
            "database_url: postgres://certctl:hunter2secret@db/pki\n  listen: : x\n",
            "listen: 127.0.0.1:1\ndatabase_url: \"postgres://certctl:hunter2secret@db/pki\n",
            "issuers:\n  - id: a\n    eab_hmac_key: hunter2secret\n   - oops: [\n",
        ] {
            let path = try write(text)
            let error = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: path, environment: [:]) }
            let message = error?.message ?? ""
            #expect(message.contains("not valid YAML: line ") && !message.contains("hunter2secret"), "\(message)")
        }
    }

    @Test func unknownIssuerTypeIsAConfigurationError() async throws {
        let path = try write("issuers:\n  - id: iss-x\n    type: magic\n")
        let configuration = try HostConfiguration.load(configPath: path, environment: [:])
        var registry = ConnectorRegistry()
        registry.register(LocalCAConnector.self)
        let error = await #expect(throws: HostError.self) {
            try await IssuerDirectory.load(configuration.issuers, registry: registry, dataDirectory: directory)
        }
        #expect(error?.code == .configuration)
        #expect(error?.message == "issuer iss-x: unknown type 'magic' (known: local)")
    }

    @Test func connectorOptionsRejectUnknownKeys() throws {
        struct Paths: Decodable {
            var keyFile: URL
            var certFile: URL?
        }
        let options = ConnectorOptions(["key_file": "k", "certfile": "c"], baseDirectory: directory, issuerID: "iss-a")
        let error = #expect(throws: ConnectorError.self) { try options.decode(Paths.self) }
        #expect(error?.message == "issuer iss-a: unknown key 'certfile' (known: cert_file, key_file)")
        #expect(error?.code == .invalidConfiguration)
    }
}

@Suite struct DatabaseURLTests {
    @Test func postgresURLsParseAndNeverShowThePassword() throws {
        let location = try HostConfiguration.parsePostgresURL("postgres://cert%40ctl:p%40ss@db.internal:6543/pki?sslmode=require")
        #expect(location.username == "cert@ctl" && location.password == "p@ss" && location.host == "db.internal")
        #expect(location.port == 6543 && location.database == "pki" && location.tls == .require)
        #expect(!location.description.contains("p@ss") && !DatabaseLocation.postgres(location).redacted.contains("p%40ss"))
        #expect(try HostConfiguration.parsePostgresURL("postgresql://u@h/d").tls == .prefer)
    }

    @Test(arguments: [
        ("postgres://h/d", "the postgres URL names no user"),
        ("postgres://u@h", "the postgres URL names no database (…/DBNAME)"),
        ("postgres://u:secretpw@h/d?sslmode=verify-maybe", "sslmode must be disable, prefer, require or verify-full"),
        ("postgres://u@h/d?timeout=3", "unknown postgres URL parameter 'timeout' (known: sslmode, sslrootcert)"),
        ("postgres://u@h/d?sslmode=require&sslrootcert=/nonexistent/ca.pem", "sslrootcert /nonexistent/ca.pem cannot be read"),
        ("postgres:///d", "not a postgres://user:password@host:port/database URL"),
    ])
    func invalidPostgresURLsAreConfigurationErrors(url: String, why: String) {
        let error = #expect(throws: HostError.self) { try HostConfiguration.parsePostgresURL(url) }
        #expect(error?.code == .configuration)
        #expect(error?.message == "CERTCTL_DATABASE_URL (database_url): \(why)")
        #expect(error?.message.contains("secretpw") == false)
    }
}

@Suite struct ReloadUnitTests {
    @Test func handlersFollowTheSharedLevelUnlessOneLoggerOverridesIt() {
        let control = LogLevelControl(.info)
        var logger = Logger(label: "t", factory: { _ in control.makeHandler(StreamLogHandler.standardError(label: "t")) })
        #expect(logger.logLevel == .info)
        control.level = .debug
        #expect(logger.logLevel == .debug)
        logger.logLevel = .error
        #expect(logger.logLevel == .error && control.level == .debug)
    }

    @Test func restartOnlySettingsAreNamed() throws {
        let base = try HostConfiguration.load(configPath: nil, environment: ["CERTCTL_DATA_DIR": "/tmp/x"])
        var changed = base
        changed.logLevel = .debug
        changed.limits.ocspPerIPPerMinute = 5
        #expect(ConfigReloader.restartRequired(running: base, loaded: changed).isEmpty)
        changed.listen = ListenAddress("127.0.0.1:9999")!
        changed.revocation.crlValidity = 7
        changed.edge.idleTimeout = .seconds(5)
        #expect(
            ConfigReloader.restartRequired(running: base, loaded: changed) == [
                "CERTCTL_LISTEN", "CERTCTL_CRL_VALIDITY", "CERTCTL_IDLE_TIMEOUT",
            ])
    }

    /// Every setting features.md gives a file key for is accepted in the file, and means the same
    /// as its variable.
    @Test func everyDocumentedFileKeyIsAccepted() throws {
        let features = try String(
            contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/features.md"),
            encoding: .utf8)
        let rows = features.split(separator: "\n").compactMap { line -> (String, String)? in
            guard let match = line.firstMatch(of: /^\| `CERTCTL_([A-Z0-9_]+)` \| `([a-z0-9_]+)` \|/) else { return nil }
            return (String(match.1), String(match.2))
        }
        #expect(rows.count >= 25)
        for (variable, key) in rows {
            #expect(variable.lowercased() == key, "CERTCTL_\(variable) is documented as file key \(key)")
            #expect(HostConfiguration.settingKeys.contains(key), "features.md documents file key \(key), the loader refuses it")
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-\(UUID().uuidString).yaml")
        try "idle_timeout: 2m\nmax_connections: 500\nrate_limit_ipv6_prefix: 48\n".write(to: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: path) }
        let edge = try HostConfiguration.load(configPath: path.path, environment: [:]).edge
        #expect(edge.idleTimeout == .seconds(120) && edge.maxConnections == 500 && edge.rateLimitIPv6Prefix == 48)
    }

    @Test func tlsPairsAreCheckedBeforeUse() throws {
        let dir = try TestStorage.directory()
        let missing = dir.appendingPathComponent("none.pem")
        let error = #expect(throws: HostError.self) { try TLSCredentials.load(certificateFile: missing, keyFile: missing) }
        #expect(error?.message.contains("CERTCTL_TLS_CERT_FILE") == true)
    }
}

@Suite struct SecretAndEdgeSettingsTests {
    static func file(_ contents: String, mode: Int) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-secret-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: url.path, contents: Data(contents.utf8), attributes: [.posixPermissions: mode])
        return url
    }

    @Test func theDatabasePasswordComesFromAnOwnerOnlyFile() throws {
        let secret = try Self.file("s3cret-pass\n", mode: 0o600)
        let environment = ["CERTCTL_DATABASE_URL": "postgres://certctl@db:5432/pki", "CERTCTL_DATABASE_PASSWORD_FILE": secret.path]
        let configuration = try HostConfiguration.load(configPath: nil, environment: environment)
        guard case .postgres(let location) = configuration.database else { Issue.record("not postgres"); return }
        #expect(location.password == "s3cret-pass")

        let open = try Self.file("s3cret-pass", mode: 0o644)
        var refused = environment
        refused["CERTCTL_DATABASE_PASSWORD_FILE"] = open.path
        let error = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: nil, environment: refused) }
        #expect(error?.message.contains("chmod 600") == true && error?.message.contains("s3cret") == false, "\(error?.message ?? "")")
        // A password in the URL and in a file, or a file for SQLite: refused, naming the setting.
        var twice = environment
        twice["CERTCTL_DATABASE_URL"] = "postgres://certctl:other@db/pki"
        #expect(throws: HostError.self) { try HostConfiguration.load(configPath: nil, environment: twice) }
        #expect(throws: HostError.self) {
            try HostConfiguration.load(configPath: nil, environment: ["CERTCTL_DATABASE_PASSWORD_FILE": secret.path])
        }
    }

    @Test func edgeSettingsLoadAndRefuseNonsense() throws {
        let defaults = try HostConfiguration.load(configPath: nil, environment: [:]).edge
        #expect(defaults == EdgeSettings())
        #expect(defaults.maxHeaderSize == 16_384 && defaults.maxConnections == 10_000 && defaults.rateLimitIPv6Prefix == 64)
        let set = try HostConfiguration.load(
            configPath: nil,
            environment: [
                "CERTCTL_TLS_HANDSHAKE_TIMEOUT": "5s", "CERTCTL_IDLE_TIMEOUT": "2m", "CERTCTL_MAX_CONNECTIONS": "500",
                "CERTCTL_MAX_HEADER_SIZE": "8KiB", "CERTCTL_MAX_CONNECTION_BUFFER": "256KiB", "CERTCTL_RATE_LIMIT_IPV6_PREFIX": "56",
            ]
        ).edge
        #expect(set.tlsHandshakeTimeout == .seconds(5) && set.idleTimeout == .seconds(120) && set.maxConnections == 500)
        #expect(set.maxHeaderSize == 8_192 && set.maxConnectionBuffer == 262_144 && set.rateLimitIPv6Prefix == 56)
        for (key, value) in [
            ("CERTCTL_MAX_CONNECTIONS", "0"), ("CERTCTL_RATE_LIMIT_IPV6_PREFIX", "129"), ("CERTCTL_MAX_HEADER_SIZE", "12"),
            ("CERTCTL_MAX_CONNECTION_BUFFER", "20KiB"), ("CERTCTL_IDLE_TIMEOUT", "soon"),
        ] {
            let error = #expect(throws: HostError.self) { try HostConfiguration.load(configPath: nil, environment: [key: value]) }
            #expect(error?.message.contains(key) == true, "\(error?.message ?? "")")
        }
    }
}
