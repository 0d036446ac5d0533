import ConnectorAPI
import ConnectorSupport
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509

@testable import ACMEConnector
@testable import Host

@Suite struct JOSETests {
    @Test func base64URLHasNoPaddingAndRoundTrips() {
        let bytes: [UInt8] = [0xfb, 0xff, 0xfe, 0x00, 0x01]
        #expect(Base64URL.encode(bytes) == "-__-AAE")
        #expect(Base64URL.decode("-__-AAE") == bytes)
        #expect(Base64URL.decode("not base64url!") == nil)
    }

    @Test func es256SignatureIsRawAndVerifiesOverProtectedDotPayload() throws {
        let key = ACMEAccountKey(privateKey: P256.Signing.PrivateKey())
        let header = JWS.Header(alg: "ES256", jwk: nil, kid: "https://ca.test/acct/1", nonce: "n1", url: "https://ca.test/new-order")
        let jws = try JWS.signed(ACMEObjects.NewOrder(identifiers: [.init(type: "dns", value: "a.test")]), header: header, key: key)
        let signature = try #require(Base64URL.decode(jws.signature))
        #expect(signature.count == 64)
        let verified = key.privateKey.publicKey.isValidSignature(
            try P256.Signing.ECDSASignature(rawRepresentation: signature), for: Array("\(jws.protected).\(jws.payload)".utf8))
        #expect(verified)
        let protected = try JSONSerialization.jsonObject(with: Data(try #require(Base64URL.decode(jws.protected)))) as? [String: String]
        #expect(protected == ["alg": "ES256", "kid": "https://ca.test/acct/1", "nonce": "n1", "url": "https://ca.test/new-order"])
    }

    @Test func postAsGetHasAnEmptyPayload() throws {
        let key = ACMEAccountKey(privateKey: P256.Signing.PrivateKey())
        let header = JWS.Header(alg: "ES256", jwk: key.jwk, kid: nil, nonce: "n", url: "https://ca.test/order/1")
        #expect(try JWS.signed(ACMEObjects.Empty?.none, header: header, key: key).payload == "")
    }

    /// RFC 7638 §3: SHA-256 over `{"crv":…,"kty":…,"x":…,"y":…}`, computed here independently.
    @Test func thumbprintAndKeyAuthorization() throws {
        let key = ACMEAccountKey(privateKey: P256.Signing.PrivateKey())
        let raw = Array(key.privateKey.publicKey.x963Representation.dropFirst())
        let x = Base64URL.encode(raw[0..<32])
        let y = Base64URL.encode(raw[32..<64])
        let expected = Base64URL.encode(SHA256.hash(data: Array("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"\(x)\",\"y\":\"\(y)\"}".utf8)))
        #expect(key.thumbprint == expected)
        #expect(key.keyAuthorization(token: "tok") == "tok.\(expected)")
        // RFC 8555 §8.4: the dns-01 TXT value is base64url(SHA-256(key authorization)).
        #expect(
            DNS01HookSolver.txtValue(keyAuthorization: "tok.\(expected)")
                == Base64URL.encode(SHA256.hash(data: Array("tok.\(expected)".utf8))))
    }

    @Test func externalAccountBindingIsAnHMACOverTheAccountJWK() throws {
        let key = ACMEAccountKey(privateKey: P256.Signing.PrivateKey())
        let mac: [UInt8] = Array(repeating: 7, count: 32)
        let eab = try JWS.externalAccountBinding(kid: "kid-1", macKey: mac, accountKey: key, url: "https://ca.test/new-acct")
        let expected = HMAC<SHA256>.authenticationCode(for: Array("\(eab.protected).\(eab.payload)".utf8), using: SymmetricKey(data: mac))
        #expect(eab.signature == Base64URL.encode(expected))
        let payload = try JSONDecoder().decode(ACMEAccountKey.JWK.self, from: Data(try #require(Base64URL.decode(eab.payload))))
        #expect(payload == key.jwk)
        let protected = try JSONSerialization.jsonObject(with: Data(try #require(Base64URL.decode(eab.protected)))) as? [String: String]
        #expect(protected == ["alg": "HS256", "kid": "kid-1", "url": "https://ca.test/new-acct"])
    }
}

@Suite struct CircuitBreakerTests {
    @Test func opensAfterConsecutiveFailuresThenLetsOneProbeThrough() {
        let clock = ManualClock()
        let breaker = CircuitBreaker(failureThreshold: 3, openDuration: .seconds(30), clock: clock)
        for _ in 0..<2 {
            #expect(breaker.admit() == .proceed)
            breaker.recordFailure()
        }
        #expect(!breaker.isOpen)
        breaker.recordFailure()
        #expect(breaker.isOpen)
        clock.advance(by: .seconds(10))
        #expect(breaker.admit() == .refuse(retryAfter: .seconds(20)))
        clock.advance(by: .seconds(20))
        #expect(breaker.admit() == .proceed)  // the probe
        #expect(breaker.admit() != .proceed)  // others wait for it
        breaker.recordFailure()  // the probe failed: open again for the full period
        #expect(breaker.admit() == .refuse(retryAfter: .seconds(30)))
        clock.advance(by: .seconds(30))
        #expect(breaker.admit() == .proceed)
        breaker.recordSuccess()
        #expect(!breaker.isOpen && breaker.consecutiveFailures == 0)
        #expect(breaker.admit() == .proceed && breaker.admit() == .proceed)
    }

    @Test func aSuccessResetsTheCount() {
        let breaker = CircuitBreaker(failureThreshold: 2, openDuration: .seconds(5), clock: ManualClock())
        breaker.recordFailure()
        breaker.recordSuccess()
        breaker.recordFailure()
        #expect(!breaker.isOpen)
    }
}

@Suite struct ACMEOptionsTests {
    func options(_ values: [String: String]) -> ConnectorOptions {
        ConnectorOptions(values.mapValues { .scalar($0) }, baseDirectory: URL(fileURLWithPath: "/tmp"), issuerID: "iss-acme")
    }

    @Test func defaults() throws {
        let parsed = try ACMEOptions(options(["directory_url": "https://ca.test/dir"]))
        #expect(parsed.challenge == .http01 && parsed.requestTimeout == .seconds(10) && parsed.timeout == .seconds(25))
        #expect(parsed.retries == 2 && parsed.circuitBreakerFailures == 5 && parsed.circuitBreakerOpen == .seconds(30))
        #expect(!parsed.termsOfServiceAgreed && parsed.externalAccountBinding == nil)
    }

    /// The EAB MAC key from an owner-only file, and the refusals around it (never quoting the key).
    @Test func theEABKeyFromAFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("certctl-eab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("eab.key")
        _ = FileManager.default.createFile(
            atPath: file.path, contents: Data("c2VjcmV0LWtleS0xMjM\n".utf8), attributes: [.posixPermissions: 0o600])
        let parsed = try ACMEOptions(options(["directory_url": "https://ca.test/dir", "eab_kid": "k", "eab_hmac_key_file": file.path]))
        #expect(parsed.externalAccountBinding?.kid == "k" && parsed.externalAccountBinding?.macKey == Array("secret-key-123".utf8))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file.path)
        let open = #expect(throws: ConnectorError.self) {
            try ACMEOptions(options(["directory_url": "https://ca.test/dir", "eab_kid": "k", "eab_hmac_key_file": file.path]))
        }
        #expect(open?.message.contains("chmod 600") == true && open?.message.contains("c2Vj") == false, "\(open?.message ?? "")")
        let both = #expect(throws: ConnectorError.self) {
            try ACMEOptions(
                options(["directory_url": "https://ca.test/dir", "eab_kid": "k", "eab_hmac_key": "a2V5", "eab_hmac_key_file": file.path]))
        }
        #expect(both?.message.contains("set one, not both") == true)
    }

    @Test(arguments: [
        (["directory_url": "http://ca.test/dir"], "https://"),
        (["directory_url": "https://ca.test/dir", "eab_kid": "k"], "eab_kid and eab_hmac_key"),
        (["directory_url": "https://ca.test/dir", "eab_kid": "k", "eab_hmac_key": "no spaces!"], "eab_hmac_key"),
        (["directory_url": "https://ca.test/dir", "challenge": "tls-alpn-01"], "challenge"),
        (["directory_url": "https://ca.test/dir", "challenge": "dns-01"], "dns_hook"),
        (["directory_url": "https://ca.test/dir", "timeout": "soon"], "timeout"),
        (["directory_url": "https://ca.test/dir", "terms_of_service_agreed": "maybe"], "terms_of_service_agreed"),
        (["directory_url": "https://ca.test/dir", "ca_bundle_file": "/nonexistent.pem"], "ca_bundle_file"),
        (["directory_url": "https://ca.test/dir", "directory": "x"], "unknown key 'directory'"),
    ])
    func invalidSettingsNameTheIssuerAndKey(values: [String: String], mentions: String) {
        do {
            _ = try ACMEOptions(options(values))
            Issue.record("accepted \(values)")
        } catch let error as ConnectorError {
            #expect(error.code == .invalidConfiguration)
            #expect(error.message.hasPrefix("issuer iss-acme") && error.message.contains(mentions), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func httpChallengeWithoutThePlainListenerIsAStartupError() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("acme-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let configuration = IssuerConfiguration(
            id: "iss-acme", type: "acme", options: options(["directory_url": "https://ca.test/dir"]), dataDirectory: directory)
        let error = await #expect(throws: ConnectorError.self) { _ = try await ACMEConnector.make(configuration) }
        #expect(error?.code == .invalidConfiguration)
        #expect(
            error?.message.hasPrefix("issuer iss-acme: challenge http-01 needs the plain-HTTP listener: set CERTCTL_PKI_HTTP_LISTEN")
                == true)
        // The account key is created 0600 and reused.
        let keyFile = directory.appendingPathComponent("acme/iss-acme/account.key")
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let first = try ACMEAccountKey.loadOrCreate(keyFile, issuerID: "iss-acme")
        let second = try ACMEAccountKey.loadOrCreate(keyFile, issuerID: "iss-acme")
        #expect(first.jwk == second.jwk)
    }
}

@Suite struct ACMEProtocolTests {
    func csr(_ sans: [GeneralName], commonName: String = "app.test") throws -> CertificateSigningRequest {
        try TestPKI.csr(commonName: commonName, sans: sans)
    }

    @Test func identifiersComeFromDNSAndIPSANs() throws {
        let request = try csr([.dnsName("A.test"), .ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1])), .dnsName("a.test")])
        #expect(try ACMEIdentifiers.of(request) == [.init(type: "dns", value: "a.test"), .init(type: "ip", value: "127.0.0.1")])
        let v6 = try csr([.ipAddress(ASN1OctetString(contentBytes: [0x20, 0x01, 0x0d, 0xb8] + Array(repeating: 0, count: 11) + [1]))])
        #expect(try ACMEIdentifiers.of(v6) == [.init(type: "ip", value: "2001:db8::1")])
        #expect(try ACMEIdentifiers.of(try csr([], commonName: "cn-only.test")) == [.init(type: "dns", value: "cn-only.test")])
        #expect(throws: ConnectorError.self) { try ACMEIdentifiers.of(try csr([.rfc822Name("ops@a.test")])) }
    }

    @Test func problemsMapToTheHostsStatusClasses() {
        func code(_ name: String, _ status: Int? = nil) -> ConnectorError.Code {
            ACMEProblem(type: ACMEProblem.prefix + name, detail: "d", status: status).connectorError("ctx").code
        }
        #expect(code("rejectedIdentifier") == .rejected)
        #expect(code("caa") == .rejected)
        #expect(code("rateLimited") == .unavailable)
        #expect(code("serverInternal") == .upstreamFailure)
        #expect(code("custom", 503) == .upstreamFailure)
        #expect(
            ACMEProblem(type: ACMEProblem.prefix + "caa", detail: "CAA forbids", status: 403).connectorError("ctx").message.contains(
                "caa: CAA forbids"))
    }

    @Test func retryAfterAcceptsAnHTTPDate() throws {
        let date = try #require(ACMEClient.httpDate("Sun, 29 Nov 2026 10:00:00 GMT"))
        #expect(date.timeIntervalSince1970 == 1_795_946_400)
    }

    @Test func pemChainSplitsIntoLeafAndIssuers() async throws {
        let (root, _) = try await TestPKI.root()
        let (other, _) = try await TestPKI.root(.ecdsaP384)
        let text = try [other, root].map { try $0.serializeAsPEM().pemString }.joined(separator: "\n")
        let response = try ACMEConnector.chain(fromPEM: text, issuerID: "iss-acme")
        #expect(response.certificate == other && response.chain == [root])
        #expect(throws: ConnectorError.self) { try ACMEConnector.chain(fromPEM: "", issuerID: "iss-acme") }
    }

    @Test func challengeResponsesAreServedUntilWithdrawn() {
        let store = HTTPChallengeResponses()
        store.publish(token: "t1", keyAuthorization: "t1.thumb")
        #expect(store.keyAuthorization(token: "t1") == "t1.thumb")
        store.withdraw(token: "t1")
        #expect(store.keyAuthorization(token: "t1") == nil)
    }
}
