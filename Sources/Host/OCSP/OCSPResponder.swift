import ConnectorAPI
import Crypto
import Foundation
import IssuingKit
import Logging
import SwiftASN1
import X509

/// Answers OCSP requests for every issuer with a CA signer (RFC 6960, RFC 5019 profile, RFC 8954 nonce).
///
/// Errors are answered in OCSP's own form: undecodable → `malformedRequest`; unknown issuer, a CertID
/// naming another issuer, a bad nonce → `unauthorized`; database unavailable → `tryLater`; signing
/// failure → `internalError`. Nonce-less
/// single-certificate requests are served from a pre-signed cache that a revocation clears in the
/// same transaction, so a revoked certificate is never reported good. Unless
/// `CERTCTL_OCSP_MEMORY_CACHE=off`, an ``OCSPMemoryCache`` also keeps recent answers, so repeated
/// requests are answered without the database (``plan(issuerID:raw:decode:)``; on PostgreSQL only
/// after the ``OCSPEpochGate``).
final class OCSPResponder: Sendable {
    /// Most CertIDs answered in one request (RFC 5019 clients send one).
    static let maxCertIDs = 10
    /// Largest request accepted, POST body or decoded GET.
    static let maxRequestBytes = 8_192

    struct Answer: Sendable {
        var der: [UInt8]
        /// Set for signed, nonce-less responses: what RFC 5019 caching headers describe.
        var cacheWindow: (thisUpdate: Date, nextUpdate: Date)?
        /// The quoted ETag of `der`, when already known.
        var etag: String?
        /// The cache window as HTTP dates, when already formatted.
        var httpDates: (lastModified: String, expires: String)?

        init(
            der: [UInt8], cacheWindow: (thisUpdate: Date, nextUpdate: Date)? = nil, etag: String? = nil,
            httpDates: (lastModified: String, expires: String)? = nil
        ) {
            self.der = der
            self.cacheWindow = cacheWindow
            self.etag = etag
            self.httpDates = httpDates
        }

        /// RFC 5019 §6.2 ETag: the SHA-256 of the response.
        static func etag(of der: [UInt8]) -> String {
            "\"\(SHA256.hash(data: der).hexString)\""
        }
    }

    let storage: any OCSPStore
    let issuers: IssuerDirectory
    let responders: ResponderStore
    let settings: RevocationSettings
    let metrics: HostMetrics
    let logger: Logger
    let now: @Sendable () -> Date
    /// `nil` with `CERTCTL_OCSP_MEMORY_CACHE=off`.
    let memory: OCSPMemoryCache?
    /// Re-reads statuses and pre-signed responses the fast path still answers from memory (`nil`
    /// without memory, and in tests that do not run it).
    let refresher: OCSPMemoryRefresher?
    /// Per issuer and hash algorithm: (issuerNameHash, issuerKeyHash).
    let issuerHashes: [String: [CertIDHashAlgorithm: (name: [UInt8], key: [UInt8])]]

    init(
        storage: any OCSPStore, issuers: IssuerDirectory, responders: ResponderStore, settings: RevocationSettings,
        metrics: HostMetrics, logger: Logger, memory: OCSPMemoryCache? = nil, refresher: OCSPMemoryRefresher? = nil,
        now: @escaping @Sendable () -> Date = Date.init
    ) throws {
        self.memory = memory
        self.refresher = refresher
        self.storage = storage
        self.issuers = issuers
        self.responders = responders
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.now = now
        var hashes: [String: [CertIDHashAlgorithm: (name: [UInt8], key: [UInt8])]] = [:]
        for issuer in issuers.all {
            guard let ca = issuer.signing?.caCertificate else { continue }
            let name = try CertificateSubjectDER.of(ca)
            let key = Array(ca.publicKey.subjectPublicKeyInfoBytes)
            hashes[issuer.id] = [
                .sha1: (Array(Insecure.SHA1.hash(data: name)), Array(Insecure.SHA1.hash(data: key))),
                .sha256: (Array(SHA256.hash(data: name)), Array(SHA256.hash(data: key))),
            ]
        }
        issuerHashes = hashes
    }

    /// Answers a DER OCSPRequest.
    func respond(issuerID: String, requestDER: [UInt8]) async -> Answer {
        do {
            guard requestDER.count <= Self.maxRequestBytes else { throw OCSPFailure(.malformedRequest, "request too large") }
            let request: OCSPRequest
            do {
                request = try OCSPRequest(derBytes: requestDER)
            } catch {
                metrics.increment(.ocsp, "request_invalid")
                throw error
            }
            return try await answer(issuerID: issuerID, certIDs: request.certIDs, extensions: request.extensions)
        } catch {
            return failure(error, issuerID: issuerID)
        }
    }

