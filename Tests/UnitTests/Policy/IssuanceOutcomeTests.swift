import ConnectorAPI
import Crypto
import Foundation
import IssuingKit
import Logging
import SwiftASN1
import Testing
import X509

@testable import Host

/// What the host does with a connector's answer: lint findings and upstream mismatches are
/// refusals with their own status and audit row, and nothing is stored.
@Suite struct IssuanceOutcomeTests {
    /// A passthrough connector whose answer the test decides.
    struct ScriptedConnector: IssuerConnector {
        let answer: @Sendable (IssueRequest) async throws -> IssueResponse
        var capabilities: ConnectorCapabilities { ConnectorCapabilities(revoke: false) }
        func caChain() async throws -> [Certificate] { [] }
        func issue(_ request: IssueRequest) async throws -> IssueResponse { try await answer(request) }
        func revoke(_ request: RevokeRequest) async throws {}
    }

    let storage = MemoryStorage()
    let ca: SignerBackedIssuer

    init() async throws {
        let (certificate, signer) = try await TestPKI.root()
        ca = try SignerBackedIssuer(caCertificate: certificate, signer: signer)
    }

    func service(_ answer: @escaping @Sendable (IssueRequest) async throws -> IssueResponse, maxValidity: Int64 = 90 * 86_400)
        throws -> CertificateService
    {
        let settings = IssuerSettings(
            id: "iss-up", type: "scripted", maxValiditySeconds: maxValidity, defaultValiditySeconds: 30 * 86_400,
            options: ConnectorOptions([:], baseDirectory: URL(fileURLWithPath: "/"), issuerID: "iss-up"))
        let directory = IssuerDirectory([try LoadedIssuer(settings: settings, connector: ScriptedConnector(answer: answer))])
        return CertificateService(storage: storage, issuers: directory, publicBaseURL: "https://pki.test")
    }

    func issue(_ service: CertificateService, sans: [GeneralName] = [.dnsName("app.example.test")]) async throws -> HostError? {
        let csr = try TestPKI.pem(try TestPKI.csr(sans: sans))
        return await #expect(throws: HostError.self) {
            try await service.issue(IssuanceRequest(csrPEM: csr), by: Requester(actor: "apikey:t", profiles: []))
        }
    }

    /// Signs what the request asks, then lets `change` alter the request first.
    func signed(_ change: @escaping @Sendable (inout IssueRequest) -> Void) -> @Sendable (IssueRequest) async throws -> IssueResponse {
        { [ca] request in
            var request = request
            change(&request)
            return try await ca.issue(request)
        }
    }

    @Test func anExtraNameIsA502AndNothingIsStored() async throws {
        let error = try await issue(try service(signed { $0.subjectAlternativeNames.append(.dnsName("extra.example.test")) }))
        #expect(error?.code == .badGateway)
        #expect(
            error?.message
                == "extra.example.test: issuer iss-up returned a certificate naming something that was not requested; it was not stored")
        #expect(try await storage.certificates(CertificateQuery(limit: 5, now: Date())).isEmpty)
        let audit = try #require(try await storage.auditEvents(limit: 1, beforeSeq: nil).first)
        #expect(audit.action == "cert_upstream_mismatch" && audit.detail["rule"] == "upstream_mismatch")
    }

    @Test func anotherKeyOrATooLongValidityIsA502() async throws {
        let otherKey = try TestPKI.csr(key: Certificate.PrivateKey(P256.Signing.PrivateKey()))
        #expect(try await issue(try service(signed { $0.csr = otherKey }))?.message.contains("for a different public key") == true)
        let long = try await issue(try service(signed { $0.notAfter = Date().addingTimeInterval(20 * 86_400) }, maxValidity: 10 * 86_400))
        #expect(long?.message.contains("valid longer than profile default's 10 days") == true)
        #expect(try await storage.certificates(CertificateQuery(limit: 5, now: Date())).isEmpty)
    }

    @Test func aMatchingAnswerIsStoredWithProfileAndRequester() async throws {
        let record = try await service(signed { _ in }).issue(
            IssuanceRequest(csrPEM: try TestPKI.pem(try TestPKI.csr())), by: Requester(actor: "apikey:t", profiles: []))
        #expect(record.profile == "default" && record.requestedBy == "apikey:t")
    }

    @Test func aLintFindingIsA500NamingTheRuleAndIsAudited() async throws {
        let error = try await issue(service { _ in throw ConnectorError(.preIssuanceCheckFailed, "pre-issuance check serial: too long") })
        #expect(error?.code == .preIssuanceCheck)
        #expect(error?.problem.status == 500)
        #expect(error?.problem.detail == "issuer iss-up: pre-issuance check serial: too long; nothing was signed")
        let audit = try #require(try await storage.auditEvents(limit: 1, beforeSeq: nil).first)
        #expect(audit.action == "cert_issue_lint_failed")
        #expect(try await storage.certificates(CertificateQuery(limit: 5, now: Date())).isEmpty)
    }
}
