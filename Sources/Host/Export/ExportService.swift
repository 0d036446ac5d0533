import Foundation
import SwiftASN1
import X509

/// Certificate exports (PEM bundle, PKCS#12 without a key), counted against one hourly budget per
/// API key and audited (`cert_export_pem`, `cert_export_pkcs12`, `cert_export_failed`).
struct ExportService: Sendable {
    enum Format: String, Sendable {
        case pem, pkcs12

        var auditAction: String { self == .pem ? AuditAction.certExportPEM : AuditAction.certExportPKCS12 }
        var cipher: String { self == .pem ? "none" : "PBES2-PBKDF2-HMAC-SHA256-AES-256-CBC" }
    }

    /// Refused by the per-key export limit.
    struct RateLimited: Error {
        var retryAfterSeconds: Int
    }

    let certificates: CertificateService
    let storage: any AuditLog
    let limiter: FixedWindowLimiter<ContinuousClock>
    let metrics: HostMetrics

    /// Leaf followed by its chain, PEM.
    func pem(id: String, principal: Principal) async throws -> String {
        let record = try await authorize(id: id, format: .pem, principal: principal)
        try await audit(format: .pem, record: record, principal: principal)
        return record.certificatePEM + record.chainPEM
    }

    /// Leaf and chain in a password-protected PKCS#12 file.
    func pkcs12(id: String, password: String, principal: Principal) async throws -> [UInt8] {
        let record = try await authorize(id: id, format: .pkcs12, principal: principal)
        let der: [UInt8]
        do {
            let pems = try PEMDocument.parseMultiple(pemString: record.certificatePEM + record.chainPEM)
            der = try PKCS12Builder.build(certificates: pems.map(\.derBytes), friendlyName: record.subject, password: password)
        } catch {
            try await failed(id: id, format: .pkcs12, principal: principal, reason: "encoding_failed")
            throw HostError(.internalFailure, "PKCS#12 encoding failed: \(error)")
        }
        try await audit(format: .pkcs12, record: record, principal: principal)
        return der
    }

    private func authorize(id: String, format: Format, principal: Principal) async throws -> CertificateRecord {
        if case .limited(let retryAfter) = limiter.acquire(principal.keyID) {
            metrics.increment(.ratelimit, "export")
            try await failed(id: id, format: format, principal: principal, reason: "rate_limited")
            throw RateLimited(retryAfterSeconds: max(1, Int(retryAfter.components.seconds) + 1))
        }
        do {
            return try await certificates.certificate(id: id, scope: principal.certificateScope)
        } catch {
            try await failed(id: id, format: format, principal: principal, reason: "not_found")
            throw error
        }
    }

    private func audit(format: Format, record: CertificateRecord, principal: Principal) async throws {
        metrics.increment(.export, format.rawValue)
        try await storage.appendAudit(
            AuditEntry(
                occurredAt: Date(), actor: principal.actor, action: format.auditAction, target: "certificate:\(record.id)",
                detail: ["format": format.rawValue, "has_private_key": "false", "cipher": format.cipher, "serial": record.serial]
            )
        )
    }

    private func failed(id: String, format: Format, principal: Principal, reason: String) async throws {
        metrics.increment(.export, "failed")
        try await storage.appendAudit(
            AuditEntry(
                occurredAt: Date(), actor: principal.actor, action: AuditAction.certExportFailed, target: "certificate:\(id)",
                detail: ["format": format.rawValue, "has_private_key": "false", "cipher": format.cipher, "reason": reason]
            )
        )
    }
}
