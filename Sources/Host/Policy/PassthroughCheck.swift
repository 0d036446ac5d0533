import Foundation
import X509

/// The host's check of a certificate a passthrough CA returned (``UpstreamCheck``), for tools
/// outside the server: `certctl plugin check` runs an `issue` plugin's answer through it.
public enum PassthroughCheck {
    /// Why the host would refuse to store `certificate`, issued by `issuer` for `csr` under the
    /// development profile (the CSR's own names, the issuer's validity limits); `nil` when it
    /// would store it.
    public static func problem(_ certificate: Certificate, csr: CertificateSigningRequest, issuer: IssuerSettings, now: Date) -> String? {
        do {
            let approval = try IssuancePolicy.approve(csr, profile: .development, issuer: issuer, validityDays: nil, caChain: nil)
            try UpstreamCheck.verify(certificate, csr: csr, approval: approval, issuerID: issuer.id, now: now)
            return nil
        } catch {
            return error.detail
        }
    }
}
