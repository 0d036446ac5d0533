import ConnectorAPI
import Foundation

/// certctl's external connector protocol, version 1 (`docs/connectors/external-protocol.md`):
/// a handshake line, then JSON-RPC 2.0, one message per line, over the plugin's stdin/stdout.
enum PluginProtocol {
    /// Protocol versions this host speaks, offered to the plugin in `CERTCTL_PLUGIN_PROTOCOLS`.
    static let supportedVersions = [1]
    /// Longest accepted line from a plugin.
    static let maxLineBytes = 4 << 20

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return decoder
    }()

    /// The plugin's first stdout line: `{"certctl_plugin": {"protocol": 1, "name": …, "capabilities": […]}}`.
    struct Handshake: Decodable, Sendable, Equatable {
        struct Body: Decodable, Sendable, Equatable {
            var `protocol`: Int
            var name: String?
            var capabilities: [String]
        }
        var certctlPlugin: Body

        var capabilities: Set<String> { Set(certctlPlugin.capabilities) }
    }

    struct Request<Params: Encodable>: Encodable {
        var jsonrpc = "2.0"
        var id: Int
        var method: String
        var params: Params
    }

    /// Just enough of a response to route it and see whether it failed.
    struct Envelope: Decodable {
        var id: Int?
        var error: RPCError?
    }

    struct Response<Result: Decodable>: Decodable {
        var result: Result
    }

    /// A JSON-RPC error object; `code` 1–3 are certctl's (rejected, unavailable, upstream failure).
    struct RPCError: Decodable, Sendable {
        var code: Int
        var message: String

        func connectorError(issuerID: String, method: String) -> ConnectorError {
            let text = "issuer \(issuerID): plugin \(method) failed: \(message)"
            switch code {
            case 1: return ConnectorError(.rejected, text)
            case 2: return ConnectorError(.unavailable, text)
            case -32601: return ConnectorError(.unsupported, "issuer \(issuerID): plugin does not implement \(method)")
            default: return ConnectorError(.upstreamFailure, text)
            }
        }
    }

    struct Empty: Codable, Sendable {}

    struct DescribeResult: Decodable, Sendable {
        var caChainPem: String?
    }

    struct IssueParams: Encodable, Sendable {
        struct URLs: Encodable, Sendable {
            var caIssuers: String?
            var ocsp: String?
            var crl: String?
        }
        var csrPem: String
        var notBefore: String
        var notAfter: String
        var publicationUrls: URLs
    }

    struct IssueResult: Decodable, Sendable {
        var certificatePem: String
        var chainPem: String?
    }

    struct RevokeParams: Encodable, Sendable {
        var certificatePem: String
        var serial: String
        var reason: String
        var reasonCode: Int
        var revokedAt: String
    }

    struct HealthResult: Decodable, Sendable {
        var ok: Bool
        var problem: String?
    }

    struct SignParams: Encodable, Sendable {
        /// `ecdsa-with-SHA256`, `ecdsa-with-SHA384` or `sha256WithRSAEncryption`.
        var algorithm: String
        /// Base64 of the digest to sign (the host hashes).
        var digest: String
    }

    struct SignResult: Decodable, Sendable {
        /// Base64 of a DER ECDSA-Sig-Value, or of the PKCS#1 v1.5 signature block.
        var signature: String
    }
}
