import ConnectorAPI
import ConnectorSupport
import Crypto
import ExternalConnector
import Foundation
import Host
import IssuingKit
import Logging
import X509

/// `certctl plugin check`: starts one plugin as `serve` would and checks it the way the host will
/// use it, step by step, timing each call. A `sign` plugin must hold the key of a CA certificate
/// certctl may issue under and sign digests that verify; an `issue` plugin must return a
/// certificate the host would store for a generated CSR.
struct PluginConformance {
    struct Step {
        var name: String
        var ok: Bool
        var detail: String
    }

    struct Report {
        var issuerID: String
        var steps: [Step]
        var conforms: Bool { steps.allSatisfy(\.ok) }

        var text: String {
            var lines = ["certctl plugin check: issuer \(issuerID)"]
            for step in steps {
                lines.append(
                    "  \(step.ok ? "ok  " : "FAIL")  \(step.name.padding(toLength: 15, withPad: " ", startingAt: 0)) \(step.detail)")
            }
            let failed = steps.filter { !$0.ok }.count
            lines.append(
                failed == 0
                    ? "conforms: \(steps.count) checks passed"
                    : "does not conform: \(failed) of \(steps.count) checks failed (see docs/connectors/external-protocol.md)")
            return lines.joined(separator: "\n")
        }
    }

    let settings: IssuerSettings
    let configuration: IssuerConfiguration
    let logger: Logger
    var now: () -> Date = Date.init

    /// A host name the generated CSR asks for.
    static let testName = "plugin-check.example.test"

    func run() async -> Report {
        var steps: [Step] = []
        let clock = ContinuousClock()
        let started = clock.now
        let session: PluginSession
        do {
            session = try await PluginSession.start(configuration, logger: logger)
        } catch {
            steps.append(Step(name: "start", ok: false, detail: Self.message(error)))
            return Report(issuerID: settings.id, steps: steps)
        }
        let greeting = session.greeting
        steps.append(
            Step(
                name: "start", ok: true,
                detail:
                    "spawn, handshake and describe in \(Self.ms(clock.now - started)): protocol \(greeting.protocolVersion), name \(greeting.name ?? "(none)"), capabilities \(greeting.capabilities.joined(separator: ", "))"
            ))
        steps.append(pinStep(session))
        await steps.append(contentsOf: checks(session))
        await session.stop()
        return Report(issuerID: settings.id, steps: steps)
    }

    private func pinStep(_ session: PluginSession) -> Step {
        if session.pinned { return Step(name: "sha256 pin", ok: true, detail: "\(session.executable) matches its pin") }
        let hex = FileManager.default.contents(atPath: session.executable).map {
            SHA256.hash(data: $0).map { String(format: "%02x", $0) }.joined()
        }
        return Step(
            name: "sha256 pin", ok: true,
            detail: "not pinned (fine while developing; in production add `sha256: \(hex ?? "<sha256sum of command[0]>")`)")
    }

    private func checks(_ session: PluginSession) async -> [Step] {
        var steps: [Step] = []
        let capabilities = Set(session.greeting.capabilities)
        let chain: [Certificate]
        do {
            let (described, duration) = try await Self.timed { try await session.describe() }
            chain = described
            let summary =
                described.first.map { "CA \($0.subject), \(KeyType($0.publicKey)?.rawValue ?? "unsupported key")" } ?? "no CA chain"
            steps.append(Step(name: "describe", ok: true, detail: "\(Self.ms(duration)): \(described.count) certificate(s); \(summary)"))
        } catch {
            steps.append(Step(name: "describe", ok: false, detail: Self.message(error)))
            return steps
        }
        if capabilities.contains("health") {
            do {
                let (problem, duration) = try await Self.timed { try await session.health() }
                steps.append(
                    Step(name: "health", ok: problem == nil, detail: "\(Self.ms(duration)): " + (problem.map { "reports \($0)" } ?? "ok")))
            } catch {
                steps.append(Step(name: "health", ok: false, detail: Self.message(error)))
            }
        }
        if capabilities.contains("sign") {
            steps.append(contentsOf: await signChecks(session, chain: chain))
        } else {
            steps.append(contentsOf: await issueChecks(session, chain: chain))
        }
        return steps
    }

    // MARK: sign

    private func signChecks(_ session: PluginSession, chain: [Certificate]) async -> [Step] {
        guard let ca = chain.first else {
            return [Step(name: "CA certificate", ok: false, detail: "a `sign` plugin must return its CA certificate from describe")]
        }
        var steps: [Step] = [caCertificateStep(ca)]
        guard let keyType = KeyType(ca.publicKey) else {
            steps.append(Step(name: "CA key", ok: false, detail: "unsupported key type (EC P-256/P-384, RSA 2048–4096)"))
            return steps
        }
        let signer: any CASigner
        do {
            signer = try session.signer(caCertificate: ca)
            let message = Array("certctl plugin check".utf8)
            let (_, duration) = try await Self.timed { try await signer.sign(message) }
            let digest = keyType == .ecdsaP384 ? Array(SHA384.hash(data: message)) : Array(SHA256.hash(data: message))
            steps.append(
                Step(
                    name: "sign", ok: true,
                    detail:
                        "\(Self.algorithm(keyType)) over digest \(digest.map { String(format: "%02x", $0) }.joined()) in \(Self.ms(duration)); verifies with the CA certificate's key"
                ))
        } catch {
            steps.append(Step(name: "sign", ok: false, detail: Self.message(error)))
            return steps
        }
        do {
            let issuer = try SignerBackedIssuer(chain, signer: signer, issuerID: settings.id)
            let (request, _) = try Self.testRequest(now: now())
            let (response, duration) = try await Self.timed { try await issuer.issue(request) }
            let leaf = response.certificate
            let verifies = ca.publicKey.isValidSignature(leaf.signature, for: leaf)
            steps.append(
                Step(
                    name: "issuance", ok: verifies,
                    detail: verifies
                        ? "a certificate for \(Self.testName) built by the host and signed by the plugin in \(Self.ms(duration)); its signature verifies"
                        : "the host-built certificate's signature does not verify with the CA key"))
        } catch {
            steps.append(Step(name: "issuance", ok: false, detail: Self.message(error)))
        }
        return steps
    }

