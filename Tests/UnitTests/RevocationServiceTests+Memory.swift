import Foundation
import Logging
import SwiftASN1
import Synchronization
import Testing
import X509

@testable import Host

/// A settable "now".
private final class TestTime: Sendable {
    private let value = Mutex(Date())
    var now: Date { value.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { value.withLock { $0 += seconds } }
}

extension RevocationServiceTests {
    /// A responder with an ``OCSPMemoryCache`` on a settable clock, and one issued certificate.
    private func memoryResponder() async throws -> (OCSPResponder, OCSPMemoryCache, TestTime, serial: String) {
        let clock = TestTime()
        let now: @Sendable () -> Date = { clock.now }
        let memory = OCSPMemoryCache()
        let logger = Logger(label: "test")
        let responders = ResponderStore(storage: storage, settings: settings, metrics: metrics, logger: logger, memory: memory, now: now)
        let responder = try OCSPResponder(
            storage: storage, issuers: issuers, responders: responders, settings: settings, metrics: metrics, logger: logger,
            memory: memory, now: now
        )
        let record = CertificateRecord(
            seq: 0, id: "c1", issuerID: "iss-test", serial: "1a2b", subject: "CN=1", sans: [], notBefore: Date(timeIntervalSince1970: 0),
            notAfter: Date().addingTimeInterval(86_400), revokedAt: nil, revocationReason: nil, certificatePEM: "", chainPEM: "",
            createdAt: Date(), createdBy: "t"
        )
        _ = try await storage.insertCertificate(record, audit: AuditEntry(occurredAt: Date(), actor: "t", action: "x", target: "t"))
        return (responder, memory, clock, "1a2b")
    }

    /// An OCSPRequest for `serial` of the test issuer, optionally with a nonce.
    private func request(_ responder: OCSPResponder, serial: String, nonce: [UInt8]?) throws -> [UInt8] {
        let hashes = try #require(responder.issuerHashes["iss-test"]?[.sha1])
        let certID = try OCSPCertID(
            hashAlgorithm: .sha1, issuerNameHash: hashes.name, issuerKeyHash: hashes.key,
            serial: try #require(SerialNumberInteger(hex: serial)))
        var coder = DER.Serializer()
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in try coder.serialize(certID) }
                }
                if let nonce {
                    let value = try DER.Serializer.bytes(of: ASN1OctetString(contentBytes: nonce[...]))
                    try coder.serialize(explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific) { coder in
                        try coder.serializeSequenceOf([Certificate.Extension(oid: OCSPNonce.oid, critical: false, value: value[...])])
                    }
                }
            }
        }
        return coder.serializedBytes
    }

    @Test func memoryAnswersRepeatsUntilRevocationOrRevalidation() async throws {
        let (responder, memory, clock, serial) = try await memoryResponder()
        #expect(responder.plan(issuerID: "iss-test", raw: Array(serial.utf8), decode: { .serial(serial) }) == nil, "nothing known yet")
        let signed = await responder.respond(issuerID: "iss-test", serialHex: serial)
        guard case .stored(let stored) = responder.plan(issuerID: "iss-test", raw: Array(serial.utf8), decode: { .serial(serial) }) else {
            Issue.record("a signed nonce-less answer is kept")
            return
        }
        #expect(stored.der == signed.der && stored.etag == OCSPResponder.Answer.etag(of: signed.der))

        // A nonce request: signed live from the remembered status, with the nonce echoed.
        let nonceRequest = try request(responder, serial: serial, nonce: [1, 2, 3])
        guard let plan = responder.plan(issuerID: "iss-test", raw: nonceRequest, decode: { .der(nonceRequest) }),
            case .sign(_, _, let status, _, _) = plan
        else {
            Issue.record("the status of an answered serial is kept")
            return
        }
        #expect(status == .good)
        let live = responder.finish(plan).der
        #expect(live != signed.der && live.count > signed.der.count)

        // Revalidated against the database once the entry is a second old.
        clock.advance(memory.revalidateAfter)
        #expect(responder.plan(issuerID: "iss-test", raw: Array(serial.utf8), decode: { .serial(serial) }) == nil)
        _ = await responder.respond(issuerID: "iss-test", serialHex: serial)
        #expect(
            responder.plan(issuerID: "iss-test", raw: Array(serial.utf8), decode: { .serial(serial) }) != nil,
            "a database cache hit is kept again")

        // A revocation removes the serial at once.
        memory.invalidate(issuerID: "iss-test", serial: serial)
        #expect(responder.plan(issuerID: "iss-test", raw: Array(serial.utf8), decode: { .serial(serial) }) == nil)
        #expect(responder.plan(issuerID: "iss-test", raw: nonceRequest, decode: { .der(nonceRequest) }) == nil)
    }

    @Test func whatWasReadBeforeARevocationIsNotKeptAfterIt() {
        let memory = OCSPMemoryCache()
        let now = Date()
        let before = memory.generation
        memory.invalidate(issuerID: "iss-test", serial: "01")
        memory.store(.good, issuerID: "iss-test", serial: "01", checkedAt: now, generation: before)
        let response = OCSPMemoryCache.Response(der: [1], etag: "\"x\"", thisUpdate: now, nextUpdate: now + 60, checkedAt: now)
        memory.store(response, issuerID: "iss-test", serial: "01", certID: [2], generation: before)
        #expect(memory.status(issuerID: "iss-test", serial: "01", now: now) == nil)
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2], now: now) == nil)

        let current = memory.generation
        memory.store(.good, issuerID: "iss-test", serial: "01", checkedAt: now, generation: current)
        memory.store(response, issuerID: "iss-test", serial: "01", certID: [2], generation: current)
        #expect(memory.status(issuerID: "iss-test", serial: "01", now: now) == .good)
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2], now: now)?.der == [1])
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2], now: now + 61) == nil, "never past nextUpdate")
        #expect(memory.status(issuerID: "iss-test", serial: "01", now: now - 1) == nil, "a clock stepping back revalidates")

        memory.invalidate(issuerID: "iss-test")
        #expect(memory.status(issuerID: "iss-test", serial: "01", now: now) == nil, "a new responder drops the issuer's entries")
    }
}

@Suite struct OCSPEncodingTests {
    @Test(arguments: [0, 1, 127, 128, 255, 256, 70_000])
    func envelopesMatchSwiftASN1(length: Int) throws {
        let content = [UInt8](repeating: 0xAB, count: length)
        let response = OCSPResponse(status: .successful, basicResponse: content)
        #expect(response.derBytes == (try DER.Serializer.bytes(of: response)))
        let parsed = try DER.parse(DEREnvelope.wrap(0x04, content))
        #expect(parsed.identifier == .octetString && parsed.encodedBytes.count == DEREnvelope.wrap(0x04, content).count)
        #expect(OCSPResponse.error(.tryLater).derBytes == (try DER.Serializer.bytes(of: OCSPResponse.error(.tryLater))))
    }
}
