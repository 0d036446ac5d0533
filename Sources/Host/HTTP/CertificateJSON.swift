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

    enum CodingKeys: String, CodingKey {
        case id, serial, subject, sans, status
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
