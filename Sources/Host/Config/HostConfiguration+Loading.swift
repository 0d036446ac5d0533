import ConnectorAPI
import ConnectorSupport
import Foundation
import Logging

extension HostConfiguration {
    /// Settings that may appear at the top of the YAML file, each also settable as `CERTCTL_<KEY>`.
    static let settingKeys: [String] = [
        "data_dir", "listen", "public_base_url", "tls_cert_file", "tls_key_file", "database_url",
        "max_body_size", "log_level", "pki_http_listen", "crl_generation_interval", "crl_validity",
        "ocsp_responder_key_dir", "ocsp_responder_rotation_grace", "ocsp_responder_validity", "ocsp_response_validity",
        "ocsp_memory_cache", "ocsp_rate_limit_per_ip_min", "cert_export_rate_limit_per_actor_hr", "issuance_rate_limit_per_key_min",
        "acme_http01_port", "acme_tlsalpn01_port", "acme_dns_resolver", "acme_validation_deny_cidrs", "database_password_file",
        "tls_handshake_timeout", "request_head_timeout", "idle_timeout", "max_connections", "max_header_size", "max_connection_buffer",
        "rate_limit_ipv6_prefix",
    ]

    /// Loads the configuration: environment variables override the YAML file, which overrides
    /// defaults. Relative paths in the file resolve against the file's directory; relative paths in
    /// the environment resolve against the working directory.
    ///
    /// - Parameters:
    ///   - configPath: `--config`; when `nil`, `CERTCTL_CONFIG` is used.
    ///   - environment: the process environment (injected for tests).
    /// - Throws: ``HostError`` with code `configuration`, naming the setting. Never echoes secrets.
    public static func load(configPath: String?, environment: [String: String]) throws -> HostConfiguration {
        let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        let configFile = (configPath ?? environment["CERTCTL_CONFIG"]).flatMap { $0.isEmpty ? nil : $0 }
            .map { URL(fileURLWithPath: $0, relativeTo: cwd).standardizedFileURL }
        let file = try configFile.map(ConfigFile.read) ?? ConfigFile(settings: [:], issuers: [], directory: cwd)
        return try load(file, from: configFile, environment: environment, workingDirectory: cwd)
    }

