import ConnectorAPI
import Foundation
import X509

/// What a CA certificate must be for certctl to issue under it (RFC 5280 §4.2.1.3, §4.2.1.9),
/// checked when a signer-backed issuer (file key, PKCS#11, `sign` plugin) starts and by
/// `certctl plugin check`.
///
/// - Refused (start-up stops, naming the issuer and the rule): basicConstraints absent or
///   `CA:FALSE`; a keyUsage without keyCertSign. (A CA certificate without keyUsage is allowed:
///   RFC 5280 leaves the key unrestricted then, and relying parties accept it.)
/// - Degraded: a keyUsage without cRLSign turns the issuer's CRL off (OCSP still works: its
///   responder certificate is a certificate); a CA certificate outside its validity makes the
///   issuer unhealthy in `/readyz` while the others serve.
public struct CACertificateCheck: Sendable, Equatable {
    /// A refusal: the rule and what the certificate has instead.
    public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        public var rule: String
        public var detail: String
        public var description: String { "the CA certificate \(detail) (\(rule))" }
    }

    /// Whether the CA may sign CRLs (no keyUsage, or one with cRLSign).
    public var signsCRLs: Bool

    /// Checks the fixed properties of `certificate`.
    /// - Throws: ``Refusal`` for a certificate certctl must not issue under.
    public init(_ certificate: Certificate) throws(Refusal) {
        let constraints: BasicConstraints?
        let usage: KeyUsage?
        do {
            constraints = try certificate.extensions.basicConstraints
            usage = try certificate.extensions.keyUsage
        } catch {
            throw Refusal(rule: "RFC 5280 §4.2", detail: "has an undecodable basicConstraints or keyUsage extension")
        }
        guard case .isCertificateAuthority = constraints else {
            let detail = constraints == nil ? "has no basicConstraints extension" : "has basicConstraints CA:FALSE"
            throw Refusal(rule: "basicConstraints CA:TRUE is required, RFC 5280 §4.2.1.9", detail: detail)
        }
        if let usage, !usage.keyCertSign {
            throw Refusal(rule: "keyUsage must include keyCertSign, RFC 5280 §4.2.1.3", detail: "has a keyUsage without keyCertSign")
        }
        signsCRLs = usage?.cRLSign ?? true
    }

    /// `nil` while `certificate` is inside its validity at `now`, else why it is not.
    public static func validityProblem(_ certificate: Certificate, now: Date) -> String? {
        if now > certificate.notValidAfter { return "the CA certificate expired at \(Self.format(certificate.notValidAfter))" }
        if now < certificate.notValidBefore { return "the CA certificate is not valid before \(Self.format(certificate.notValidBefore))" }
        return nil
    }

    static func format(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle()
        style.timeZone = .gmt
        return date.formatted(style)
    }
}
