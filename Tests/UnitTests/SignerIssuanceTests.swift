import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import IssuingKit
import SwiftASN1
import Testing
import X509
import _CryptoExtras

@Suite struct SignerIssuanceTests {
    @Test func issuedLeafCarriesTheCAProfileAndVerifies() async throws {
        let (root, signer) = try await TestPKI.root()
        let issuer = try SignerBackedIssuer(caCertificate: root, signer: signer)
        let csr = try TestPKI.csr(sans: [.dnsName("app.example.test"), .ipAddress(ASN1OctetString(contentBytes: [10, 0, 0, 5]))])
        let urls = PublicationURLs(
            caIssuers: "https://pki.test/ca", ocsp: "https://pki.test/ocsp", crlDistributionPoint: "https://pki.test/crl")
        let response = try await issuer.issue(TestPKI.request(csr, urls: urls))
        let leaf = response.certificate

        #expect(root.publicKey.isValidSignature(leaf.signature, for: leaf))
        #expect(leaf.issuer == root.subject)
        #expect(leaf.subject == csr.subject)
        #expect(leaf.publicKey == csr.publicKey)
        #expect(try leaf.extensions.basicConstraints == .notCertificateAuthority)
        #expect(try leaf.extensions.keyUsage == KeyUsage(digitalSignature: true))
        #expect(try leaf.extensions.extendedKeyUsage == ExtendedKeyUsage([.serverAuth, .clientAuth]))
        #expect(try leaf.extensions.subjectAlternativeNames == csr.attributes.extensionRequest?.extensions.subjectAlternativeNames)
        #expect(try leaf.extensions.subjectKeyIdentifier == SubjectKeyIdentifier(hash: csr.publicKey))
        #expect(try leaf.extensions.authorityKeyIdentifier?.keyIdentifier == root.extensions.subjectKeyIdentifier?.keyIdentifier)
        let aia = try #require(try leaf.extensions.authorityInformationAccess)
        #expect(aia.count == 2)
        #expect(response.chain == [root])

        // CRL DP: SEQUENCE { SEQUENCE { [0] { [0] { [6] uri } } } }
        let cdp = try #require(leaf.extensions[oid: [2, 5, 29, 31]])
        let uri = Array("https://pki.test/crl".utf8)
        let expected: [UInt8] =
            [
                0x30, UInt8(uri.count + 8), 0x30, UInt8(uri.count + 6), 0xA0, UInt8(uri.count + 4), 0xA0, UInt8(uri.count + 2), 0x86,
                UInt8(uri.count),
            ] + uri
        #expect(Array(cdp.value) == expected)
        #expect(cdp.critical == false)
    }

    @Test func serialNumbersArePositiveSixteenRandomOctets() {
        var seen = Set<[UInt8]>()
        for _ in 0..<1_000 {
            let bytes = Array(SerialNumberGenerator.next().bytes)
            #expect(bytes.count == 16)
            #expect(bytes[0] & 0x80 == 0)
            #expect(bytes[0] != 0)
            seen.insert(bytes)
        }
        #expect(seen.count == 1_000)
    }

    @Test func rsaLeavesGetKeyEnciphermentAndAnRSACASignsPKCS1() async throws {
        let (root, signer) = try await TestPKI.root(.rsa2048)
        #expect(root.signatureAlgorithm == .sha256WithRSAEncryption)
        let issuer = try SignerBackedIssuer(caCertificate: root, signer: signer)
        let rsaKey = Certificate.PrivateKey(try _RSA.Signing.PrivateKey(keySize: .bits2048))
        let leaf = try await issuer.issue(TestPKI.request(try TestPKI.csr(key: rsaKey, algorithm: .sha256WithRSAEncryption))).certificate
        #expect(try leaf.extensions.keyUsage == KeyUsage(digitalSignature: true, keyEncipherment: true))
        #expect(root.publicKey.isValidSignature(leaf.signature, for: leaf))
    }

    @Test func validityIsClampedToTheCA() async throws {
        let (root, signer) = try await TestPKI.root()
        let issuer = try SignerBackedIssuer(caCertificate: root, signer: signer)
        let leaf = try await issuer.issue(TestPKI.request(try TestPKI.csr(), days: 400)).certificate
        #expect(leaf.notValidAfter == root.notValidAfter)
    }

