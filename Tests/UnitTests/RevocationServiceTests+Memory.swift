import ConnectorAPI
import Foundation
import Logging
import SwiftASN1
import Synchronization
import Testing
import X509

@testable import Host

/// A settable "now": the responder's wall clock and the memory's monotonic clock, moved together.
final class SettableTime: Sendable {
    private let value = Mutex((date: Date(), offset: Duration.zero))
    private let origin = ContinuousClock.now

    var now: Date { value.withLock { $0.date } }
    var instant: OCSPClock.Instant { origin + value.withLock { $0.offset } }
    /// The memory's clock, reading this time.
    var ocspClock: OCSPClock { OCSPClock { self.instant } }

    func advance(_ duration: Duration) {
        value.withLock { value in
            value.date += duration / .seconds(1)
            value.offset += duration
        }
    }

    /// Moves to `offset` after the start.
    func set(_ offset: Duration) {
        advance(offset - value.withLock { $0.offset })
    }
}

extension RevocationServiceTests {
    /// A responder with an ``OCSPMemoryCache`` on a settable clock, and one issued certificate.
    func memoryResponder() async throws -> (OCSPResponder, OCSPMemoryCache, SettableTime, serial: String) {
        let clock = SettableTime()
        let now: @Sendable () -> Date = { clock.now }
        let memory = OCSPMemoryCache(revalidateAfter: OCSPTuning.standard.localRevalidation, clock: clock.ocspClock)
        let logger = Logger(label: "test")
        let responders = ResponderStore(storage: storage, settings: settings, metrics: metrics, logger: logger, memory: memory, now: now)
        let responder = try OCSPResponder(
            storage: storage, issuers: issuers, responders: responders, settings: settings, metrics: metrics, logger: logger,
            memory: memory, now: now
        )
        let record = CertificateRecord(
            seq: 0, id: "c1", issuerID: "iss-test", serial: "1a2b", subject: "CN=1", sans: [], notBefore: Date(timeIntervalSince1970: 0),
            notAfter: Date().addingTimeInterval(86_400), revokedAt: nil, revocationReason: nil, certificatePEM: "", chainPEM: "",
            createdAt: Date(), requestedBy: "t"
        )
        _ = try await storage.insertCertificate(record, audit: AuditEntry(occurredAt: Date(), actor: "t", action: "x", target: "t"))
        return (responder, memory, clock, "1a2b")
    }

