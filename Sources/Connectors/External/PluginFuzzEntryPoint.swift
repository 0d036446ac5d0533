import Crypto
import Foundation
import X509

/// What the host does with a plugin's stdout, as a fuzzer entry point (`plugin-rpc` in
/// `scripts/fuzz.sh`, replayed by the unit tests): the bytes are cut into lines as the pipe reader
/// cuts them, the first is checked as the handshake, and every other one is decoded as each
/// response the host reads (envelope, `describe`, `issue`, `health`, `sign`) and its contents used
/// as the host uses them (PEM chains, certificates, a signature verified against a CA key).
/// Must return for any input: a crash, a trap or a hang is the finding.
public enum PluginFuzzEntryPoint {
    /// A fixed P-256 key the `sign` results are verified against.
    static let caKey: Certificate.PublicKey? = (try? P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 0x11, count: 32)))
        .map { Certificate.PublicKey($0.publicKey) }

    public static func run(_ bytes: [UInt8]) {
        var reader = PluginLineBuffer()
        for (index, line) in reader.append(bytes).enumerated() {
            guard index > 0 else {
                _ = try? PluginProtocol.Handshake.checked(line, issuerID: "fuzz").unknownCapabilities
                continue
            }
            _ = try? PluginProtocol.decoder.decode(PluginProtocol.Envelope.self, from: line)
            if let described = try? PluginProtocol.result(
                of: line, method: "describe", issuerID: "fuzz", as: PluginProtocol.DescribeResult.self)
            {
                _ = try? ExternalConnector.parseChain(described.caChainPem ?? "", issuerID: "fuzz")
            }
            if let issued = try? PluginProtocol.result(of: line, method: "issue", issuerID: "fuzz", as: PluginProtocol.IssueResult.self) {
                _ = ExternalIssuingConnector.certificates(in: issued, issuerID: "fuzz")
            }
            _ = try? PluginProtocol.result(of: line, method: "health", issuerID: "fuzz", as: PluginProtocol.HealthResult.self)
            if let caKey,
                let signed = try? PluginProtocol.result(of: line, method: "sign", issuerID: "fuzz", as: PluginProtocol.SignResult.self)
            {
                _ = PluginSigner.problem(with: signed.signature, over: PluginSigner.keyCheckMessage, publicKey: caKey)
            }
        }
    }
}
