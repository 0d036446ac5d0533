import ACMEConnector
import ArgumentParser
import ConnectorAPI
import ExternalConnector
import Foundation
import Host
import LocalCAConnector
import Logging
import PKCS11Connector

/// The `certctl` command line, as a library: the `certctl` executable is one call to
/// ``main(adding:)``, and a separate Swift package builds its own `certctl` with extra in-process
/// connectors the same way (docs/connectors/swift.md, examples/connectors/swift-custom/).
public enum CertctlCommand {
    /// Parses the process's arguments and runs the command, with the built-in connector types
    /// (`local`, `pkcs11`, `acme`, `external`) and `connectors` registered.
    ///
    /// A connector whose ``ConnectorFactory/type`` is already taken is a programming error of the
    /// build: it is reported and the process exits 70 before anything runs.
    public static func main(adding connectors: [any ConnectorFactory.Type] = []) async {
        var seen = Set(BuiltInConnectors.builtIn.map { $0.type })
        for connector in connectors where !seen.insert(connector.type).inserted {
            FileHandle.standardError.write(
                Data("certctl: connector type '\(connector.type)' is registered twice; give yours another type\n".utf8))
            exit(70)
        }
        await BuiltInConnectors.$added.withValue(connectors) { await Certctl.main() }
    }
}

/// The `certctl` command line.
struct Certctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certctl",
        abstract: "A PKI host: one server in front of many certificate authorities.",
        subcommands: [Serve.self, Admin.self, CA.self, CRL.self, DB.self, Policy.self, Plugin.self]
    )
}

/// The connector types this executable serves: the built-in ones and those its `main` added. The
/// host itself never names one.
enum BuiltInConnectors {
    static let builtIn: [any ConnectorFactory.Type] = [
        LocalCAConnector.self, PKCS11CAConnector.self, ACMEConnector.self, ExternalConnector.self,
    ]
    /// The connectors ``CertctlCommand/main(adding:)`` was given.
    @TaskLocal static var added: [any ConnectorFactory.Type] = []

    static var registry: ConnectorRegistry {
        var registry = ConnectorRegistry()
        for factory in builtIn + added { registry.register(factory) }
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

    init(description: String) { self.description = description }
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
