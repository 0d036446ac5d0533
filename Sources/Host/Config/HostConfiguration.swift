import ConnectorAPI
import Foundation
import Logging

/// The host's settings after env vars, the YAML file and defaults have been merged and validated.
public struct HostConfiguration: Sendable {
    /// The config file, when one was given.
    public var configFile: URL?
    /// `CERTCTL_DATA_DIR`: database, bootstrapped keys and certificates.
    public var dataDirectory: URL
    /// `CERTCTL_LISTEN`: the HTTPS listener.
    public var listen: ListenAddress
    /// `CERTCTL_PUBLIC_BASE_URL`, without a trailing slash.
    public var publicBaseURL: String
    /// `CERTCTL_TLS_CERT_FILE` / `CERTCTL_TLS_KEY_FILE`; `nil` uses the bootstrapped dev certificate.
    public var tlsCertificateFile: URL?
    public var tlsKeyFile: URL?
    /// `CERTCTL_DATABASE_URL`.
    public var database: DatabaseLocation
    /// `CERTCTL_MAX_BODY_SIZE` in bytes.
    public var maxBodySize: Int
    /// `CERTCTL_LOG_LEVEL`.
    public var logLevel: Logger.Level
    /// Issuers from the config file (empty: the ``developmentIssuer``).
    public var issuers: [IssuerSettings]
    /// `profiles:` from the config file; `nil` (none) is development mode (SPEC §7).
    public var profiles: [IssuanceProfile]?
    /// The issuer bootstrapped when the config file names none (SPEC: `iss-local`, a self-signed
    /// root under `<data_dir>/ca/`). Its connector type and keys are the executable's business, so
    /// the executable sets this after loading; the host only bootstraps and serves it.
    public var developmentIssuer: IssuerSettings?
    /// `CERTCTL_PKI_HTTP_LISTEN`: optional plain-HTTP listener for `/.well-known/pki/*` only.
    public var pkiHTTPListen: ListenAddress?
    /// CRL and OCSP timing.
    public var revocation: RevocationSettings
    /// Per-IP OCSP, per-key export and per-key issuance limits.
    public var limits: RateLimitSettings
    /// The ACME server's validator (`CERTCTL_ACME_HTTP01_PORT`, `CERTCTL_ACME_DNS_RESOLVER`, …).
    public var acmeValidation = ACMEValidationSettings()
    /// Listener limits (SPEC §10).
    public var edge = EdgeSettings()
}

extension HostConfiguration {
    /// The issuers this host serves: the configured ones, else the development issuer.
    public var effectiveIssuers: [IssuerSettings] {
        issuers.isEmpty ? developmentIssuer.map { [$0] } ?? [] : issuers
    }

    /// The TLS certificate and key files: the configured ones, or the bootstrapped development pair.
    var tlsFiles: (certificate: URL, key: URL) {
        if let certificate = tlsCertificateFile, let key = tlsKeyFile { return (certificate, key) }
        let dev = TLSBootstrap(dataDirectory: dataDirectory)
        return (dev.certificateFile, dev.keyFile)
    }
}

/// CRL and OCSP settings (SPEC §3), all durations in seconds.
public struct RevocationSettings: Sendable, Hashable {
    /// `CERTCTL_CRL_GENERATION_INTERVAL`: how often each CRL is re-signed.
    public var crlGenerationInterval: Int64 = 3_600
    /// `CERTCTL_CRL_VALIDITY`: nextUpdate − thisUpdate.
    public var crlValidity: Int64 = 86_400
    /// `CERTCTL_OCSP_RESPONDER_KEY_DIR`: responder keys, one 0600 file per issuer.
    public var ocspResponderKeyDirectory: URL
    /// `CERTCTL_OCSP_RESPONDER_ROTATION_GRACE`: a responder certificate is replaced this long before it expires.
    public var ocspResponderRotationGrace: Int64 = 7 * 86_400
    /// `CERTCTL_OCSP_RESPONDER_VALIDITY`: lifetime of a responder certificate.
    public var ocspResponderValidity: Int64 = 30 * 86_400
    /// `CERTCTL_OCSP_RESPONSE_VALIDITY`: nextUpdate − thisUpdate of OCSP responses.
    public var ocspResponseValidity: Int64 = 3_600
    /// `CERTCTL_OCSP_MEMORY_CACHE`: whether OCSP answers are also kept in this process's memory.
    public var ocspMemoryCache: OCSPMemoryCacheMode = .auto

