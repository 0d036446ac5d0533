import ConnectorAPI
import Foundation

/// The certificate object of SPEC §4.
struct CertificateJSON: Encodable {
    var id: String
    var issuerID: String
    var serial: String
    var subject: String
    var sans: [String]
    var status: String
    var notBefore: String
    var notAfter: String
    var revokedAt: String?
    var revocationReason: String?
    var certificatePEM: String
    var chainPEM: String
    var profile: String?
    var requestedBy: String

    enum CodingKeys: String, CodingKey {
        case id, serial, subject, sans, status, profile
        case requestedBy = "requested_by"
        case issuerID = "issuer_id"
        case notBefore = "not_before"
        case notAfter = "not_after"
        case revokedAt = "revoked_at"
        case revocationReason = "revocation_reason"
        case certificatePEM = "certificate_pem"
        case chainPEM = "chain_pem"
    }

    init(_ record: CertificateRecord, now: Date = Date()) {
        id = record.id
        issuerID = record.issuerID
        serial = record.serial
        subject = record.subject
        sans = record.sans
        status = record.status(at: now).rawValue
        notBefore = record.notBefore.rfc3339
        notAfter = record.notAfter.rfc3339
        revokedAt = record.revokedAt?.rfc3339
        revocationReason = record.revocationReason?.name
        certificatePEM = record.certificatePEM
        chainPEM = record.chainPEM
        profile = record.profile
        requestedBy = record.requestedBy
    }

    /// `revoked_at` and `revocation_reason` only once revoked (SPEC §4); `profile` always, `null`
    /// for certificates issued before profiles existed.
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(issuerID, forKey: .issuerID)
        try c.encode(serial, forKey: .serial)
        try c.encode(subject, forKey: .subject)
        try c.encode(sans, forKey: .sans)
        try c.encode(status, forKey: .status)
        try c.encode(notBefore, forKey: .notBefore)
        try c.encode(notAfter, forKey: .notAfter)
        try c.encodeIfPresent(revokedAt, forKey: .revokedAt)
        try c.encodeIfPresent(revocationReason, forKey: .revocationReason)
        try c.encode(certificatePEM, forKey: .certificatePEM)
        try c.encode(chainPEM, forKey: .chainPEM)
        try c.encode(profile, forKey: .profile)
        try c.encode(requestedBy, forKey: .requestedBy)
    }
}

/// One page of a list endpoint: the rows under `key`, and `next_cursor` (explicit `null` on the
/// last page).
struct PageJSON<Row: Encodable>: Encodable {
    var key: String
    var rows: [Row]
    var nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(rows, forKey: DynamicKey(key))
        try container.encode(nextCursor, forKey: DynamicKey("next_cursor"))
    }

    struct DynamicKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
