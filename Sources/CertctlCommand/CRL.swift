import ArgumentParser
import Foundation
import Host

/// `certctl crl …`: CRL operations on the configured database.
struct CRL: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "crl",
        abstract: "CRL operations (the issuers of the configuration, the database of CERTCTL_DATABASE_URL).",
        subcommands: [Generate.self]
    )

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Sign a new CRL for an issuer now and store it (running servers serve it at once); optionally write the DER."
        )
        @OptionGroup var options: ConfigOptions
        @Option(name: .long, help: "The issuer id.") var issuer: String
        @Option(name: .long, help: "Also write the DER CRL to this file.") var out: String?

        func run() async throws {
            let configuration = try options.load()
            let (logger, _) = Logs.bootstrap(level: configuration.logLevel)
            do {
                let crl = try await HostRuntime.generateCRL(
                    configuration, registry: BuiltInConnectors.registry, issuerID: issuer, logger: logger)
                if let out { try Data(crl.der).write(to: URL(fileURLWithPath: out)) }
                print(
                    "Signed CRL number \(crl.number) for issuer \(crl.issuerID): \(crl.revokedCount) entries, \(crl.der.count) bytes, "
                        + "\(crl.durationMs) ms"
                )
            } catch {
                throw CLIError(error)
            }
        }
    }
}
