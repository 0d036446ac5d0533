import ConnectorAPI
import Foundation
import IssuingKit
import Logging
import SwiftASN1
import Synchronization
import Testing
import X509

@testable import Host

/// A signing connector whose signer can be made to fail.
struct FlakySigningConnector: CASigningConnector {
    struct Signer: CASigner {
        let inner: SoftwareSigner
        let failing: FailSwitch
        var publicKey: Certificate.PublicKey { inner.publicKey }
        var signatureAlgorithm: Certificate.SignatureAlgorithm { inner.signatureAlgorithm }
        func sign(_ bytes: [UInt8]) async throws -> [UInt8] {
            if failing.on { throw ConnectorError(.unavailable, "signer offline") }
            return try await inner.sign(bytes)
        }
    }

    final class FailSwitch: Sendable {
        private let state = Mutex(false)
        var on: Bool {
            get { state.withLock { $0 } }
            set { state.withLock { $0 = newValue } }
        }
    }

    var capabilities: ConnectorCapabilities { ConnectorCapabilities(revoke: true) }
    let caCertificate: Certificate
    let signer: any CASigner
    func caChain() async throws -> [Certificate] { [caCertificate] }
    func issue(_ request: IssueRequest) async throws -> IssueResponse { throw ConnectorError(.unsupported, "not here") }
    func revoke(_ request: RevokeRequest) async throws {}

    static func make() async throws -> (FlakySigningConnector, FailSwitch) {
        let (root, signer) = try await TestPKI.root()
        let failing = FailSwitch()
        return (FlakySigningConnector(caCertificate: root, signer: Signer(inner: signer, failing: failing)), failing)
    }
}

@Suite struct RevocationServiceTests {
    let storage = MemoryStorage()
    let directory: URL
    let issuers: IssuerDirectory
    let failing: FlakySigningConnector.FailSwitch
    let metrics = HostMetrics()
    let settings: RevocationSettings

    init() async throws {
        directory = try TestStorage.directory()
        let (connector, failing) = try await FlakySigningConnector.make()
        self.failing = failing
        let issuerSettings = IssuerSettings(
            id: "iss-test", type: "test", maxValiditySeconds: 86_400, defaultValiditySeconds: 86_400,
            options: ConnectorOptions([:], baseDirectory: directory, issuerID: "iss-test")
        )
        issuers = IssuerDirectory([try LoadedIssuer(settings: issuerSettings, connector: connector)])
        settings = RevocationSettings(ocspResponderKeyDirectory: directory.appendingPathComponent("ocsp-keys"))
    }

    func crlService(now: @escaping @Sendable () -> Date = Date.init) -> CRLService {
        CRLService(storage: storage, issuers: issuers, settings: settings, metrics: metrics, logger: Logger(label: "test"), now: now)
    }

