import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import IssuingKit
import Logging
import SwiftASN1
import Synchronization
import X509

#if canImport(Glibc)
    import Glibc
#endif

/// Each issuer's delegated OCSP responder: an EC P-256 key in `CERTCTL_OCSP_RESPONDER_KEY_DIR`
/// (`<issuer>-<serial>.key`, mode 0600) and a certificate from the CA, recorded in the database.
///
/// A new responder is made — and audited as `ocsp_responder_rotated` — when none exists, when the
/// current one enters the rotation grace window before expiry, and to self-heal when its key file
/// or database row is missing or no longer matches the CA.
final class ResponderStore: Sendable {
    /// A class: answers carry it from plan to signature, and copying one reference is cheaper
    /// than copying the certificate and the signer.
    final class Active: Sendable {
        let certificate: Certificate
        let signer: SoftwareSigner
        /// SHA-1 of the responder's public key: the `byKey` ResponderID.
        let keyHash: [UInt8]
        let notAfter: Date
        let serial: String
        let keyFile: URL
        /// `keyFile.path`, computed once.
        let keyPath: String
        /// DER of `certificate`, encoded once: every signed response carries it.
        let certificateDER: [UInt8]
        /// DER of the signature's `AlgorithmIdentifier`, encoded once.
        let signatureAlgorithmDER: [UInt8]

        init(certificate: Certificate, signer: SoftwareSigner, keyHash: [UInt8], notAfter: Date, serial: String, keyFile: URL) throws {
            self.certificate = certificate
            self.signer = signer
            self.keyHash = keyHash
            self.notAfter = notAfter
            self.serial = serial
            self.keyFile = keyFile
            keyPath = keyFile.path
            certificateDER = try DER.Serializer.bytes(of: certificate)
            signatureAlgorithmDER = try DER.Serializer.bytes(of: try SignatureAlgorithmIdentifier(signer.signatureAlgorithm))
        }

        /// Whether the key file is still on disk (one `access` call).
        var keyFileExists: Bool { access(keyPath, F_OK) == 0 }
    }

    /// How often a responder in memory is checked against the database (row deleted by an
    /// operator, or replaced by another instance) and its key file against the disk
    /// (``OCSPTuning/responderRecheck``). The full path also checks the key file on every use; the
    /// fast path only at this check (an `access` call per signature was 2.5 % of a live-signed
    /// answer).
    let recheckInterval: TimeInterval
    /// How long past ``recheckInterval`` the fast path keeps signing while one request re-checks
    /// (``OCSPTuning/responderRecheckGrace``); beyond it (the re-check keeps failing to happen)
    /// every request takes the full path.
    let recheckGrace: TimeInterval

    /// When the responder was last checked against the database, and when a request last took on
    /// the next check.
    private struct Verification {
        var at: Date
        var claimedAt: Date?
    }

    let storage: any OCSPStore & InstanceLocks
    let settings: RevocationSettings
    let metrics: HostMetrics
    let logger: Logger
    let now: @Sendable () -> Date
    let tuning: OCSPTuning
    /// Told when an issuer's responder changes: its pre-signed responses are dropped.
    let memory: OCSPMemoryCache?
    private let active = Mutex<[String: Active]>([:])
    private let verified = Mutex<[String: Verification]>([:])
    private let flights = SingleFlight<Active>()

    init(
        storage: any OCSPStore & InstanceLocks, settings: RevocationSettings, metrics: HostMetrics, logger: Logger,
        memory: OCSPMemoryCache? = nil, tuning: OCSPTuning = .standard, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.memory = memory
        self.tuning = tuning
        recheckInterval = tuning.responderRecheck / .seconds(1)
        recheckGrace = tuning.responderRecheckGrace / .seconds(1)
        self.storage = storage
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.now = now
    }

    /// The responder to sign with, rotated first when due.
    func responder(for issuer: LoadedIssuer, signing: any CASigningConnector) async throws -> Active {
        if let current = active.withLock({ $0[issuer.id] }), !needsRotation(current.notAfter), await stillCurrent(current, issuer.id) {
            return current
        }
        return try await flights.run(issuer.id) { try await self.loadOrRotate(issuer, signing: signing) }
    }

    /// The responder in memory when it can sign without a database read or rotation: not due for
    /// rotation, and checked against the database (and its key file) within
    /// ``recheckInterval``. When that check is due, one caller gets `nil` — it goes to
    /// ``responder(for:signing:)``, which checks — while the others keep signing, for up to
    /// ``recheckGrace``; so the fast path never sends a burst of requests to the database.
    func ready(issuerID: String) -> Active? {
        guard let current = active.withLock({ $0[issuerID] }), !needsRotation(current.notAfter) else {
            return nil
        }
        let now = self.now()
        let usable = verified.withLock { verified -> Bool in
            guard var verification = verified[issuerID], now >= verification.at else { return false }
            let age = now.timeIntervalSince(verification.at)
            if age < recheckInterval { return true }
            if age >= recheckInterval + recheckGrace { return false }
            // Due: the first caller (or the next one, if that check has not happened in a second)
            // takes it on.
            if let claimed = verification.claimedAt, now >= claimed, now.timeIntervalSince(claimed) < recheckInterval {
                return true
            }
            verification.claimedAt = now
            verified[issuerID] = verification
            return false
        }
        return usable ? current : nil
    }

    /// Whether the issuer's responder was checked against the database within ``recheckInterval``.
    private func verifiedRecently(_ issuerID: String, now: Date) -> Bool {
        guard let last = verified.withLock({ $0[issuerID]?.at }) else { return false }
        return now >= last && now.timeIntervalSince(last) < recheckInterval
    }