    /// An OCSPRequest for `serial` of the test issuer, optionally with a nonce.
    func request(_ responder: OCSPResponder, serial: String, nonce: [UInt8]?) throws -> [UInt8] {
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

        // Revalidated against the database once the entry is as old as revalidateAfter.
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

    @Test func oldStatusesAreReReadInTheBackgroundOneClaimAtATime() {
        let time = SettableTime()
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(5), clock: time.ocspClock)
        let tuning = memory.tuning
        memory.store(.good, issuerID: "iss-test", serial: "01", checkedAt: time.instant, generation: memory.generation)
        func lookup(_ offset: Duration) -> OCSPMemoryCache.StatusLookup? {
            time.set(offset)
            return memory.status(issuerID: "iss-test", serial: "01")
        }
        let earliest = memory.revalidateAfter * tuning.statusRefreshShares.lowerBound
        let due = memory.revalidateAfter * tuning.statusRefreshShares.upperBound
        #expect(lookup(earliest - .milliseconds(100)) == .init(status: .good, refresh: false))
        #expect(lookup(due) == .init(status: .good, refresh: true), "the first request past its re-read point claims the re-read")
        #expect(lookup(due + .milliseconds(100)) == .init(status: .good, refresh: false), "the others keep answering from memory")
        #expect(lookup(due + tuning.refreshRetry)?.refresh == true, "claimed again when the re-read did not come")
        #expect(lookup(memory.revalidateAfter) == nil, "never past revalidateAfter")

        // A re-read that found the same status trusts it again from when the read began.
        let reread = time.instant
        memory.refreshed(.good, issuerID: "iss-test", serial: "01", checkedAt: reread, generation: memory.generation)
        #expect(lookup(memory.revalidateAfter + earliest - .milliseconds(100)) == .init(status: .good, refresh: false))
        // One that began before an invalidation is ignored.
        let stale = memory.generation
        memory.invalidate(issuerID: "iss-test", serial: "02")
        memory.refreshed(.good, issuerID: "iss-test", serial: "01", checkedAt: time.instant, generation: stale)
        #expect(lookup(memory.revalidateAfter * 2) == nil)
        // A different status forgets the serial, pre-signed responses included.
        memory.store(.good, issuerID: "iss-test", serial: "01", checkedAt: time.instant, generation: memory.generation)
        let response = memory.response(
            der: [1], etag: "\"x\"", thisUpdate: time.now, nextUpdate: time.now + 60, checkedAt: time.instant, validFor: .seconds(60))
        memory.store(response, issuerID: "iss-test", serial: "01", certID: [2], generation: memory.generation)
        memory.refreshed(
            .revoked(at: time.now, reason: .keyCompromise), issuerID: "iss-test", serial: "01", checkedAt: time.instant,
            generation: memory.generation)
        #expect(memory.status(issuerID: "iss-test", serial: "01") == nil)
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2]) == nil)
    }

    @Test func theRefresherReadsTheDatabaseAndDropsWhatChanged() async throws {
        let (responder, memory, clock, serial) = try await memoryResponder()
        let refresher = OCSPMemoryRefresher(memory: memory, storage: storage, metrics: metrics)
        _ = await responder.respond(issuerID: "iss-test", serialHex: serial)
        #expect(memory.status(issuerID: "iss-test", serial: serial)?.status == .good)

        clock.advance(memory.revalidateAfter * memory.tuning.statusRefreshShares.upperBound)
        await refresher.reread(.status(issuerID: "iss-test", serial: serial))
        clock.advance(memory.revalidateAfter - .milliseconds(100))
        #expect(memory.status(issuerID: "iss-test", serial: serial)?.status == .good, "unchanged: trusted again from the re-read")

        // Revoked behind this process's back (as an operator's SQL would): the re-read drops it.
        _ = try await storage.revokeCertificate(
            id: "c1", at: clock.now, reason: .keyCompromise, audit: AuditEntry(occurredAt: Date(), actor: "t", action: "x", target: "t"))
        await refresher.reread(.status(issuerID: "iss-test", serial: serial))
        #expect(memory.status(issuerID: "iss-test", serial: serial) == nil)
        #expect(responder.plan(issuerID: "iss-test", raw: Array(serial.utf8), decode: { .serial(serial) }) == nil)
    }

    @Test func storedResponsesExpireSpreadOutAndAreReReadBeforeThey() {
        let time = SettableTime()
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(5), clock: time.ocspClock)
        let tuning = memory.tuning
        let start = time.instant
        let step = Duration.milliseconds(10)
        func response(_ der: [UInt8]) -> OCSPMemoryCache.Response {
            memory.response(
                der: der, etag: "\"x\"", thisUpdate: time.now, nextUpdate: time.now + 3_600, checkedAt: start, validFor: .seconds(3_600))
        }
        var expiries: [Duration] = []
        for index in 0..<200 {
            let serial = String(index)
            memory.store(response([1]), issuerID: "iss-test", serial: serial, certID: [2], generation: memory.generation)
            // The first moment (10 ms steps) it is no longer answered.
            var offset = Duration.zero
            while offset <= memory.revalidateAfter {
                time.set(offset)
                if memory.response(issuerID: "iss-test", serial: serial, certID: [2]) == nil { break }
                offset += step
            }
            expiries.append(offset)
            time.set(.zero)
        }
        let earliest = memory.revalidateAfter * tuning.responseTrustShares.lowerBound
        #expect(expiries.allSatisfy { $0 >= earliest - step && $0 <= memory.revalidateAfter }, "never trusted past revalidateAfter")
        #expect(expiries.max()! - expiries.min()! > .milliseconds(500), "expiries are spread, not all at once")
    }

    /// The exact-bytes request index is bounded in bytes, skips padded requests, and takes a
    /// re-read answer for a key it holds without counting it twice.
    @Test func theRequestIndexIsBoundedInBytes() {
        let time = SettableTime()
        var tuning = OCSPTuning()
        tuning.maxRequestIndexBytes = 10_000
        tuning.requestIndexOverhead = 100
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(5), tuning: tuning, clock: time.ocspClock)
        let response = memory.response(
            der: [7], etag: "\"y\"", thisUpdate: time.now, nextUpdate: time.now + 3_600, checkedAt: time.instant,
            validFor: .seconds(3_600))
        // A request padded past the indexable length is never indexed.
        memory.index(request: [UInt8](repeating: 1, count: 8_192), response: response, generation: memory.generation)
        #expect(memory.requestIndexBytes == 0 && memory.response(request: [UInt8](repeating: 1, count: 8_192)) == nil)
        var most = 0
        for n in 0..<1_000 {
            let request = [UInt8](repeating: UInt8(n % 251), count: 200) + [UInt8(n >> 8), UInt8(n & 0xFF)]
            memory.index(request: request, response: response, generation: memory.generation)
            most = max(most, memory.requestIndexBytes)
        }
        #expect(most <= 10_000 && memory.requestIndexBytes > 0)
        let before = memory.requestIndexBytes
        let last = [UInt8](repeating: UInt8(999 % 251), count: 200) + [UInt8(999 >> 8), UInt8(999 & 0xFF)]
        memory.index(request: last, response: response, generation: memory.generation)
        #expect(memory.requestIndexBytes == before && memory.response(request: last)?.der == [7])
    }

    /// Serial entries are bounded in bytes as well as in count: many large responses make room by
    /// forgetting other serials, never by passing the bound; forgetting gives the bytes back.
    @Test func theSerialEntriesAreBoundedInBytes() {
        let time = SettableTime()
        var tuning = OCSPTuning()
        tuning.maxSerialBytes = 50_000
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(5), tuning: tuning, clock: time.ocspClock)
        func response(_ size: Int) -> OCSPMemoryCache.Response {
            memory.response(
                der: [UInt8](repeating: 7, count: size), etag: "\"y\"", thisUpdate: time.now, nextUpdate: time.now + 3_600,
                checkedAt: time.instant, validFor: .seconds(3_600))
        }
        var most = 0
        for n in 0..<500 {
            let serial = String(n, radix: 16)
            memory.store(.good, issuerID: "iss-a", serial: serial, checkedAt: time.instant, generation: memory.generation)
            for certID in [[1], [2]] as [[UInt8]] {
                memory.store(response(1_000), issuerID: "iss-a", serial: serial, certID: certID, generation: memory.generation)
            }
            most = max(most, memory.entryBytes)
        }
        #expect(most <= 50_000 && memory.entryBytes > 40_000)
        // The newest serial is whole; most others were forgotten to make room (an entry here costs
        // 2 × (1,000 + 1 + 320) + 160 + its key ≈ 2.8 kB, so about 17 fit).
        #expect(memory.response(issuerID: "iss-a", serial: String(499, radix: 16), certID: [2])?.response.der.count == 1_000)
        let held = (0..<500).filter { memory.status(issuerID: "iss-a", serial: String($0, radix: 16)) != nil }.count
        #expect((10...20).contains(held), "\(held) serials held")
        // Replacing a response with one of the same size costs nothing more.
        let before = memory.entryBytes
        memory.store(response(1_000), issuerID: "iss-a", serial: String(499, radix: 16), certID: [2], generation: memory.generation)
        #expect(memory.entryBytes == before)
        memory.store(response(100), issuerID: "iss-b", serial: "1", certID: [1], generation: memory.generation)
        memory.invalidate(issuerID: "iss-a", serial: String(499, radix: 16))
        #expect(memory.entryBytes < before)
        memory.invalidate(issuerID: "iss-a")
        #expect(memory.entryBytes == "iss-b/1".utf8.count + tuning.serialOverhead + 100 + 1 + tuning.responseOverhead)
        memory.invalidateAll()
        #expect(memory.entryBytes == 0)
    }

    @Test func aStoredResponseIsReReadBeforeItExpiresAndForgottenWhenItChanged() {
        let time = SettableTime()
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(5), clock: time.ocspClock)
        let tuning = memory.tuning
        // Past its refresh point: one caller claims the re-read; the request index stops answering
        // it so that repeats reach the claiming lookup.
        let response = memory.response(
            der: [7], etag: "\"y\"", thisUpdate: time.now, nextUpdate: time.now + 3_600, checkedAt: time.instant,
            validFor: .seconds(3_600))
        memory.store(response, issuerID: "iss-test", serial: "r", certID: [3], generation: memory.generation)
        memory.index(request: [9, 9], response: response, generation: memory.generation)
        let due = memory.revalidateAfter * (response.trustShare * tuning.responseRefreshShare) + .milliseconds(1)
        time.set(due - .milliseconds(20))
        #expect(memory.response(request: [9, 9])?.der == [7])
        time.set(due)
        #expect(memory.response(request: [9, 9]) == nil)
        #expect(memory.response(issuerID: "iss-test", serial: "r", certID: [3])?.refresh == true)
        time.set(due + .milliseconds(10))
        #expect(memory.response(issuerID: "iss-test", serial: "r", certID: [3])?.refresh == false)

        // The same DER in the database: trusted again from the re-read; another DER, or none: forgotten.
        memory.refreshed(
            response: [7], issuerID: "iss-test", serial: "r", certID: [3], checkedAt: time.instant, generation: memory.generation)
        #expect(memory.response(issuerID: "iss-test", serial: "r", certID: [3])?.refresh == false)
        time.advance(memory.revalidateAfter * tuning.responseTrustShares.lowerBound - .milliseconds(100))
        #expect(memory.response(issuerID: "iss-test", serial: "r", certID: [3]) != nil)
        memory.refreshed(
            response: [8], issuerID: "iss-test", serial: "r", certID: [3], checkedAt: time.instant, generation: memory.generation)
        #expect(memory.response(issuerID: "iss-test", serial: "r", certID: [3]) == nil)
        let again = memory.response(
            der: [7], etag: "\"y\"", thisUpdate: time.now, nextUpdate: time.now + 3_600, checkedAt: time.instant,
            validFor: .seconds(3_600))
        memory.store(again, issuerID: "iss-test", serial: "r", certID: [3], generation: memory.generation)
        memory.refreshed(
            response: nil, issuerID: "iss-test", serial: "r", certID: [3], checkedAt: time.instant, generation: memory.generation)
        #expect(memory.response(issuerID: "iss-test", serial: "r", certID: [3]) == nil)
    }

    @Test func theRefresherRenewsAPreSignedResponseUntilItsRowIsGone() async throws {
        let (responder, memory, clock, serial) = try await memoryResponder()
        let refresher = OCSPMemoryRefresher(memory: memory, storage: storage, metrics: metrics)
        let serialNumber = try #require(SerialNumberInteger(hex: serial))
        let certID = try #require(responder.sha1CertID(issuerID: "iss-test", serial: serialNumber))
        _ = await responder.respond(issuerID: "iss-test", serialHex: serial)
        let item = OCSPMemoryRefresher.Item.response(issuerID: "iss-test", serial: serial, certID: certID.encoded)

        let tuning = memory.tuning
        clock.advance(memory.revalidateAfter * (tuning.responseRefreshShare * tuning.responseTrustShares.lowerBound))
        await refresher.reread(item)
        clock.advance(.seconds(3))
        #expect(
            memory.response(issuerID: "iss-test", serial: serial, certID: certID.encoded)?.refresh == false,
            "the database still holds it: trusted again from the re-read")

        // The pre-signed rows deleted (as an operator would): the re-read forgets the serial.
        storage.state.withLock { $0.ocspCache = [:] }
        await refresher.reread(item)
        #expect(memory.response(issuerID: "iss-test", serial: serial, certID: certID.encoded) == nil)
    }

    @Test func whatWasReadBeforeARevocationIsNotKeptAfterIt() {
        let time = SettableTime()
        let memory = OCSPMemoryCache(revalidateAfter: .seconds(5), clock: time.ocspClock)
        let before = memory.generation
        memory.invalidate(issuerID: "iss-test", serial: "01")
        memory.store(.good, issuerID: "iss-test", serial: "01", checkedAt: time.instant, generation: before)
        let response = memory.response(
            der: [1], etag: "\"x\"", thisUpdate: time.now, nextUpdate: time.now + 60, checkedAt: time.instant, validFor: .seconds(2))
        memory.store(response, issuerID: "iss-test", serial: "01", certID: [2], generation: before)
        #expect(memory.status(issuerID: "iss-test", serial: "01") == nil)
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2]) == nil)

        let current = memory.generation
        memory.store(.good, issuerID: "iss-test", serial: "01", checkedAt: time.instant, generation: current)
        memory.store(response, issuerID: "iss-test", serial: "01", certID: [2], generation: current)
        #expect(memory.status(issuerID: "iss-test", serial: "01")?.status == .good)
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2])?.response.der == [1])
        time.advance(.seconds(2))
        #expect(memory.response(issuerID: "iss-test", serial: "01", certID: [2]) == nil, "never past nextUpdate")

        memory.invalidate(issuerID: "iss-test")
        #expect(memory.status(issuerID: "iss-test", serial: "01") == nil, "a new responder drops the issuer's entries")
    }
}