    @Test func generationFailuresAreCountedAndRecordedAndNumbersAreNotReused() async throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let crl = crlService(now: { start })
        let first = try await crl.current(issuerID: "iss-test")
        #expect(first.number == 1_800_000_000_000, "the first number is the time in milliseconds")
        failing.on = true
        await #expect(throws: ConnectorError.self) { try await crl.regenerate(issuers["iss-test"]!, fresh: true) }
        failing.on = false
        let third = try await crl.regenerate(issuers["iss-test"]!, fresh: true)
        #expect(third.number == first.number + 2, "the number allocated for the failed attempt is skipped, never reused")
        let events = try await storage.crlEvents(issuerID: "iss-test", limit: 10)
        #expect(events.map(\.succeeded) == [true, false, true])
        let exposition = String(decoding: metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains("certctl_crl_counter_total{label=\"generation_failed\"} 1"))
        #expect(exposition.contains("certctl_crl_counter_total{label=\"generated\"} 2"))
    }

    @Test func expiredCertificatesDropOffTheCRL() async throws {
        func record(_ n: Int, notAfter: Date) -> CertificateRecord {
            CertificateRecord(
                seq: 0, id: "c\(n)", issuerID: "iss-test", serial: String(format: "%02x", n), subject: "CN=\(n)", sans: [],
                notBefore: Date(timeIntervalSince1970: 0), notAfter: notAfter, revokedAt: nil, revocationReason: nil,
                certificatePEM: "", chainPEM: "", createdAt: Date(), requestedBy: "t"
            )
        }
        let audit = AuditEntry(occurredAt: Date(), actor: "t", action: "x", target: "t")
        _ = try await storage.insertCertificate(record(1, notAfter: Date().addingTimeInterval(-60)), audit: audit)
        _ = try await storage.insertCertificate(record(2, notAfter: Date().addingTimeInterval(86_400)), audit: audit)
        for id in ["c1", "c2"] { _ = try await storage.revokeCertificate(id: id, at: Date(), reason: .superseded, audit: audit) }
        let crl = try await crlService().current(issuerID: "iss-test")
        #expect(crl.revokedCount == 1)
        let entries = try await storage.revokedEntries(issuerID: "iss-test", notExpiredAt: Date())
        #expect(entries.count == 1 && entries.der.starts(with: [0x30]) && entries.der.dropFirst(2).starts(with: [0x02, 0x01, 0x02]))
    }

    @Test func unknownIssuersHaveNoCRL() async throws {
        let error = await #expect(throws: HostError.self) { try await crlService().current(issuerID: "nope") }
        #expect(error?.code == .notFound)
    }

    @Test func issuersWithoutASignerHaveNoCRLAndNoOCSP() async throws {
        struct RemoteConnector: IssuerConnector {
            let chain: [Certificate]
            var capabilities: ConnectorCapabilities { ConnectorCapabilities(revoke: true) }
            func caChain() async throws -> [Certificate] { chain }
            func issue(_ request: IssueRequest) async throws -> IssueResponse { throw ConnectorError(.unsupported, "no") }
            func revoke(_ request: RevokeRequest) async throws {}
        }
        let (root, _) = try await TestPKI.root()
        let settings = IssuerSettings(
            id: "iss-remote", type: "remote", maxValiditySeconds: 86_400, defaultValiditySeconds: 86_400,
            options: ConnectorOptions([:], baseDirectory: directory, issuerID: "iss-remote")
        )
        let remote = IssuerDirectory([try LoadedIssuer(settings: settings, connector: RemoteConnector(chain: [root]))])
        let crl = CRLService(storage: storage, issuers: remote, settings: self.settings, metrics: metrics, logger: Logger(label: "test"))
        let error = await #expect(throws: HostError.self) { try await crl.current(issuerID: "iss-remote") }
        #expect(error?.code == .notFound)
        #expect(crl.publishingIssuers.isEmpty)
        let responder = try OCSPResponder(
            storage: storage, issuers: remote,
            responders: ResponderStore(storage: storage, settings: self.settings, metrics: metrics, logger: Logger(label: "test")),
            settings: self.settings, metrics: metrics, logger: Logger(label: "test")
        )
        let answer = await responder.respond(issuerID: "iss-remote", serialHex: "01")
        #expect(answer.der == OCSPResponse.error(.unauthorized).derBytes)
    }

    @Test func schedulerSignsWhenDueAndNotBefore() async throws {
        let clock = Mutex(Date())
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let crl = crlService(now: now)
        let responders = ResponderStore(storage: storage, settings: settings, metrics: metrics, logger: Logger(label: "test"), now: now)
        let scheduler = RevocationScheduler(
            crl: crl, responders: responders, storage: storage, settings: settings, logger: Logger(label: "test"), now: now
        )
        await scheduler.runOnce()
        let first = try #require(try await storage.latestCRL(issuerID: "iss-test")?.number)
        #expect(try await storage.currentResponder(issuerID: "iss-test") != nil)
        await scheduler.runOnce()
        #expect(try await storage.latestCRL(issuerID: "iss-test")?.number == first, "not due yet")
        clock.withLock { $0 = $0.addingTimeInterval(TimeInterval(settings.crlGenerationInterval)) }
        await scheduler.runOnce()
        let second = try #require(try await storage.latestCRL(issuerID: "iss-test")?.number)
        #expect(second > first, "due after one interval")
        storage.state.withLock { $0.crls["iss-test"] = nil }  // as an operator's DELETE FROM crl_cache would
        await scheduler.runOnce()
        #expect(
            try await storage.latestCRL(issuerID: "iss-test")?.number ?? 0 > second, "a deleted CRL row is regenerated on the next pass")
    }

    @Test func respondersRotateInsideTheGraceWindowAndSelfHeal() async throws {
        let clock = Mutex(Date())
        let now: @Sendable () -> Date = { clock.withLock { $0 } }
        let responders = ResponderStore(storage: storage, settings: settings, metrics: metrics, logger: Logger(label: "test"), now: now)
        let issuer = issuers["iss-test"]!
        let first = try await responders.responder(for: issuer, signing: issuer.signing!)
        #expect(try await responders.responder(for: issuer, signing: issuer.signing!).certificate == first.certificate)
        let keyFile = try #require(try FileManager.default.contentsOfDirectory(atPath: settings.ocspResponderKeyDirectory.path).first)
        let mode =
            try FileManager.default.attributesOfItem(atPath: settings.ocspResponderKeyDirectory.appendingPathComponent(keyFile).path)[
                .posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try first.certificate.extensions.extendedKeyUsage == ExtendedKeyUsage([.ocspSigning]))

        // Inside the grace window: a new responder.
        clock.withLock {
            $0 = $0.addingTimeInterval(TimeInterval(settings.ocspResponderValidity - settings.ocspResponderRotationGrace + 60))
        }
        let second = try await responders.responder(for: issuer, signing: issuer.signing!)
        #expect(second.certificate != first.certificate)

        // A fresh process whose key file vanished makes a new one instead of failing.
        for file in try FileManager.default.contentsOfDirectory(atPath: settings.ocspResponderKeyDirectory.path) {
            try FileManager.default.removeItem(at: settings.ocspResponderKeyDirectory.appendingPathComponent(file))
        }
        let restarted = ResponderStore(storage: storage, settings: settings, metrics: metrics, logger: Logger(label: "test"), now: now)
        let healed = try await restarted.responder(for: issuer, signing: issuer.signing!)
        #expect(healed.certificate != second.certificate)
        let rotations = try await storage.auditEvents(limit: 10, beforeSeq: nil).filter { $0.action == "ocsp_responder_rotated" }
        #expect(rotations.count == 3)
    }

    @Test func aRunningResponderNoticesItsKeyFileOrRowWasDeleted() async throws {
        let clock = Mutex(Date())
        let responders = ResponderStore(
            storage: storage, settings: settings, metrics: metrics, logger: Logger(label: "test"), now: { clock.withLock { $0 } })
        let issuer = issuers["iss-test"]!
        let first = try await responders.responder(for: issuer, signing: issuer.signing!)
        try FileManager.default.removeItem(at: first.keyFile)
        let afterKeyLoss = try await responders.responder(for: issuer, signing: issuer.signing!)
        #expect(afterKeyLoss.serial != first.serial, "a deleted key file is noticed at the next use")
        #expect(FileManager.default.fileExists(atPath: afterKeyLoss.keyFile.path))

        storage.state.withLock { $0.responders.removeAll { $0.issuerID == "iss-test" } }  // an operator's DELETE
        #expect(
            try await responders.responder(for: issuer, signing: issuer.signing!).serial == afterKeyLoss.serial, "rechecked once a second")
        clock.withLock { $0 = $0.addingTimeInterval(responders.recheckInterval) }
        let afterRowLoss = try await responders.responder(for: issuer, signing: issuer.signing!)
        #expect(afterRowLoss.serial != afterKeyLoss.serial, "a deleted row is noticed within the recheck interval")
        #expect(try await storage.currentResponder(issuerID: "iss-test")?.serial == afterRowLoss.serial)
    }

    /// The fast path signs with the responder in memory; when its database check is due, one
    /// caller is sent to do it while the others keep signing — until the grace runs out.
    @Test func whenTheResponderCheckIsDueOneCallerDoesItAndTheOthersKeepSigning() async throws {
        let clock = Mutex(Date())
        let responders = ResponderStore(
            storage: storage, settings: settings, metrics: metrics, logger: Logger(label: "test"), now: { clock.withLock { $0 } })
        let issuer = issuers["iss-test"]!
        #expect(responders.ready(issuerID: "iss-test") == nil, "nothing loaded yet")
        let loaded = try await responders.responder(for: issuer, signing: issuer.signing!)
        #expect(responders.ready(issuerID: "iss-test")?.serial == loaded.serial)

        clock.withLock { $0 = $0.addingTimeInterval(responders.recheckInterval) }
        #expect(responders.ready(issuerID: "iss-test") == nil, "the first caller takes on the check")
        #expect(responders.ready(issuerID: "iss-test")?.serial == loaded.serial, "the others keep signing")
        // The check did not happen within a second: the next caller takes it on.
        clock.withLock { $0 = $0.addingTimeInterval(responders.recheckInterval) }
        #expect(responders.ready(issuerID: "iss-test") == nil)
        #expect(responders.ready(issuerID: "iss-test") != nil)
        // The check happens: fresh again for everyone.
        _ = try await responders.responder(for: issuer, signing: issuer.signing!)
        #expect(responders.ready(issuerID: "iss-test") != nil)
        #expect(responders.ready(issuerID: "iss-test") != nil)
        // No check for longer than the grace: nobody signs from memory.
        clock.withLock { $0 = $0.addingTimeInterval(responders.recheckInterval + responders.recheckGrace) }
        #expect(responders.ready(issuerID: "iss-test") == nil)
        #expect(responders.ready(issuerID: "iss-test") == nil)
    }
}

