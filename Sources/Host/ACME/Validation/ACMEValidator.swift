import Crypto
import Foundation

/// Decides challenges (RFC 8555 §8): http-01 fetches the key authorization from the name on
/// `CERTCTL_ACME_HTTP01_PORT`; dns-01 looks for its SHA-256 in a TXT record at
/// `_acme-challenge.<name>`; tls-alpn-01 (RFC 8737) checks the certificate presented for
/// `acme-tls/1` on `CERTCTL_ACME_TLSALPN01_PORT`. Every lookup goes through ``DNSClient`` (`CERTCTL_ACME_DNS_RESOLVER`
/// when set) and no address in `CERTCTL_ACME_VALIDATION_DENY_CIDRS` is ever contacted.
struct ACMEValidator: Sendable {
    var dns: DNSClient
    var http01Port: Int
    var tlsALPN01Port: Int
    var deny: [IPRange]

    /// `nil` when `challenge` is satisfied for `identifier`, else why not.
    func validate(_ challenge: ACMEChallenge, identifier: ACMEIdentifier, thumbprint: String) async -> ACMEProblem? {
        let keyAuthorization = "\(challenge.token).\(thumbprint)"
        do {
            switch challenge.type {
            case ACMEProfileSettings.Challenge.http01.rawValue:
                let fetcher = HTTP01Fetcher(dns: dns, port: http01Port, httpsPort: tlsALPN01Port, deny: deny)
                let body = try await fetcher.fetch(name: identifier.value, token: challenge.token)
                guard body.trimmingCharacters(in: .whitespacesAndNewlines) == keyAuthorization else {
                    return ACMEProblem(
                        .incorrectResponse,
                        "http://\(identifier.value)/.well-known/acme-challenge/\(challenge.token) did not answer the key authorization")
                }
                return nil
            case ACMEProfileSettings.Challenge.dns01.rawValue:
                let expected = JOSEBase64.encode(SHA256.hash(data: Data(keyAuthorization.utf8)))
                let name = "_acme-challenge.\(identifier.value)"
                let records = try await dns.txt(name)
                guard records.contains(expected) else {
                    return ACMEProblem(
                        .incorrectResponse, "no TXT record at \(name) holds the expected value (found \(records.count) record(s))")
                }
                return nil
            case ACMEProfileSettings.Challenge.tlsALPN01.rawValue:
                let fetcher = HTTP01Fetcher(dns: dns, port: tlsALPN01Port, deny: deny)
                let address = try await fetcher.allowedAddress(identifier.value)
                return await TLSALPN01Prober(port: tlsALPN01Port).validate(
                    address: address, identifier: identifier, keyAuthorization: keyAuthorization)
            default:
                return ACMEProblem(.malformed, "challenge type \(challenge.type) is not supported")
            }
        } catch {
            return error
        }
    }
}
