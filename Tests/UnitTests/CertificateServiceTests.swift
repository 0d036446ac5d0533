import ConnectorAPI
import Foundation
import LocalCAConnector
import Logging
import SwiftASN1
import Testing
import X509

@testable import Host

/// The host's issuing path against a real `local` connector and the in-memory storage.
@Suite struct CertificateServiceTests {
    let storage: MemoryStorage
    let service: CertificateService
    let directory: URL

    init() async throws {
        directory = try TestStorage.directory()
        storage = MemoryStorage()
        var registry = ConnectorRegistry()
        registry.register(LocalCAConnector.self)
        let configuration = try HostConfiguration.development(directory)
        let issuers = try await HostRuntime.loadIssuers(configuration, registry: registry, storage: storage, logger: Logger(label: "test"))
        service = CertificateService(storage: storage, issuers: issuers, publicBaseURL: "https://pki.test")
    }

    @Test func issueStoresTheCertificateWithItsAuditRow() async throws {
        let record = try await service.issue(
            IssuanceRequest(csrPEM: try TestPKI.pem(try TestPKI.csr()), issuerID: "iss-local", validityDays: 7),
            by: Requester(actor: "apikey:x", profiles: []))
        let certificate = try Certificate(pemEncoded: record.certificatePEM)
        #expect(record.serial == certificate.serialNumber.hexString)
        #expect(record.sans == ["DNS:app.example.test"])
        #expect(record.subject == "CN=app.example.test")
        #expect(abs(record.notAfter.timeIntervalSinceNow - 7 * 86_400) < 120)
        #expect(try await service.certificate(id: record.id) == record)
        let audit = try #require(try await storage.auditEvents(limit: 1, beforeSeq: nil).first)
        #expect(audit.action == "cert_issued")
        #expect(audit.actor == "apikey:x")
        #expect(audit.target == "certificate:\(record.id)")
        #expect(audit.detail["serial"] == record.serial)
    }

    @Test func refusedRequestsChangeNothing() async throws {
        let before = try await storage.auditEvents(limit: 100, beforeSeq: nil).count
        let csr = try TestPKI.pem(try TestPKI.csr())
        let cases: [(String, String, Int?, HostError.Code, String)] = [
            ("nope", csr, nil, .unprocessable, "nope: unknown issuer_id"),
            ("iss-local", "junk", nil, .badRequest, "csr_pem is not a PEM document"),
            ("iss-local", csr, 398, .unprocessable, "validity_days 398: over the maximum of 397 days (profile default, issuer iss-local)"),
            ("iss-local", csr, 0, .badRequest, "validity_days must be a positive integer"),
        ]
        for (issuer, pem, days, code, message) in cases {
            let error = await #expect(throws: HostError.self) {
                try await service.issue(
                    IssuanceRequest(csrPEM: pem, issuerID: issuer, validityDays: days), by: Requester(actor: "t", profiles: []))
            }
            #expect(error?.code == code)
            #expect(error?.message == message)
        }
        #expect(try await storage.certificates(CertificateQuery(limit: 10, now: Date())).isEmpty)
        // Policy refusals (the unknown issuer, the validity) are audited; malformed input is not.
        let rows = try await storage.auditEvents(limit: 100, beforeSeq: nil)
        #expect(rows.count == before + 2)
        #expect(rows.prefix(2).map(\.action) == ["cert_issue_denied", "cert_issue_denied"])
        #expect(rows.prefix(2).map { $0.detail["rule"] } == ["validity", "unknown_issuer"])
    }

    @Test func revokeOnceThenConflict() async throws {
        let record = try await service.issue(
            IssuanceRequest(csrPEM: try TestPKI.pem(try TestPKI.csr()), issuerID: "iss-local"), by: Requester(actor: "t", profiles: []))
        await #expect(throws: HostError.self) { try await service.revoke(id: record.id, reason: .certificateHold, actor: "t") }
        let revoked = try await service.revoke(id: record.id, reason: .keyCompromise, actor: "t")
        #expect(revoked.status(at: Date()) == .revoked)
        #expect(revoked.revocationReason == .keyCompromise)
        let error = await #expect(throws: HostError.self) { try await service.revoke(id: record.id, reason: .keyCompromise, actor: "t") }
        #expect(error?.code == .conflict)
        let missing = await #expect(throws: HostError.self) { try await service.revoke(id: "missing", reason: .keyCompromise, actor: "t") }
        #expect(missing?.code == .notFound)
    }

    @Test func bootstrappedIssuerIsReusedNotRecreated() async throws {
        var registry = ConnectorRegistry()
        registry.register(LocalCAConnector.self)
        let configuration = try HostConfiguration.development(directory)
        let first = try await HostRuntime.loadIssuers(configuration, registry: registry, storage: storage, logger: Logger(label: "test"))
        let second = try await HostRuntime.loadIssuers(configuration, registry: registry, storage: storage, logger: Logger(label: "test"))
        #expect(first["iss-local"]?.signing?.caCertificate == second["iss-local"]?.signing?.caCertificate)
        let keyFile = directory.appendingPathComponent("ca/iss-local.key").path
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
