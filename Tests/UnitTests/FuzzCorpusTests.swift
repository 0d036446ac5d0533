import ConnectorAPI
import Foundation
import FuzzTargets
import SwiftASN1
import Testing
import X509
import Yams

@testable import ExternalConnector
@testable import Host

/// Every input in `Fuzz/corpus/<target>/` (seeds, and each crash `scripts/fuzz.sh` found once it is
/// fixed) through the fuzzers' own entry points: a regression crashes this test. The seeds are
/// also checked to still parse, so the corpus keeps exercising the parsers' real paths.
@Suite struct FuzzCorpusTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/corpus")

    static func inputs(_ target: FuzzTarget) throws -> [(String, [UInt8])] {
        let directory = root.appendingPathComponent(target.rawValue)
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted().map { name in
            (name, Array(try Data(contentsOf: directory.appendingPathComponent(name))))
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func everyCorpusInputIsHandled(target: FuzzTarget) throws {
        let inputs = try Self.inputs(target)
        #expect(inputs.count >= 3, "Fuzz/corpus/\(target.rawValue) holds the seeds")
        for (_, bytes) in inputs {
            target.run(bytes)
            // Truncations and single-bit flips of each input too (what a fuzzer tries first).
            for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 16)) {
                target.run(Array(bytes.prefix(length)))
            }
            for index in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 32)) {
                var flipped = bytes
                flipped[index] ^= 0x80
                target.run(flipped)
            }
        }
    }

    @Test func theWireSeedsStillParse() throws {
        for (name, bytes) in try Self.inputs(.ocspRequest) {
            #expect(OCSPRequestScanner.scan(bytes) != nil || (try? OCSPRequest(derBytes: bytes)) != nil, "\(name)")
        }
        for (name, bytes) in try Self.inputs(.http1Frame) {
            let scan = bytes.withUnsafeBytes { HTTP1RequestFrame.next($0, searched: 0) }
            if case .incomplete = scan { Issue.record("\(name): not a complete head") }
        }
        for (name, bytes) in try Self.inputs(.acmeJWS) {
            #expect((try? ACMERequest(body: bytes, nonceRequired: true)) != nil, "\(name)")
        }
    }

    /// The CSR seeds verify, and the fixture's profile decides them as their names say: the
    /// fuzzer starts from requests that reach every rule, not from parse errors.
    @Test func theCSRSeedsReachThePolicy() throws {
        #expect(FuzzPolicyFixture.profiles.map(\.id) == ["fuzz", "default"])
        let chain = try #require(FuzzPolicyFixture.chain)
        let fuzz = FuzzPolicyFixture.profiles[0]
        var refused: [String: PolicyRefusal.Rule] = [:]
        for (name, bytes) in try Self.inputs(.csrPolicy) {
            let pem =
                name.hasSuffix(".pem")
                ? String(decoding: bytes, as: UTF8.self) : PEMDocument(type: "CERTIFICATE REQUEST", derBytes: bytes).pemString
            let csr = try CSRValidator.validate(pem: pem)
            do {
                _ = try IssuancePolicy.approve(csr, profile: fuzz, issuer: FuzzPolicyFixture.issuer, validityDays: nil, caChain: chain)
            } catch {
                refused[name] = error.rule
            }
        }
        // The wildcard covers the denied admin.apps.example.test: deny wins.
        #expect(refused == ["upn.der": .sanType, "cn-not-san.der": .commonNameNotSAN, "wildcard.der": .dnsDenied])
    }

    @Test func theConfigSeedsLoad() throws {
        for (name, bytes) in try Self.inputs(.config) {
            let directory = URL(fileURLWithPath: "/nonexistent/certctl-fuzz")
            let file = try ConfigFile.parse(String(decoding: bytes, as: UTF8.self), path: name, directory: directory)
            #expect(throws: Never.self, "\(name)") {
                try HostConfiguration.load(file, from: nil, environment: [:], workingDirectory: directory)
            }
        }
    }

    /// A YAML file whose aliases expand to ten billion values ("billion laughs") is refused after
    /// the first 100,000, not expanded.
    @Test func aliasesCannotExpandWithoutBound() throws {
        let text = (0..<9).reduce("l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n") { text, level in
            text + "l\(level + 1): &l\(level + 1) [" + Array(repeating: "*l\(level)", count: 10).joined(separator: ", ") + "]\n"
        }
        let node = try #require(try Yams.compose(yaml: text + "top: *l9\n"))
        let top = try #require(node.mapping?["top"])
        let error = #expect(throws: HostError.self) { try ConfigFile.optionValue(top, at: "top") }
        #expect(error?.message.contains("more than 100000 values") == true)
    }

    @Test func thePluginSeedsStillParse() throws {
        let inputs = Dictionary(uniqueKeysWithValues: try Self.inputs(.pluginRPC))
        func lines(_ name: String) throws -> [Data] {
            var buffer = PluginLineBuffer()
            return buffer.append(try #require(inputs[name]))
        }
        let sign = try lines("sign-session.jsonl")
        #expect(try PluginProtocol.Handshake.checked(sign[0], issuerID: "t").unknownCapabilities == ["x-later"])
        let signed = try PluginProtocol.result(of: sign[2], method: "sign", issuerID: "t", as: PluginProtocol.SignResult.self)
        #expect(
            PluginSigner.problem(
                with: signed.signature, over: PluginSigner.keyCheckMessage, publicKey: try #require(PluginFuzzEntryPoint.caKey)) == nil)
        let issue = try lines("issue-session.jsonl")
        let issued = try PluginProtocol.result(of: issue[2], method: "issue", issuerID: "t", as: PluginProtocol.IssueResult.self)
        #expect(ExternalIssuingConnector.certificates(in: issued, issuerID: "t")?.1.count == 1)
        let refusal = #expect(throws: ConnectorError.self) {
            try PluginProtocol.result(of: issue[4], method: "issue", issuerID: "t", as: PluginProtocol.IssueResult.self)
        }
        #expect(refusal?.code == .rejected)
        let bad = try lines("bad-version.jsonl")
        #expect(throws: ConnectorError.self) { try PluginProtocol.Handshake.checked(bad[0], issuerID: "t") }
    }
}
