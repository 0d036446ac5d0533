import ConnectorAPI
import Foundation
import SwiftASN1
import X509

/// A plugin that is a CA of its own (`issue`, optionally `revoke`): CSRs and revocations pass
/// through; the plugin's CA publishes its own revocation information, so the host serves no CRL or
/// OCSP for it (as for a remote ACME CA).
public struct ExternalIssuingConnector: SupervisedPluginConnector {
    /// The issuer id, for error messages.
    let id: String
    /// `revoke` when the plugin declares it in its handshake.
    public var capabilities: ConnectorCapabilities { ConnectorCapabilities(revoke: handshake.capabilities.contains("revoke")) }
    let supervisor: PluginSupervisor
    let handshake: PluginProtocol.Handshake
    let chain: [Certificate]

    public func caChain() async throws -> [Certificate] { chain }

    public func issue(_ request: IssueRequest) async throws -> IssueResponse {
        try await Self.issue(request, supervisor: supervisor)
    }

    /// `issue` on the plugin: the certificate must parse and carry the CSR's key (the host checks
    /// names and validity against the policy afterwards). A refused answer is a 502, logged once.
    static func issue(_ request: IssueRequest, supervisor: PluginSupervisor) async throws -> IssueResponse {
        let urls = request.publicationURLs
        let params = PluginProtocol.IssueParams(
            csrPem: try request.csr.serializeAsPEM().pemString + "\n",
            notBefore: Self.rfc3339(request.notBefore),
            notAfter: Self.rfc3339(request.notAfter),
            publicationUrls: .init(caIssuers: urls.caIssuers, ocsp: urls.ocsp, crl: urls.crlDistributionPoint)
        )
        let result = try await supervisor.call("issue", params, as: PluginProtocol.IssueResult.self)
        guard let (certificate, chain) = certificates(in: result, issuerID: supervisor.issuerID) else {
            throw await supervisor.refusedAnswer("issue", "the plugin's issue result holds no valid PEM certificate")
        }
        guard certificate.publicKey == request.csr.publicKey else {
            throw await supervisor.refusedAnswer("issue", "the plugin returned a certificate for a different key than the CSR's")
        }
        return IssueResponse(certificate: certificate, chain: chain)
    }

    /// The certificate and chain of an `issue` result; `nil` when either is not PEM certificates.
    static func certificates(in result: PluginProtocol.IssueResult, issuerID: String) -> (Certificate, [Certificate])? {
        guard let certificate = try? Certificate(pemEncoded: result.certificatePem),
            let chain = try? ExternalConnector.parseChain(result.chainPem ?? "", issuerID: issuerID)
        else { return nil }
        return (certificate, chain)
    }

    public func revoke(_ request: RevokeRequest) async throws {
        guard handshake.capabilities.contains("revoke") else {
            throw ConnectorError(.unsupported, "issuer \(id): the plugin does not revoke")
        }
        var serial = Array(request.certificate.serialNumber.bytes)
        while serial.count > 1 && serial[0] == 0 { serial.removeFirst() }
        let params = PluginProtocol.RevokeParams(
            certificatePem: try request.certificate.serializeAsPEM().pemString + "\n",
            serial: serial.map { String(format: "%02x", $0) }.joined(),
            reason: request.reason.name,
            reasonCode: request.reason.rawValue,
            revokedAt: Self.rfc3339(request.revokedAt)
        )
        _ = try await supervisor.call("revoke", params, as: PluginProtocol.Empty.self)
    }

    static func rfc3339(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = .gmt
        return date.formatted(style)
    }
}
