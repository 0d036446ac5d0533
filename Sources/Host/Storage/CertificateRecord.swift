import ConnectorAPI
import Foundation

/// An issued certificate as the host stores it.
public struct CertificateRecord: Sendable, Hashable {
    /// Insertion order; the list cursor. 0 before the row is stored.
    public var seq: Int64
    public var id: String
    public var issuerID: String
    /// Lower-case hex of the serial number's octets, as `openssl x509 -serial` prints it.
    public var serial: String
    /// RFC 4514 string of the subject.
    public var subject: String
    /// Subject alternative names, as `DNS:…`, `IP:…`, `email:…`, `URI:…`.
    public var sans: [String]
    public var notBefore: Date
    public var notAfter: Date
    public var revokedAt: Date?
    public var revocationReason: RevocationReason?
    public var certificatePEM: String
    /// The CA chain above the certificate, issuing CA first.
    public var chainPEM: String
    public var createdAt: Date
    /// Who asked for it: `apikey:<id>`, `acme:<account id>`, `est:<identity>`, `scep:<challenge id>`,
    /// or `system`/`cli` (stored as `created_by`).
    public var requestedBy: String
    /// The profile it was issued under; `nil` for certificates issued before profiles existed.
    public var profile: String? = nil

    /// `revoked` wins over `expired`.
    public func status(at now: Date) -> CertificateStatus {
        if revokedAt != nil { return .revoked }
        return notAfter < now ? .expired : .active
    }
}

/// Lifecycle state reported by the API.
public enum CertificateStatus: String, Sendable, Codable, CaseIterable {
    case active, revoked, expired
}

/// Filters and page position for listing certificates, newest first.
public struct CertificateQuery: Sendable {
    public var issuerID: String?
    public var status: CertificateStatus?
    /// Only certificates this actor requested (a `client` key's view).
    public var requestedBy: String?
    /// Lower-case hex without leading zeros, as stored.
    public var serial: String?
    /// Return rows with `seq` strictly below this (the previous page's cursor).
    public var beforeSeq: Int64?
    public var limit: Int
    /// The time `expired` is judged against.
    public var now: Date

    public init(
        issuerID: String? = nil, status: CertificateStatus? = nil, serial: String? = nil, requestedBy: String? = nil,
        beforeSeq: Int64? = nil,
        limit: Int, now: Date
    ) {
        self.issuerID = issuerID
        self.requestedBy = requestedBy
        self.status = status
        self.serial = serial
        self.beforeSeq = beforeSeq
        self.limit = limit
        self.now = now
    }
}

/// Outcome of a revocation attempt, decided inside the storage transaction.
public enum RevocationOutcome: Sendable {
    case revoked(CertificateRecord)
    case alreadyRevoked
    case notFound
}