    /// Answers the status of one serial (the `/ocsp/{issuer}/{serial_hex}` form), as a SHA-1 CertID.
    func respond(issuerID: String, serialHex: String) async -> Answer {
        do {
            guard let serial = SerialNumberInteger(hex: serialHex) else {
                metrics.increment(.ocsp, "request_invalid")
                throw OCSPFailure(.malformedRequest, "serial is not hex")
            }
            // An unknown issuer gets no CertID; `answer` refuses it.
            let certIDs = sha1CertID(issuerID: issuerID, serial: serial).map { [$0] } ?? []
            return try await answer(issuerID: issuerID, certIDs: certIDs, extensions: [])
        } catch {
            return failure(error, issuerID: issuerID)
        }
    }

    private func answer(issuerID: String, certIDs: [OCSPCertID], extensions: [Certificate.Extension]) async throws -> Answer {
        // Captured before any database read: what is read may only be remembered if no revocation
        // was remembered in between.
        let generation = memory?.generation ?? 0
        // What is read from here on is as old as this moment, on the memory's clock.
        let readAt = memory?.now
        let (issuer, signing, nonce) = try checked(issuerID: issuerID, certIDs: certIDs, extensions: extensions)
        let cacheable = nonce == nil && certIDs.count == 1
        let cacheKey = certIDs.first.map { Self.cacheKey(certID: $0.encoded) } ?? ""
        if cacheable,
            let cached = try await storage.cachedOCSPResponse(
                issuerID: issuerID, serial: certIDs[0].serial.hex, certIDKey: cacheKey, now: now()
            )
        {
            metrics.increment(.ocsp, "cache_hit")
            metrics.increment(.ocsp, "request_success")
            return remembered(
                cached.der, window: (cached.thisUpdate, cached.nextUpdate), checkedAt: readAt, issuerID: issuerID, certID: certIDs[0],
                generation: generation)
        }
        if cacheable { metrics.increment(.ocsp, "cache_miss") }

        let (thisUpdate, nextUpdate) = responseWindow()
        var responses: [OCSPSingleResponse] = []
        for certID in certIDs {
            let status = try await status(issuerID: issuerID, serial: certID.serial)
            if status != .unknown, let memory, let readAt {
                memory.store(status, issuerID: issuerID, serial: certID.serial.hex, checkedAt: readAt, generation: generation)
            }
            responses.append(OCSPSingleResponse(certID: certID, status: status, thisUpdate: thisUpdate, nextUpdate: nextUpdate))
        }

        let responder: ResponderStore.Active
        do {
            responder = try await responders.responder(for: issuer, signing: signing)
        } catch {
            throw signingFailed(error, issuerID: issuerID)
        }
        let der = try sign(responses, nonce: nonce, producedAt: thisUpdate, by: responder, issuerID: issuerID)
        if nonce != nil { metrics.increment(.ocsp, "nonce_echoed") }
        metrics.increment(.ocsp, "request_success")

        if cacheable, responses[0].status != .unknown {
            let cached = CachedOCSPResponse(
                issuerID: issuerID, serial: certIDs[0].serial.hex, certIDKey: cacheKey, der: der, thisUpdate: thisUpdate,
                nextUpdate: nextUpdate
            )
            try? await storage.storeOCSPResponse(cached, signedAsRevoked: responses[0].status != .good)
            return remembered(
                der, window: (thisUpdate, nextUpdate), checkedAt: readAt, issuerID: issuerID, certID: certIDs[0], generation: generation)
        }
        return Answer(der: der, cacheWindow: nonce == nil ? (thisUpdate, nextUpdate) : nil)
    }

    /// The request's issuer, CertIDs and nonce, checked and counted: the issuer must publish OCSP
    /// here, every CertID must name it, and a nonce must be 1–32 octets.
    private func checked(issuerID: String, certIDs: [OCSPCertID], extensions: [Certificate.Extension]) throws -> (
        LoadedIssuer, any CASigningConnector, Certificate.Extension?
    ) {
        guard let issuer = issuers[issuerID], let signing = issuer.signing, let hashes = issuerHashes[issuerID] else {
            metrics.increment(.ocsp, "issuer_not_found")
            throw OCSPFailure(.unauthorized, "unknown issuer or issuer without OCSP")
        }
        guard certIDs.count <= Self.maxCertIDs else {
            metrics.increment(.ocsp, "request_invalid")
            throw OCSPFailure(.malformedRequest, "more than \(Self.maxCertIDs) CertIDs")
        }
        for certID in certIDs where !Self.certID(certID, names: hashes) {
            metrics.increment(.ocsp, "issuer_mismatch")
            throw OCSPFailure(.unauthorized, "CertID names another issuer")
        }
        do {
            return (issuer, signing, try OCSPNonce.echo(from: extensions))
        } catch {
            metrics.increment(.ocsp, "nonce_malformed")
            throw error
        }
    }

    /// thisUpdate (now, whole seconds) and nextUpdate of a response signed now.
    func responseWindow() -> (thisUpdate: Date, nextUpdate: Date) {
        let thisUpdate = Date(unixSeconds: now().unixSeconds)
        return (thisUpdate, thisUpdate.addingTimeInterval(TimeInterval(settings.ocspResponseValidity)))
    }

