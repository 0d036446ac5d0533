import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import SwiftASN1
import X509

/// The development TLS certificate for `localhost`, `127.0.0.1` and `::1` under
/// `<data_dir>/tls/`: issued by `iss-local` when the host bootstrapped it, self-signed otherwise.
/// Re-issued when it is within 30 days of expiry.
struct TLSBootstrap {
    let dataDirectory: URL

    var certificateFile: URL { dataDirectory.appendingPathComponent("tls/server.crt") }
    var keyFile: URL { dataDirectory.appendingPathComponent("tls/server.key") }

    static let validityDays = 365
    static let renewBefore: TimeInterval = 30 * 86_400

    /// Whether a usable certificate is already on disk.
    func isCurrent(now: Date = Date()) -> Bool {
        // The file holds the certificate followed by its chain: the first block is the server's.
        guard let text = try? String(contentsOf: certificateFile, encoding: .utf8),
            let first = try? PEMDocument.parseMultiple(pemString: text).first,
            let certificate = try? Certificate(pemDocument: first),
            FileManager.default.fileExists(atPath: keyFile.path)
        else { return false }
        return certificate.notValidAfter.timeIntervalSince(now) > Self.renewBefore
    }

    /// Creates the key and certificate, replacing stale ones.
    /// - Parameter issue: issues a certificate for a CSR (through `iss-local`), or `nil` to self-sign.
    func create(issue: ((String) async throws -> (certificatePEM: String, chainPEM: String))?) async throws {
        try? FileManager.default.removeItem(at: certificateFile)
        try? FileManager.default.removeItem(at: keyFile)
        let key = P256.Signing.PrivateKey()
        let subject = try DistinguishedName {
            OrganizationName("certctl"); CommonName("localhost")
        }
        let sans = SubjectAlternativeNames([
            .dnsName("localhost"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])),
            .ipAddress(ASN1OctetString(contentBytes: ArraySlice([UInt8](repeating: 0, count: 15) + [1]))),
        ])
        let pem: String
        if let issue {
            let extensions = try Certificate.Extensions { sans }
            let csr = try CertificateSigningRequest(
                version: .v1, subject: subject, privateKey: Certificate.PrivateKey(key),
                attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
                signatureAlgorithm: .ecdsaWithSHA256
            )
            let issued = try await issue(try csr.serializeAsPEM().pemString)
            pem = issued.certificatePEM + issued.chainPEM
        } else {
            let now = Date()
            let certificate = try Certificate(
                version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
                notValidBefore: now.addingTimeInterval(-60), notValidAfter: now.addingTimeInterval(Double(Self.validityDays) * 86_400),
                issuer: subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256,
                extensions: try Certificate.Extensions {
                    Critical(BasicConstraints.notCertificateAuthority)
                    Critical(KeyUsage(digitalSignature: true))
                    try ExtendedKeyUsage([.serverAuth])
                    sans
                },
                issuerPrivateKey: Certificate.PrivateKey(key)
            )
            pem = try certificate.serializeAsPEM().pemString + "\n"
        }
        try SecretFile.create(keyFile, contents: key.pemRepresentation)
        try Data(pem.utf8).write(to: certificateFile)
    }
}
