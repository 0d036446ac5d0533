import ACMEConnector
import ArgumentParser
import ConnectorAPI
import ExternalConnector
import Foundation
import Host
import LocalCAConnector
import Logging
import PKCS11Connector

/// The `certctl` command line.
@main
struct Certctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certctl",
        abstract: "A PKI host: one server in front of many certificate authorities.",
        subcommands: [Serve.self, Admin.self, CA.self, CRL.self, DB.self, Policy.self]
    )
}

/// The connector types built into this executable. The host itself never names one.
enum BuiltInConnectors {
    static var registry: ConnectorRegistry {
        var registry = ConnectorRegistry()
        registry.register(LocalCAConnector.self)
        registry.register(PKCS11CAConnector.self)
        registry.register(ACMEConnector.self)
        registry.register(ExternalConnector.self)
        return registry
    }

    /// The issuer served when the configuration names none: `iss-local`, a `local` CA whose
    /// self-signed EC P-256 root `serve` creates under `<data_dir>/ca/` on first start.
    static func developmentIssuer(dataDirectory: URL) -> IssuerSettings {
        let id = "iss-local"
        let ca = dataDirectory.appendingPathComponent("ca")
        return IssuerSettings(
            id: id, type: LocalCAConnector.type,
            options: ConnectorOptions(
                [
                    "key_file": .scalar(ca.appendingPathComponent("\(id).key").path),
                    "cert_file": .scalar(ca.appendingPathComponent("\(id).crt").path),
                    "key_type": "ecdsa-p256",
                ],
                baseDirectory: dataDirectory, issuerID: id)
        )
    }
}

/// `--config`, shared by every command.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "YAML configuration file (default: $CERTCTL_CONFIG, else none).")
    var config: String?

    /// Loads the configuration (with the built-in development issuer) or exits with a message
    /// naming the bad setting.
    func load() throws -> HostConfiguration {
        do {
            var configuration = try HostConfiguration.load(configPath: config, environment: ProcessInfo.processInfo.environment)
            configuration.developmentIssuer = BuiltInConnectors.developmentIssuer(dataDirectory: configuration.dataDirectory)
            return configuration
        } catch {
            throw CLIError(error)
        }
    }
}

/// Prints `certctl: <message>` and exits non-zero; messages never contain secrets.
struct CLIError: Error, CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        switch error {
        case let error as HostError: description = error.message
        case let error as ConnectorError: description = error.message
        default: description = "\(error)"
        }
    }
}

enum Logs {
    /// Log lines go to stderr; stdout is kept for output meant for scripts (keys, results). The
    /// level follows the returned control, which a SIGHUP reload of `serve` sets.
    static func bootstrap(level: Logger.Level) -> (Logger, LogLevelControl) {
        let control = LogLevelControl(level)
        LoggingSystem.bootstrap { label in control.makeHandler(StreamLogHandler.standardError(label: label)) }
        return (Logger(label: "certctl"), control)
    }
}