@Suite struct OCSPEncodingTests {
    /// The direct encodings of a live-signed response's parts, against swift-asn1's serializer.
    @Test(arguments: [
        OCSPCertStatus.good, .unknown, .revoked(at: Date(timeIntervalSince1970: 1_700_000_000), reason: .keyCompromise),
        .revoked(at: Date(timeIntervalSince1970: 1_700_000_000), reason: .unspecified),
    ])
    func responseDataMatchesSwiftASN1(status: OCSPCertStatus) throws {
        let certID = try OCSPCertID(
            hashAlgorithm: .sha1, issuerNameHash: [UInt8](repeating: 1, count: 20), issuerKeyHash: [UInt8](repeating: 2, count: 20),
            serial: try #require(SerialNumberInteger(hex: "00ff01")))
        let keyHash = [UInt8](repeating: 3, count: 20)
        let nonce = Certificate.Extension(oid: OCSPNonce.oid, critical: false, value: [0x04, 0x02, 0xAB, 0xCD])
        // 1970, a fractional second in 2025, and a GeneralizedTime-only year.
        for thisUpdate in [0, 1_764_444_444.7, 4_102_444_800].map(Date.init(timeIntervalSince1970:)) {
            let nextUpdate = thisUpdate.addingTimeInterval(86_400)
            let single = OCSPSingleResponse(certID: certID, status: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate)
            var reference = DER.Serializer()
            try reference.appendConstructedNode(identifier: .sequence) { coder in
                try coder.serialize(certID)
                try coder.serialize(status)
                try coder.serialize(GeneralizedTime(thisUpdate))
                try coder.serialize(GeneralizedTime(nextUpdate), explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific)
            }
            #expect(try single.derBytes() == reference.serializedBytes)

            for extensions in [[], [nonce]] {
                let data = OCSPResponseData(
                    responderKeyHash: keyHash, producedAt: thisUpdate, responses: [single, single], extensions: extensions)
                var coder = DER.Serializer()
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(
                        ASN1OctetString(contentBytes: keyHash[...]), explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific)
                    try coder.serialize(GeneralizedTime(thisUpdate))
                    coder.appendConstructedNode(identifier: .sequence) { coder in
                        for _ in 0..<2 { coder.serializeRawBytes(reference.serializedBytes) }
                    }
                    if !extensions.isEmpty {
                        try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
                            try coder.serializeSequenceOf(extensions)
                        }
                    }
                }
                #expect(try data.derBytes() == coder.serializedBytes)
            }
        }
    }

    /// `tag`, the definite length, `content`: written with ``DEREnvelope`` as the encoders do.
    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        DEREnvelope.appendHeader(tag, contentLength: content.count, to: &out)
        return out + content
    }

    @Test(arguments: [0, 1, 127, 128, 255, 256, 70_000])
    func envelopesMatchSwiftASN1(length: Int) throws {
        let content = [UInt8](repeating: 0xAB, count: length)
        let response = OCSPResponse(status: .successful, basicResponse: content)
        #expect(response.derBytes == (try DER.Serializer.bytes(of: response)))
        let octetString = Self.tlv(0x04, content)
        let parsed = try DER.parse(octetString)
        #expect(parsed.identifier == .octetString && parsed.encodedBytes.count == octetString.count)
        #expect(octetString.count == DEREnvelope.encodedLength(length))
        #expect(OCSPResponse.error(.tryLater).derBytes == (try DER.Serializer.bytes(of: OCSPResponse.error(.tryLater))))
    }

    /// The one-pass encoding of a signed response against swift-asn1's serializer, across the
    /// length forms of every layer.
    @Test(arguments: [1, 100, 128, 300, 70_000])
    func signedResponsesMatchSwiftASN1(certificateLength: Int) throws {
        let tbs = Self.tlv(0x30, [UInt8](repeating: 0x11, count: certificateLength / 2))
        let algorithm: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
        for signatureLength in [70, 71, 72, 200] {
            let signature = [UInt8](repeating: 0x5A, count: signatureLength)
            let certificate = Self.tlv(0x30, [UInt8](repeating: 0x22, count: certificateLength))
            let basic = BasicOCSPResponse(
                tbsBytes: tbs, signatureAlgorithmDER: algorithm, signature: signature, certificateDER: certificate)
            var coder = DER.Serializer()
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                coder.serializeRawBytes(tbs)
                coder.serializeRawBytes(algorithm)
                try coder.serialize(ASN1BitString(bytes: signature[...]))
                coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    coder.appendConstructedNode(identifier: .sequence) { $0.serializeRawBytes(certificate) }
                }
            }
            #expect(basic.derBytes() == coder.serializedBytes)
            #expect(basic.encodedLength == coder.serializedBytes.count)
            let expected = try DER.Serializer.bytes(of: OCSPResponse(status: .successful, basicResponse: coder.serializedBytes))
            #expect(OCSPResponse.successfulDER(basic) == expected)
        }
    }
}
