import ConnectorAPI
import Foundation

extension PluginProtocol.Handshake {
    /// The capabilities this host knows; others are ignored (with a warning).
    static let knownCapabilities: Set<String> = ["issue", "revoke", "health", "sign"]

    /// The plugin's first line as a handshake this host can use: a protocol version it speaks, and
    /// `issue` or `sign` among the capabilities.
    /// - Throws: ``ConnectorError`` `upstreamFailure` (HTTP 502) naming what is wrong.
    static func checked(_ line: Data, issuerID: String) throws(ConnectorError) -> Self {
        guard let greeting = try? PluginProtocol.decoder.decode(Self.self, from: line) else {
            throw ConnectorError(
                .upstreamFailure,
                "issuer \(issuerID): the plugin's first line is not a certctl handshake: \(PluginProcess.preview(line)) (see docs/connectors/external-protocol.md)"
            )
        }
        let version = greeting.certctlPlugin.protocol
        guard PluginProtocol.supportedVersions.contains(version) else {
            throw ConnectorError(
                .upstreamFailure,
                "issuer \(issuerID): the plugin speaks protocol version \(version); this certctl speaks \(PluginProtocol.supportedVersions.map(String.init).joined(separator: ", "))"
            )
        }
        guard greeting.capabilities.contains("issue") || greeting.capabilities.contains("sign") else {
            throw ConnectorError(.upstreamFailure, "issuer \(issuerID): the plugin declares neither 'issue' nor 'sign'")
        }
        return greeting
    }

    /// Declared capabilities this host does not know, sorted.
    var unknownCapabilities: [String] { capabilities.subtracting(Self.knownCapabilities).sorted() }
}

extension PluginProtocol {
    /// A response line's result, or the plugin's JSON-RPC error as a ``ConnectorError``.
    /// - Throws: the error's mapping (``RPCError/connectorError(issuerID:method:)``), or
    ///   `upstreamFailure` (HTTP 502) for a line that is neither an error nor a `Result`.
    static func result<Result: Decodable>(of line: Data, method: String, issuerID: String, as type: Result.Type) throws -> Result {
        if let error = (try? decoder.decode(Envelope.self, from: line))?.error {
            throw error.connectorError(issuerID: issuerID, method: method)
        }
        guard let response = try? decoder.decode(Response<Result>.self, from: line) else {
            throw ConnectorError(
                .upstreamFailure, "issuer \(issuerID): plugin answered \(method) with an invalid result: \(PluginProcess.preview(line))")
        }
        return response.result
    }
}
