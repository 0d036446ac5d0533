import ConnectorAPI
import ConnectorSupport
import Foundation

/// `type: local` settings (paths relative to the configuration file's directory).
struct LocalCAOptions: Decodable {
    /// `key_file`: PEM private key, mode 0600.
    var keyFile: URL
    /// `cert_file`: PEM CA certificate, followed by its parents for a subordinate.
    var certFile: URL
    /// `key_type`: the key `ca init` generates when `key_file` is missing (default `ecdsa-p256`).
    var keyType: KeyType?
}