    public init(ocspResponderKeyDirectory: URL) {
        self.ocspResponderKeyDirectory = ocspResponderKeyDirectory
    }
}

/// `CERTCTL_OCSP_MEMORY_CACHE`: whether an instance keeps OCSP answers in memory and answers
/// repeats without the database (see docs/crl-ocsp.md).
public enum OCSPMemoryCacheMode: String, Sendable, Hashable, CaseIterable {
    /// On, and exact: on PostgreSQL, shared by several instances, an answer from memory first waits
    /// for a read of the database's change counter (``OCSPEpochGate``).
    case auto
    /// On, without that read on PostgreSQL: for a single instance, or when a revocation made
    /// through another instance may be answered `good` here for up to
    /// ``OCSPMemoryCache/localRevalidation``.
    case on
    case off

    /// How the memory cache is used with `database`.
    enum Use: Equatable {
        case none
        /// Every change goes through this process, or the operator accepts the delay.
        case local
        /// Checked against the shared database's change counter before each use.
        case gated
    }

    func use(for database: DatabaseLocation) -> Use {
        switch self {
        case .on: .local
        case .off: .none
        case .auto:
            if case .sqlite = database { .local } else { .gated }
        }
    }
}

/// Rate limits (SPEC §5); 0 disables a limit.
public struct RateLimitSettings: Sendable, Hashable {
    /// `CERTCTL_OCSP_RATE_LIMIT_PER_IP_MIN`: OCSP requests per source IP per minute.
    public var ocspPerIPPerMinute: Int = 1_000
    /// `CERTCTL_CERT_EXPORT_RATE_LIMIT_PER_ACTOR_HR`: PEM + PKCS#12 exports per API key per hour.
    public var exportsPerActorPerHour: Int = 50
    /// `CERTCTL_ISSUANCE_RATE_LIMIT_PER_KEY_MIN`: issuances per requester per minute (a profile's
    /// `issuance_rate_limit_per_key_min` overrides it).
    public var issuancesPerKeyPerMinute: Int = 600

    public init() {}
}

/// Where the host keeps its state.
public enum DatabaseLocation: Sendable, Hashable {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    /// For messages: the location without any password.
    public var redacted: String {
        switch self {
        case .sqlite(let path): "sqlite://\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A parsed `postgres://user:password@host:port/database?sslmode=…` URL. `description` never
/// shows the password.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        /// Plain TCP.
        case disable
        /// TLS when the server offers it, without certificate verification (libpq's default).
        case prefer
        /// TLS required, the server certificate verified (chain and host name) against
        /// `sslrootcert` or the system trust store — as strict as libpq's `verify-full`.
        case require
        /// libpq's name for what `require` does here: TLS, chain and host name verified.
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var tls: TLSMode
    /// `sslrootcert=PATH`: the CA certificates (PEM) the server's certificate must chain to,
    /// instead of the system trust store.
    public var rootCertificateFile: String?

    public var description: String {
        "postgres://\(username)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)"
            + (rootCertificateFile.map { "&sslrootcert=\($0)" } ?? "")
    }
}

/// One configured issuer: the keys every issuer has, plus the connector's own options.
public struct IssuerSettings: Sendable, Hashable {
    public var id: String
    public var type: String
    /// Longest validity a request may ask for (`max_validity`, default `397d`).
    public var maxValiditySeconds: Int64
    /// Validity when a request does not say (`default_validity`, default `90d`, capped at the max).
    public var defaultValiditySeconds: Int64
    public var options: ConnectorOptions

    public static let defaultMaxValiditySeconds: Int64 = 397 * 86_400
    public static let defaultValiditySeconds: Int64 = 90 * 86_400

    /// An issuer with the default validity limits (for issuers the executable defines).
    public init(id: String, type: String, options: ConnectorOptions) {
        self.init(
            id: id, type: type, maxValiditySeconds: Self.defaultMaxValiditySeconds, defaultValiditySeconds: Self.defaultValiditySeconds,
            options: options)
    }

    public init(id: String, type: String, maxValiditySeconds: Int64, defaultValiditySeconds: Int64, options: ConnectorOptions) {
        self.id = id
        self.type = type
        self.maxValiditySeconds = maxValiditySeconds
        self.defaultValiditySeconds = defaultValiditySeconds
        self.options = options
    }

    /// The connector's view of this issuer.
    public func connectorConfiguration(dataDirectory: URL, services: ConnectorServices = ConnectorServices()) -> IssuerConfiguration {
        IssuerConfiguration(id: id, type: type, options: options, dataDirectory: dataDirectory, services: services)
    }
}