    /// The configuration from a parsed file (read from `configFile`) and the environment.
    static func load(_ file: ConfigFile, from configFile: URL?, environment: [String: String], workingDirectory cwd: URL) throws
        -> HostConfiguration
    {
        let source = SettingsSource(environment: environment, file: file, workingDirectory: cwd)

        let dataDirectory = source.path("data_dir") ?? cwd.appendingPathComponent("certctl-data").standardizedFileURL
        let (listen, pkiHTTPListen, publicBaseURL) = try listeners(source)
        let tlsCert = source.path("tls_cert_file")
        let tlsKey = source.path("tls_key_file")
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw HostError.configuration("CERTCTL_TLS_CERT_FILE and CERTCTL_TLS_KEY_FILE must be set together")
        }
        var database: DatabaseLocation
        if let url = source.value("database_url") {
            database = try Self.parseDatabaseURL(url.text, key: "database_url", base: url.base)
        } else {
            database = .sqlite(path: dataDirectory.appendingPathComponent("certctl.db").path)
        }
        if let file = source.path("database_password_file") {
            guard case .postgres(var location) = database else {
                throw source.invalid("database_password_file", "only a postgres:// CERTCTL_DATABASE_URL takes a password")
            }
            guard location.password == nil else {
                throw source.invalid("database_password_file", "CERTCTL_DATABASE_URL already has a password; give it in one place")
            }
            // The file is the password (owner-only, checked); a trailing line break is not part of it.
            var password: String
            do {
                password = try SecretFile.read(file, setting: "CERTCTL_DATABASE_PASSWORD_FILE (database_password_file)")
            } catch let error as ConnectorError {
                throw HostError.configuration(error.message)
            }
            while password.hasSuffix("\n") || password.hasSuffix("\r") { password.removeLast() }
            guard !password.isEmpty else { throw source.invalid("database_password_file", "\(file.path) is empty") }
            location.password = password
            database = .postgres(location)
        }
        let sizeText = source.value("max_body_size")?.text ?? "1MB"
        guard let maxBodySize = ConfigByteSize.bytes(sizeText) else {
            throw source.invalid("max_body_size", "'\(sizeText)' is not a size such as 1MB, 512KB or 65536")
        }
        let levelText = source.value("log_level")?.text ?? "info"
        guard let logLevel = Logger.Level(rawValue: levelText.lowercased()) else {
            throw source.invalid("log_level", "'\(levelText)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        var limits = RateLimitSettings()
        limits.ocspPerIPPerMinute = try source.count("ocsp_rate_limit_per_ip_min", default: limits.ocspPerIPPerMinute)
        limits.exportsPerActorPerHour = try source.count("cert_export_rate_limit_per_actor_hr", default: limits.exportsPerActorPerHour)
        limits.issuancesPerKeyPerMinute = try source.count("issuance_rate_limit_per_key_min", default: limits.issuancesPerKeyPerMinute)

        var configuration = HostConfiguration(
            configFile: configFile, dataDirectory: dataDirectory, listen: listen, publicBaseURL: publicBaseURL,
            tlsCertificateFile: tlsCert, tlsKeyFile: tlsKey, database: database, maxBodySize: maxBodySize, logLevel: logLevel,
            issuers: file.issuers, profiles: file.profiles, pkiHTTPListen: pkiHTTPListen,
            revocation: try revocation(source, dataDirectory: dataDirectory),
            limits: limits
        )
        configuration.acmeValidation = try acmeValidation(source)
        configuration.edge = try edge(source)
        for text in file.trustedProxies {
            do {
                configuration.edge.trustedProxies.append(try IPRange(cidr: text))
            } catch {
                throw HostError.configuration("config file: trusted_proxies: \(error.message)")
            }
        }
        return configuration
    }

    /// The listener limits of SPEC §10.
    static func edge(_ source: SettingsSource) throws -> EdgeSettings {
        var edge = EdgeSettings()
        for (key, keyPath) in [
            ("tls_handshake_timeout", \EdgeSettings.tlsHandshakeTimeout), ("request_head_timeout", \.requestHeadTimeout),
            ("idle_timeout", \.idleTimeout),
        ] {
            let seconds = try source.duration(key, default: edge[keyPath: keyPath].components.seconds)
            guard seconds > 0 else { throw source.invalid(key, "must be at least 1s") }
            edge[keyPath: keyPath] = .seconds(seconds)
        }
        edge.maxConnections = try source.count("max_connections", default: edge.maxConnections)
        guard edge.maxConnections > 0 else { throw source.invalid("max_connections", "must be at least 1") }
        for (key, keyPath, floor) in [
            ("max_header_size", \EdgeSettings.maxHeaderSize, 1 << 10), ("max_connection_buffer", \.maxConnectionBuffer, 16 << 10),
        ] {
            guard let text = source.value(key)?.text else { continue }
            guard let bytes = ConfigByteSize.bytes(text) else { throw source.invalid(key, "'\(text)' is not a size such as 16KiB or 1MiB") }
            guard bytes >= floor else { throw source.invalid(key, "must be at least \(floor) bytes") }
            edge[keyPath: keyPath] = bytes
        }
        edge.rateLimitIPv6Prefix = try source.count("rate_limit_ipv6_prefix", default: edge.rateLimitIPv6Prefix)
        guard (1...128).contains(edge.rateLimitIPv6Prefix) else { throw source.invalid("rate_limit_ipv6_prefix", "must be 1 to 128") }
        guard edge.maxConnectionBuffer >= 2 * edge.maxHeaderSize else {
            throw source.invalid("max_connection_buffer", "must be at least twice CERTCTL_MAX_HEADER_SIZE (a head and its answer)")
        }
        return edge
    }

    /// `CERTCTL_ACME_HTTP01_PORT`, `CERTCTL_ACME_TLSALPN01_PORT`, `CERTCTL_ACME_DNS_RESOLVER`,
    /// `CERTCTL_ACME_VALIDATION_DENY_CIDRS` (SPEC §8).
    static func acmeValidation(_ source: SettingsSource) throws -> ACMEValidationSettings {
        var settings = ACMEValidationSettings()
        for (key, keyPath) in [("acme_http01_port", \ACMEValidationSettings.http01Port), ("acme_tlsalpn01_port", \.tlsALPN01Port)] {
            guard let text = source.value(key)?.text else { continue }
            guard let port = Int(text), (1...65_535).contains(port) else { throw source.invalid(key, "'\(text)' is not a port (1-65535)") }
            settings[keyPath: keyPath] = port
        }
        if let text = source.value("acme_dns_resolver")?.text {
            guard let address = ListenAddress(text) else { throw source.invalid("acme_dns_resolver", "'\(text)' is not host:port") }
            settings.dnsResolver = address
        }
        if let text = source.value("acme_validation_deny_cidrs")?.text {
            var ranges: [IPRange] = []
            for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
                do {
                    ranges.append(try IPRange(cidr: item))
                } catch {
                    throw source.invalid("acme_validation_deny_cidrs", error.message)
                }
            }
            settings.deny = ranges
        }
        return settings
    }

