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
    /// Issuers from the config file (empty: bootstrap `iss-local`).
    public var issuers: [IssuerSettings]
}

/// Where the host keeps its state.
public enum DatabaseLocation: Sendable, Hashable {
    case sqlite(path: String)
}

/// One configured issuer: the keys every issuer has, plus the connector's own options.
public struct IssuerSettings: Sendable {
    public var id: String
    public var type: String
    /// Longest validity a request may ask for (`max_validity`, default `397d`).
    public var maxValiditySeconds: Int64
    /// Validity when a request does not say (`default_validity`, default `90d`, capped at the max).
    public var defaultValiditySeconds: Int64
    public var options: ConnectorOptions

    public static let defaultMaxValiditySeconds: Int64 = 397 * 86_400
    public static let defaultValiditySeconds: Int64 = 90 * 86_400

    /// The connector's view of this issuer.
    public func connectorConfiguration(dataDirectory: URL) -> IssuerConfiguration {
        IssuerConfiguration(id: id, type: type, options: options, dataDirectory: dataDirectory)
    }
}
