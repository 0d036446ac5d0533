import Foundation
import SwiftASN1
import X509

extension ACMEService {
    /// renewalInfo (RFC 9773): the suggested window for renewing the certificate named by
    /// `<base64url(AKI keyIdentifier)>.<base64url(serial)>` — from notAfter − ⅓ of its validity to
    /// notAfter − ⅙ (SPEC §8), and in the past once it is revoked, so clients renew at once.
    func renewalInfo(certID: String) async throws -> (start: Date, end: Date) {
        let parts = certID.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let keyID = JOSEBase64.decode(parts[0]), let serialBytes = JOSEBase64.decode(parts[1]),
            !keyID.isEmpty, !serialBytes.isEmpty
        else { throw ACMEProblem(.malformed, "a renewalInfo id is base64url(AKI keyIdentifier).base64url(serial)") }
        let serial = Certificate.SerialNumber(bytes: ArraySlice(serialBytes)).hexString
        let candidates = try await storage.certificates(CertificateQuery(serial: serial, limit: 10, now: now()))
        guard
            let record = candidates.first(where: { record in
                guard let certificate = try? Certificate(pemEncoded: record.certificatePEM),
                    let aki = (try? certificate.extensions.authorityKeyIdentifier)??.keyIdentifier
                else { return false }
                return Array(aki) == keyID
            })
        else { throw ACMEProblem.notFound("certificate") }
        let lifetime = record.notAfter.timeIntervalSince(record.notBefore)
        if let revoked = record.revokedAt {
            return (revoked.addingTimeInterval(-86_400), revoked.addingTimeInterval(-3_600))
        }
        return (record.notAfter.addingTimeInterval(-lifetime / 3), record.notAfter.addingTimeInterval(-lifetime / 6))
    }
}
