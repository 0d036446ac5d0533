import ConnectorAPI

/// An RFC 7807 problem document from an ACME server (RFC 8555 §6.7).
struct ACMEProblem: Decodable, Sendable, Error {
    var type: String?
    var detail: String?
    var status: Int?

    static let prefix = "urn:ietf:params:acme:error:"

    /// The ACME error name without the URN prefix, e.g. `badNonce`.
    var name: String {
        guard let type else { return "unknown" }
        return type.hasPrefix(Self.prefix) ? String(type.dropFirst(Self.prefix.count)) : type
    }

    var summary: String {
        if let detail, !detail.isEmpty { return "\(name): \(detail)" }
        return name
    }

    /// The host-facing classification: the CA's verdict on the request (422) versus the CA being
    /// unable to answer (502/503).
    func connectorError(_ context: String) -> ConnectorError {
        let message = "\(context): the ACME server answered \(summary)"
        switch name {
        case "rateLimited":
            return ConnectorError(.unavailable, message)
        case "serverInternal":
            return ConnectorError(.upstreamFailure, message)
        case "badNonce", "badSignatureAlgorithm", "badPublicKey", "accountDoesNotExist":
            return ConnectorError(.upstreamFailure, message)
        default:
            if let status, status >= 500 { return ConnectorError(.upstreamFailure, message) }
            return ConnectorError(.rejected, message)
        }
    }
}
