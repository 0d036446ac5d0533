import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import IssuingKit
import SwiftASN1
import X509
import _CryptoExtras

/// Keys, CSRs and CAs for tests.
enum TestPKI {
    static func csr(
        key: Certificate.PrivateKey = Certificate.PrivateKey(P256.Signing.PrivateKey()),
        commonName: String? = "app.example.test",
        sans: [GeneralName] = [.dnsName("app.example.test")],
        algorithm: Certificate.SignatureAlgorithm = .ecdsaWithSHA256
    ) throws -> CertificateSigningRequest {
        let subject = try DistinguishedName {
            if let commonName { CommonName(commonName) }
        }
        var attributes = CertificateSigningRequest.Attributes()
        if !sans.isEmpty {
            let extensions = try Certificate.Extensions { SubjectAlternativeNames(sans) }
            attributes = try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))])
        }
        return try CertificateSigningRequest(
            version: .v1, subject: subject, privateKey: key, attributes: attributes, signatureAlgorithm: algorithm
        )
    }

    static func pem(_ csr: CertificateSigningRequest) throws -> String {
        try csr.serializeAsPEM().pemString
    }

    /// A self-signed root and its signer.
    static func root(_ type: KeyType = .ecdsaP256) async throws -> (Certificate, SoftwareSigner) {
        let signer = try SoftwareSigner(generating: type)
        let certificate = try await CACertificateBuilder.make(
            subject: try DistinguishedName { CommonName("Test Root") }, signer: signer, validityDays: 30, parent: nil
        )
        return (certificate, signer)
    }

    /// A request approving the CSR's own subject and SANs (what the development profile approves).
    static func request(
        _ csr: CertificateSigningRequest, days: Double = 10, urls: PublicationURLs = PublicationURLs(),
        extendedKeyUsage: [ExtendedKeyUsage.Usage] = [.serverAuth, .clientAuth]
    ) -> IssueRequest {
        let sans = (try? csr.attributes.extensionRequest?.extensions.subjectAlternativeNames).flatMap { $0 }.map(Array.init) ?? []
        return IssueRequest(
            csr: csr, subject: csr.subject, subjectAlternativeNames: sans, extendedKeyUsage: extendedKeyUsage,
            notBefore: Date().addingTimeInterval(-60), notAfter: Date().addingTimeInterval(days * 86_400), publicationURLs: urls)
    }
}
