import ArgumentParser
import ConnectorAPI
import ExternalConnector
import Foundation
import Host
import Logging

struct Plugin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tools for `type: external` issuers (plugins).",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Run an issuer's plugin outside serve and check that it conforms to the plugin protocol: handshake, describe, health, a signature (sign) or an issuance (issue), the CA certificate, and the time of each call. Exits 0 only when it conforms.",
            discussion: "See docs/connectors/external-protocol.md. The plugin's stderr is shown as log lines."
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "The id of a `type: external` issuer in the configuration.") var issuer: String

        func run() async throws {
            let configuration = try options.load()
            guard let settings = configuration.issuers.first(where: { $0.id == issuer }) else {
                let known = configuration.issuers.filter { $0.type == ExternalConnector.type }.map(\.id)
                throw CLIError(
                    description: "no issuer '\(issuer)' in the configuration"
                        + (known.isEmpty
                            ? " (it has no `type: external` issuers)" : " (external issuers: \(known.joined(separator: ", ")))"))
            }
            guard settings.type == ExternalConnector.type else {
                throw CLIError(description: "issuer \(issuer) is `type: \(settings.type)`, not a plugin (`type: external`)")
            }
            let (logger, _) = Logs.bootstrap(level: .warning)
            let report = await PluginConformance(
                settings: settings, configuration: settings.connectorConfiguration(dataDirectory: configuration.dataDirectory),
                logger: logger
            ).run()
            print(report.text)
            if !report.conforms { throw ExitCode(1) }
        }
    }
}
