import ExternalConnector
import Host

/// The parsers of untrusted bytes, by the name `scripts/fuzz.sh` and `Fuzz/corpus/<name>/` use.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case ocspRequest = "ocsp-request"
    case http1Frame = "http1-frame"
    case acmeJWS = "acme-jws"
    case csrPolicy = "csr-policy"
    case config = "config"
    case pluginRPC = "plugin-rpc"

    /// Runs the parser on `bytes`; it must return whatever they are.
    public func run(_ bytes: [UInt8]) {
        switch self {
        case .ocspRequest: FuzzEntryPoints.ocspRequest(bytes)
        case .http1Frame: FuzzEntryPoints.http1Frame(bytes)
        case .acmeJWS: FuzzEntryPoints.acmeJWS(bytes)
        case .csrPolicy: FuzzEntryPoints.csrPolicy(bytes)
        case .config: FuzzEntryPoints.configFile(bytes)
        case .pluginRPC: PluginFuzzEntryPoint.run(bytes)
        }
    }
}