    /// A successful OCSPResponse with `responses`, signed by the responder (synchronously: its key
    /// is in memory).
    /// - Throws: ``OCSPFailure`` `internalError` (counted and logged) when encoding or signing fails.
    func sign(
        _ responses: [OCSPSingleResponse], nonce: Certificate.Extension?, producedAt: Date, by responder: ResponderStore.Active,
        issuerID: String
    ) throws -> [UInt8] {
        do {
            let data = OCSPResponseData(
                responderKeyHash: responder.keyHash, producedAt: producedAt, responses: responses, extensions: nonce.map { [$0] } ?? []
            )
            let tbs = try data.derBytes()
            let signature = try responder.signer.signSynchronously(tbs)
            let basic = BasicOCSPResponse(
                tbsBytes: tbs, signatureAlgorithmDER: responder.signatureAlgorithmDER, signature: signature,
                certificateDER: responder.certificateDER)
            return OCSPResponse.successfulDER(basic)
        } catch {
            throw signingFailed(error, issuerID: issuerID)
        }
    }

    private func signingFailed(_ error: any Error, issuerID: String) -> OCSPFailure {
        metrics.increment(.ocsp, "signing_failed")
        logger.error("OCSP signing failed", metadata: ["issuer": "\(issuerID)", "error": "\(error)"])
        return OCSPFailure(.internalError, "signing failed")
    }

    /// A nonce-less response for one CertID, kept in memory (with its ETag and HTTP dates) when
    /// there is a memory cache and nothing was invalidated since `generation`.
    private func remembered(
        _ der: [UInt8], window: (thisUpdate: Date, nextUpdate: Date), checkedAt: OCSPClock.Instant?, issuerID: String,
        certID: OCSPCertID, generation: UInt64
    ) -> Answer {
        guard let memory, let checkedAt else { return Answer(der: der, cacheWindow: window) }
        let response = memory.response(
            der: der, etag: Answer.etag(of: der), thisUpdate: window.thisUpdate, nextUpdate: window.nextUpdate, checkedAt: checkedAt,
            validFor: .seconds(window.nextUpdate.timeIntervalSince(now())))
        memory.store(response, issuerID: issuerID, serial: certID.serial.hex, certID: certID.encoded, generation: generation)
        return response.answer
    }

    /// Which `ocsp_cache` row answers a CertID encoding (`certIDKey`): hex SHA-256 of its DER.
    static func cacheKey(certID encoded: [UInt8]) -> String {
        SHA256.hash(data: encoded).hexString
    }

    /// The SHA-1 CertID a client builds for `serial` under the issuer (`nil` for an unknown issuer).
    func sha1CertID(issuerID: String, serial: SerialNumberInteger) -> OCSPCertID? {
        guard let hashes = issuerHashes[issuerID]?[.sha1] else { return nil }
        return try? OCSPCertID(hashAlgorithm: .sha1, issuerNameHash: hashes.name, issuerKeyHash: hashes.key, serial: serial)
    }

    /// Whether a CertID's issuer name and key hashes are those of the issuer with `hashes`.
    static func certID(_ certID: OCSPCertID, names hashes: [CertIDHashAlgorithm: (name: [UInt8], key: [UInt8])]) -> Bool {
        guard let expected = hashes[certID.hashAlgorithm] else { return false }
        return expected.name == certID.issuerNameHash && expected.key == certID.issuerKeyHash
    }

    /// Counts the status answered for a certificate.
    func counted(_ status: OCSPCertStatus) -> OCSPCertStatus {
        switch status {
        case .good: metrics.increment(.ocsp, "status_good")
        case .revoked: metrics.increment(.ocsp, "status_revoked")
        case .unknown: metrics.increment(.ocsp, "status_unknown")
        }
        return status
    }

    private func status(issuerID: String, serial: SerialNumberInteger) async throws -> OCSPCertStatus {
        guard let found = try await storage.serialStatus(issuerID: issuerID, serial: serial.hex) else {
            metrics.increment(.ocsp, "cert_not_found")
            return counted(.unknown)
        }
        return counted(OCSPCertStatus(found))
    }

    /// OCSP's own error form: the failure's status; `tryLater` while the database is unavailable
    /// (RFC 6960 §4.2.1: a temporary condition), `internalError` otherwise.
    func failure(_ error: any Error, issuerID: String) -> Answer {
        let status: OCSPResponseStatus
        if let failure = error as? OCSPFailure {
            status = failure.status
        } else if let error = error as? HostError, error.code == .unavailable {
            status = .tryLater
        } else {
            status = .internalError
        }
        if !(error is OCSPFailure) {
            logger.error("OCSP request failed", metadata: ["issuer": "\(issuerID)", "error": "\(error)"])
        }
        return Answer(der: OCSPResponse.error(status).derBytes, cacheWindow: nil)
    }
}