    /// `CERTCTL_LISTEN`, `CERTCTL_PKI_HTTP_LISTEN` and the public base URL derived from them.
    static func listeners(_ source: SettingsSource) throws -> (ListenAddress, ListenAddress?, String) {
        let listenText = source.value("listen")?.text ?? "127.0.0.1:8443"
        guard let listen = ListenAddress(listenText) else {
            throw source.invalid("listen", "'\(listenText)' is not host:port")
        }
        var pkiHTTPListen: ListenAddress?
        if let text = source.value("pki_http_listen")?.text {
            guard let parsed = ListenAddress(text) else { throw source.invalid("pki_http_listen", "'\(text)' is not host:port") }
            pkiHTTPListen = parsed
        }
        var publicBaseURL =
            source.value("public_base_url")?.text ?? pkiHTTPListen.map { Self.derivedBaseURL($0, scheme: "http") }
            ?? Self.derivedBaseURL(listen, scheme: "https")
        while publicBaseURL.hasSuffix("/") { publicBaseURL.removeLast() }
        guard let base = URL(string: publicBaseURL), ["http", "https"].contains(base.scheme ?? ""), base.host != nil else {
            throw source.invalid("public_base_url", "'\(publicBaseURL)' is not an http(s) URL")
        }
        return (listen, pkiHTTPListen, publicBaseURL)
    }

    /// CRL and OCSP timing, checked against each other.
    static func revocation(_ source: SettingsSource, dataDirectory: URL) throws -> RevocationSettings {
        var revocation = RevocationSettings(
            ocspResponderKeyDirectory: source.path("ocsp_responder_key_dir") ?? dataDirectory.appendingPathComponent("ocsp-keys"))
        revocation.crlGenerationInterval = try source.duration("crl_generation_interval", default: revocation.crlGenerationInterval)
        revocation.crlValidity = try source.duration("crl_validity", default: revocation.crlValidity)
        revocation.ocspResponderRotationGrace = try source.duration(
            "ocsp_responder_rotation_grace", default: revocation.ocspResponderRotationGrace)
        revocation.ocspResponderValidity = try source.duration("ocsp_responder_validity", default: revocation.ocspResponderValidity)
        revocation.ocspResponseValidity = try source.duration("ocsp_response_validity", default: revocation.ocspResponseValidity)
        if let text = source.value("ocsp_memory_cache")?.text {
            guard let mode = OCSPMemoryCacheMode(rawValue: text.lowercased()) else {
                throw source.invalid("ocsp_memory_cache", "'\(text)' is not one of auto, on, off")
            }
            revocation.ocspMemoryCache = mode
        }
        guard revocation.ocspResponderRotationGrace < revocation.ocspResponderValidity else {
            throw source.invalid("ocsp_responder_rotation_grace", "must be shorter than CERTCTL_OCSP_RESPONDER_VALIDITY")
        }
        guard revocation.crlGenerationInterval < revocation.crlValidity else {
            throw source.invalid(
                "crl_generation_interval", "must be shorter than CERTCTL_CRL_VALIDITY, or CRLs would expire before they are replaced")
        }
        return revocation
    }