@Suite struct OCSPParsingTests {
    @Test(arguments: [[], [0x30], [0x30, 0x03, 0x30, 0x01, 0x00], Array("GET / HTTP/1.1".utf8), [0x30, 0x02, 0x30, 0x00]] as [[UInt8]])
    func garbageIsMalformed(bytes: [UInt8]) {
        let error = #expect(throws: OCSPFailure.self) { try OCSPRequest(derBytes: bytes) }
        #expect(error?.status == .malformedRequest)
    }

    @Test func getFormsAreRecognised() {
        let prefix = "/.well-known/pki/ocsp/iss-a/"
        #expect(PKIController.getForm(path: prefix + "00ab12", issuerID: "iss-a") == .serial("00ab12"))
        #expect(PKIController.getForm(path: prefix + "MAMCAQA%3D", issuerID: "iss-a") == .request([0x30, 0x03, 0x02, 0x01, 0x00]))
        #expect(PKIController.getForm(path: prefix + "MAMCAQA=", issuerID: "iss-a") == .request([0x30, 0x03, 0x02, 0x01, 0x00]))
        #expect(PKIController.getForm(path: prefix, issuerID: "iss-a") == .invalid)
        #expect(PKIController.getForm(path: prefix + "%%%", issuerID: "iss-a") == .invalid)
    }