    private func markVerified(_ issuerID: String, at date: Date) {
        verified.withLock { $0[issuerID] = Verification(at: date) }
    }

    /// Whether the responder in memory is still the recorded one with its key on disk: deleting the
    /// key file takes effect at the full path's next signature (the fast path's within
    /// ``recheckInterval``), deleting the row within ``recheckInterval``.
    /// While the database is unreachable the responder in memory is kept.
    private func stillCurrent(_ current: Active, _ issuerID: String) async -> Bool {
        guard current.keyFileExists else {
            logger.warning("OCSP responder key file is gone; replacing it", metadata: ["issuer": "\(issuerID)"])
            return false
        }
        let now = self.now()
        if verifiedRecently(issuerID, now: now) { return true }
        let record: ResponderRecord?
        do {
            record = try await storage.currentResponder(issuerID: issuerID)
        } catch {
            return true
        }
        guard let record, record.serial == current.serial else {
            logger.warning("OCSP responder row is gone or replaced; loading the current one", metadata: ["issuer": "\(issuerID)"])
            return false
        }
        markVerified(issuerID, at: now)
        return true
    }

    func needsRotation(_ notAfter: Date) -> Bool {
        now().addingTimeInterval(TimeInterval(settings.ocspResponderRotationGrace)) >= notAfter
    }

    private func loadOrRotate(_ issuer: LoadedIssuer, signing: any CASigningConnector) async throws -> Active {
        if let loaded = try await loadCurrent(issuer, signing: signing) { return loaded }
        // Several instances may find it missing or due at once: one rotates, the others then load
        // the responder it recorded (the key directory is shared like the CA key files).
        let rotated = try await storage.withExclusiveLock(.responderRotation, wait: true) { () async throws -> Active in
            if let loaded = try await self.loadCurrent(issuer, signing: signing) { return loaded }
            return try await self.rotate(issuer, signing: signing)
        }
        guard let rotated else { throw HostError(.internalFailure, "responder rotation lock not acquired") }
        return rotated
    }

    /// The recorded responder when it is usable and not due for rotation.
    private func loadCurrent(_ issuer: LoadedIssuer, signing: any CASigningConnector) async throws -> Active? {
        guard let record = try await storage.currentResponder(issuerID: issuer.id), !needsRotation(record.notAfter),
            let loaded = load(record, ca: signing.caCertificate)
        else { return nil }
        remember(loaded, issuer.id)
        return loaded
    }

    /// The stored responder, or `nil` when its key file is missing or does not match (self-heal).
    private func load(_ record: ResponderRecord, ca: Certificate) -> Active? {
        let keyFile = settings.ocspResponderKeyDirectory.appendingPathComponent(record.keyFileName)
        guard let certificate = try? Certificate(pemEncoded: record.certificatePEM),
            ca.publicKey.isValidSignature(certificate.signature, for: certificate),
            let pem = try? SecretFile.read(keyFile, setting: "OCSP responder key"),
            let signer = try? SoftwareSigner(pemEncoded: pem), signer.publicKey == certificate.publicKey
        else {
            logger.warning(
                "OCSP responder unusable; replacing it", metadata: ["issuer": "\(record.issuerID)", "key_file": "\(keyFile.path)"])
            return nil
        }
        return try? Active(
            certificate: certificate, signer: signer, keyHash: Self.keyHash(certificate.publicKey), notAfter: certificate.notValidAfter,
            serial: record.serial, keyFile: keyFile)
    }

    private func remember(_ responder: Active, _ issuerID: String) {
        let previous = active.withLock { active in
            defer { active[issuerID] = responder }
            return active[issuerID]?.serial
        }
        if let previous, previous != responder.serial { memory?.invalidate(issuerID: issuerID) }
        markVerified(issuerID, at: now())
    }

    private func rotate(_ issuer: LoadedIssuer, signing: any CASigningConnector) async throws -> Active {
        let signer = try SoftwareSigner(generating: .ecdsaP256)
        let certificate = try await ResponderCertificateBuilder.make(
            responderKey: signer.publicKey, issuerID: issuer.id, caCertificate: signing.caCertificate, caSigner: signing.signer,
            validity: TimeInterval(settings.ocspResponderValidity), now: now()
        )
        let serial = certificate.serialNumber.hexString
        let keyFileName = "\(issuer.id)-\(serial).key"
        try SecretFile.create(settings.ocspResponderKeyDirectory.appendingPathComponent(keyFileName), contents: signer.privateKeyPEM)
        let record = ResponderRecord(
            issuerID: issuer.id, serial: serial, certificatePEM: try certificate.serializeAsPEM().pemString, keyFileName: keyFileName,
            notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter
        )
        try await storage.insertResponder(
            record,
            audit: AuditEntry(
                occurredAt: now(), actor: "system", action: AuditAction.ocspResponderRotated, target: "issuer:\(issuer.id)",
                detail: ["serial": serial, "not_after": certificate.notValidAfter.rfc3339, "key_file": keyFileName]
            )
        )
        metrics.increment(.ocsp, "responder_rotated")
        logger.notice("OCSP responder rotated", metadata: ["issuer": "\(issuer.id)", "serial": "\(serial)"])
        let rotated = try Active(
            certificate: certificate, signer: signer, keyHash: Self.keyHash(signer.publicKey), notAfter: certificate.notValidAfter,
            serial: serial, keyFile: settings.ocspResponderKeyDirectory.appendingPathComponent(keyFileName))
        remember(rotated, issuer.id)
        return rotated
    }

    static func keyHash(_ key: Certificate.PublicKey) -> [UInt8] {
        Array(Insecure.SHA1.hash(data: Array(key.subjectPublicKeyInfoBytes)))
    }
}