    private func caCertificateStep(_ ca: Certificate) -> Step {
        do {
            let check = try CACertificateCheck(ca)
            if let problem = CACertificateCheck.validityProblem(ca, now: now()) {
                return Step(name: "CA certificate", ok: false, detail: "\(problem): serve would mark the issuer unhealthy")
            }
            let crl = check.signsCRLs ? "cRLSign (CRL published)" : "no cRLSign: serve publishes no CRL for it (OCSP only)"
            return Step(name: "CA certificate", ok: true, detail: "CA:TRUE, keyCertSign, \(crl); valid until \(ca.notValidAfter)")
        } catch {
            return Step(name: "CA certificate", ok: false, detail: "\(error): serve would refuse to start")
        }
    }

    static func algorithm(_ keyType: KeyType) -> String {
        switch keyType {
        case .ecdsaP256: "ecdsa-with-SHA256"
        case .ecdsaP384: "ecdsa-with-SHA384"
        default: "sha256WithRSAEncryption"
        }
    }

    // MARK: issue

    private func issueChecks(_ session: PluginSession, chain: [Certificate]) async -> [Step] {
        let current = now()
        do {
            let (request, csr) = try Self.testRequest(now: current)
            let (response, duration) = try await Self.timed { try await session.issue(request) }
            let leaf = response.certificate
            var problems: [String] = []
            if let problem = PassthroughCheck.problem(leaf, csr: csr, issuer: settings, now: current) { problems.append(problem) }
            let skew: TimeInterval = 300
            if leaf.notValidBefore < request.notBefore.addingTimeInterval(-skew)
                || leaf.notValidAfter > request.notAfter.addingTimeInterval(skew)
            {
                problems.append(
                    "its validity \(leaf.notValidBefore) – \(leaf.notValidAfter) is outside the requested not_before/not_after")
            }
            let issuingCA = response.chain.first ?? chain.first
            if let issuingCA, !issuingCA.publicKey.isValidSignature(leaf.signature, for: leaf) {
                problems.append("its signature does not verify with the first certificate of chain_pem (or describe's CA)")
            }
            if let urls = try? leaf.extensions.authorityInformationAccess,
                urls.contains(where: { "\($0.location)".contains("/.well-known/pki/ocsp/") })
            {
                problems.append("it points at certctl's OCSP responder, which certctl does not run for an `issue` plugin (ocsp was null)")
            }
            let chainNote = issuingCA == nil ? "; no chain (chain_pem and describe empty): clients must already have the CA" : ""
            return [
                Step(
                    name: "issue", ok: problems.isEmpty,
                    detail: problems.isEmpty
                        ? "a certificate for a generated P-256 CSR (\(Self.testName)) in \(Self.ms(duration)); the host would store it\(chainNote)"
                        : "the host would refuse the certificate: " + problems.joined(separator: "; "))
            ]
        } catch {
            return [Step(name: "issue", ok: false, detail: Self.message(error))]
        }
    }

    // MARK: helpers

    /// A request for a fresh P-256 key, as the host sends for `testName` (one day).
    static func testRequest(now: Date) throws -> (IssueRequest, CertificateSigningRequest) {
        let key = Certificate.PrivateKey(P256.Signing.PrivateKey())
        let extensions = try Certificate.Extensions { SubjectAlternativeNames([.dnsName(testName)]) }
        let csr = try CertificateSigningRequest(
            version: .v1, subject: try DistinguishedName { CommonName(testName) }, privateKey: key,
            attributes: try CertificateSigningRequest.Attributes([.init(ExtensionRequest(extensions: extensions))]),
            signatureAlgorithm: .ecdsaWithSHA256)
        let request = IssueRequest(
            csr: csr, subject: csr.subject, subjectAlternativeNames: [.dnsName(testName)], extendedKeyUsage: [.serverAuth],
            notBefore: now.addingTimeInterval(-60), notAfter: now.addingTimeInterval(86_400),
            publicationURLs: PublicationURLs(caIssuers: "https://localhost:8443/.well-known/pki/ca/plugin-check"))
        return (request, csr)
    }

    static func timed<T>(_ body: () async throws -> T) async throws -> (T, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let value = try await body()
        return (value, clock.now - start)
    }

    static func ms(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.1f ms", value)
    }

    static func message(_ error: any Error) -> String {
        (error as? ConnectorError)?.message ?? (error as? HostError)?.message ?? "\(error)"
    }
}