    @Test func csrWithoutSubjectOrSANIsRejected() async throws {
        let (root, signer) = try await TestPKI.root()
        let issuer = try SignerBackedIssuer(caCertificate: root, signer: signer)
        let error = await #expect(throws: ConnectorError.self) {
            try await issuer.issue(TestPKI.request(try TestPKI.csr(commonName: nil, sans: [])))
        }
        #expect(error?.code == .rejected)
        // SAN only: allowed, and the SAN extension is then critical.
        let leaf = try await issuer.issue(TestPKI.request(try TestPKI.csr(commonName: nil))).certificate
        #expect(leaf.extensions[oid: [2, 5, 29, 17]]?.critical == true)
    }

    @Test func mismatchedKeyAndCertificateAreRefused() async throws {
        let (root, _) = try await TestPKI.root()
        let error = #expect(throws: ConnectorError.self) {
            try SignerBackedIssuer([root], signer: try SoftwareSigner(generating: .ecdsaP256), issuerID: "iss-a")
        }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message == "issuer iss-a: the CA key does not match the CA certificate")
    }

    @Test func subordinateIsSignedByItsParent() async throws {
        let (root, rootSigner) = try await TestPKI.root(.ecdsaP384)
        let signer = try SoftwareSigner(generating: .ecdsaP256)
        let sub = try await CACertificateBuilder.make(
            subject: try DistinguishedName { CommonName("Sub") }, signer: signer, validityDays: 3650, parent: (root, rootSigner)
        )
        #expect(sub.issuer == root.subject)
        #expect(sub.signatureAlgorithm == .ecdsaWithSHA384)
        #expect(root.publicKey.isValidSignature(sub.signature, for: sub))
        #expect(sub.notValidAfter <= root.notValidAfter)
        #expect(try sub.extensions.basicConstraints == .isCertificateAuthority(maxPathLength: 0))
        #expect(try sub.extensions.keyUsage == KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
    }

    @Test func softwareSignerRoundTripsItsPEM() async throws {
        for type in [KeyType.ecdsaP256, .ecdsaP384, .rsa2048] {
            let signer = try SoftwareSigner(generating: type)
            let loaded = try SoftwareSigner(pemEncoded: signer.privateKeyPEM)
            #expect(loaded.publicKey == signer.publicKey)
            let signature = try await loaded.sign(Array("hello".utf8))
            #expect(signer.publicKey.isValidSignature(signature, for: Array("hello".utf8), signatureAlgorithm: signer.signatureAlgorithm))
        }
        let error = #expect(throws: ConnectorError.self) { try SoftwareSigner(pemEncoded: "not a key") }
        #expect(error?.message == "not a PEM EC P-256, P-384 or RSA private key")
    }
}

@Suite struct ECDSASignatureDERTests {
    @Test func matchesSwiftCryptoForRealSignatures() throws {
        let p256 = P256.Signing.PrivateKey()
        let p384 = P384.Signing.PrivateKey()
        for index in 0..<300 {
            let message = Array("message \(index)".utf8)
            let s256 = try p256.signature(for: message)
            #expect(ECDSASignatureDER.encode(raw: Array(s256.rawRepresentation)) == Array(s256.derRepresentation))
            let s384 = try p384.signature(for: message)
            #expect(ECDSASignatureDER.encode(raw: Array(s384.rawRepresentation)) == Array(s384.derRepresentation))
        }
    }

    @Test func leadingZerosAndHighBits() throws {
        // r with leading zero octets, s with its top bit set.
        let raw = [0x00, 0x00, 0x7F] + [UInt8](repeating: 0x11, count: 29) + [0x80] + [UInt8](repeating: 0x22, count: 31)
        let expected = Array(try P256.Signing.ECDSASignature(rawRepresentation: raw).derRepresentation)
        #expect(ECDSASignatureDER.encode(raw: raw) == expected)
        #expect(expected[2...3] == [0x02, 0x1E], "r lost its two zero octets")
        #expect(ECDSASignatureDER.encode(raw: []) == nil)
        #expect(ECDSASignatureDER.encode(raw: [1, 2, 3]) == nil)
        #expect(ECDSASignatureDER.encode(raw: [UInt8](repeating: 1, count: 134)) == nil)
    }

    @Test func signerOutputVerifies() throws {
        let signer = try SoftwareSigner(generating: .ecdsaP256)
        let data = Array("tbs".utf8)
        let der = try signer.signSynchronously(data)
        let key = try #require(P256.Signing.PublicKey(signer.publicKey))
        #expect(key.isValidSignature(try P256.Signing.ECDSASignature(derRepresentation: der), for: data))
    }
}