    static func derivedBaseURL(_ listen: ListenAddress, scheme: String) -> String {
        let wildcard = ["0.0.0.0", "::", "*"].contains(listen.host)
        let host = wildcard ? "localhost" : listen.description.dropLast(String(listen.port).count + 1)
        return "\(scheme)://\(host):\(listen.port)"
    }

    static func parseDatabaseURL(_ text: String, key: String, base: URL) throws -> DatabaseLocation {
        guard let schemeEnd = text.range(of: "://") else {
            throw HostError.configuration("CERTCTL_DATABASE_URL (database_url): not a URL (expected sqlite://PATH)")
        }
        let scheme = text[..<schemeEnd.lowerBound]
        switch scheme {
        case "sqlite":
            let rest = String(text[schemeEnd.upperBound...])
            guard !rest.isEmpty else { throw HostError.configuration("CERTCTL_DATABASE_URL (database_url): sqlite:// needs a path") }
            return .sqlite(path: URL(fileURLWithPath: rest, relativeTo: base).standardizedFileURL.path)
        case "postgres", "postgresql":
            return .postgres(try parsePostgresURL(text, base: base))
        default:
            // The scheme only: the URL may hold a password.
            throw HostError.configuration(
                "CERTCTL_DATABASE_URL (database_url): unsupported scheme '\(scheme)' (supported: sqlite, postgres)")
        }
    }

    /// `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require|verify-full]
    /// [&sslrootcert=PATH]`; a relative `sslrootcert` resolves against `base`. Errors never repeat the
    /// URL (it may hold a password).
    static func parsePostgresURL(_ text: String, base: URL? = nil) throws -> PostgresLocation {
        func invalid(_ why: String) -> HostError { HostError.configuration("CERTCTL_DATABASE_URL (database_url): \(why)") }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw invalid("not a postgres://user:password@host:port/database URL")
        }
        guard let username = components.user, !username.isEmpty else { throw invalid("the postgres URL names no user") }
        let database = String(components.path.dropFirst())
        guard !database.isEmpty, !database.contains("/") else { throw invalid("the postgres URL names no database (…/DBNAME)") }
        var tls = PostgresLocation.TLSMode.prefer
        var rootCertificateFile: String?
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(PostgresLocation.TLSMode.init(rawValue:)) else {
                    throw invalid("sslmode must be disable, prefer, require or verify-full")
                }
                tls = mode
            case "sslrootcert":
                guard let path = item.value, !path.isEmpty else { throw invalid("sslrootcert needs a file path") }
                let file = URL(fileURLWithPath: path, relativeTo: base).standardizedFileURL.path
                guard FileManager.default.isReadableFile(atPath: file) else { throw invalid("sslrootcert \(file) cannot be read") }
                rootCertificateFile = file
            default:
                throw invalid("unknown postgres URL parameter '\(item.name)' (known: sslmode, sslrootcert)")
            }
        }
        if rootCertificateFile != nil, tls == .disable || tls == .prefer {
            throw invalid("sslrootcert needs sslmode=require or verify-full (prefer does not verify the server)")
        }
        return PostgresLocation(
            host: host, port: components.port ?? 5432, username: username.removingPercentEncoding ?? username,
            password: components.password.map { $0.removingPercentEncoding ?? $0 }, database: database, tls: tls,
            rootCertificateFile: rootCertificateFile)
    }
}
