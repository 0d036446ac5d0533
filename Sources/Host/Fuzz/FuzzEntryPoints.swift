import Foundation
import SwiftASN1
import X509

/// The host's parsers of untrusted bytes as fuzzer entry points (`scripts/fuzz.sh` builds one
/// fuzzer per target, `FuzzTargets` names them) and as the unit tests' corpus replay: the same
/// call either way. Each must return for any input — a crash, a trap or a hang is the finding.
public enum FuzzEntryPoints {
    /// An OCSP request body: the fast path's scanner, then the full parser.
    public static func ocspRequest(_ bytes: [UInt8]) {
        _ = OCSPRequestScanner.scan(bytes)
        _ = try? OCSPRequest(derBytes: bytes)
    }

    /// Bytes on an HTTP/1 connection: every request head the fast path frames in them.
    public static func http1Frame(_ bytes: [UInt8]) {
        var searched = 0
        while true {
            let scan = bytes.withUnsafeBytes { HTTP1RequestFrame.next($0, searched: searched) }
            guard case .incomplete(let next) = scan, next > searched, next < bytes.count else { break }
            searched = next
        }
    }

    /// An ACME request body (flattened JWS).
    public static func acmeJWS(_ bytes: [UInt8]) {
        _ = try? ACMERequest(body: bytes, nonceRequired: true)
    }

    /// A CSR as a client sends it (PEM text, or DER that is put in PEM): the request checks, then
    /// the policy's decision under ``FuzzPolicyFixture``'s profiles and name-constrained CA. The
    /// policy also sees CSRs whose signature does not verify, so mutations reach the name rules.
    public static func csrPolicy(_ bytes: [UInt8]) {
        let der: [UInt8]
        let pem: String
        if bytes.starts(with: Array("-----".utf8)) {
            pem = String(decoding: bytes, as: UTF8.self)
            guard let document = LenientPEM(pem) else { return }
            der = document.der
        } else {
            der = bytes
            pem = PEMDocument(type: "CERTIFICATE REQUEST", derBytes: bytes).pemString
        }
        _ = try? CSRValidator.validate(pem: pem)
        guard let csr = try? CertificateSigningRequest(derEncoded: der) else { return }
        for profile in FuzzPolicyFixture.profiles {
            _ = try? IssuancePolicy.approve(
                csr, profile: profile, issuer: FuzzPolicyFixture.issuer, validityDays: nil, caChain: FuzzPolicyFixture.chain)
        }
    }

    /// A configuration file's text: YAML, the issuers, profiles and proxies, then every setting
    /// (no environment; relative paths under a directory that does not exist).
    public static func configFile(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self) else { return }
        let directory = URL(fileURLWithPath: "/nonexistent/certctl-fuzz")
        guard let file = try? ConfigFile.parse(text, path: "fuzz.yaml", directory: directory) else { return }
        _ = try? HostConfiguration.load(
            file, from: directory.appendingPathComponent("fuzz.yaml"), environment: [:], workingDirectory: directory)
    }
}