    @Test func serialHexAcceptsLeadingZerosAndBothCases() throws {
        #expect(SerialNumberInteger(hex: "00ABcd")?.hex == "abcd")
        #expect(SerialNumberInteger(hex: "f")?.magnitude == [0x0F])
        #expect(SerialNumberInteger(hex: "xyz") == nil)
        #expect(SerialNumberInteger(hex: String(repeating: "ff", count: 21)) == nil)
        #expect(try DER.Serializer.bytes(of: SerialNumberInteger(magnitude: [0x80])) == [0x02, 0x02, 0x00, 0x80])
    }

    @Test func nonceLengthRules() throws {
        func nonce(_ length: Int) throws -> Certificate.Extension? {
            let value = try DER.Serializer.bytes(of: ASN1OctetString(contentBytes: ArraySlice(repeating: 7, count: length)))
            return try OCSPNonce.echo(from: [Certificate.Extension(oid: OCSPNonce.oid, critical: false, value: value[...])])
        }
        #expect(try nonce(1) != nil)
        #expect(try nonce(32) != nil)
        #expect(throws: OCSPFailure.self) { try nonce(0) }
        #expect(throws: OCSPFailure.self) { try nonce(33) }
        #expect(try OCSPNonce.echo(from: []) == nil)
        // Raw bytes instead of an OCTET STRING (old clients): their own length counts. The value
        // is a slice that need not start at 0.
        func raw(_ bytes: [UInt8]) throws -> Certificate.Extension? {
            let padded = [0xEE, 0xEE] + bytes
            return try OCSPNonce.echo(from: [Certificate.Extension(oid: OCSPNonce.oid, critical: false, value: padded[2...])])
        }
        #expect(try raw(Array(repeating: 9, count: 32)) != nil)
        #expect(throws: OCSPFailure.self) { try raw(Array(repeating: 9, count: 33)) }
        // An OCTET STRING header whose length does not match is taken as raw bytes.
        #expect(try raw([0x04, 0x05, 1, 2]) != nil)
        #expect(throws: OCSPFailure.self) { try raw([0x04, 0x00]) }
        #expect(throws: OCSPFailure.self) { try raw([0x04, 0x21] + Array(repeating: 1, count: 33)) }
        // A long-form OCTET STRING is over the limit either way.
        #expect(throws: OCSPFailure.self) { try raw([0x04, 0x81, 0x80] + Array(repeating: 1, count: 128)) }
    }
}
