import ConnectorAPI
import Foundation

/// A signed CRL as stored and served.
public struct StoredCRL: Sendable, Hashable {
    public var issuerID: String
    public var number: Int64
    public var der: [UInt8]
    public var thisUpdate: Date
    public var nextUpdate: Date
    public var generatedAt: Date
    public var generationDurationMs: Int64
    public var revokedCount: Int
}

/// One CRL generation attempt, for `GET /api/v1/admin/crl/cache`.
public struct CRLGenerationEvent: Sendable, Hashable {
    public var issuerID: String
    public var startedAt: Date
    public var durationMs: Int64
    public var succeeded: Bool
    public var crlNumber: Int64?
    public var revokedCount: Int?
}

/// What OCSP needs to know about one serial.
public struct SerialStatus: Sendable, Hashable {
    public var revokedAt: Date?
    public var reason: RevocationReason?
}

/// The current delegated OCSP responder of an issuer.
public struct ResponderRecord: Sendable, Hashable {
    public var issuerID: String
    public var serial: String
    public var certificatePEM: String
    /// File name (in the responder key directory) of its private key.
    public var keyFileName: String
    public var notBefore: Date
    public var notAfter: Date
}

/// A pre-signed OCSP response for a nonce-less request.
public struct CachedOCSPResponse: Sendable, Hashable {
    public var issuerID: String
    public var serial: String
    /// Which CertID encoding the response answers (hash algorithm and parameters differ between
    /// clients): hex SHA-256 of the CertID DER.
    public var certIDKey: String
    public var der: [UInt8]
    public var thisUpdate: Date
    public var nextUpdate: Date
}
