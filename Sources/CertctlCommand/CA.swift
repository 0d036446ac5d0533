import ArgumentParser
import Host
import SwiftASN1
import X509

struct CA: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ca",
        abstract: "Certificate authority management.",
        subcommands: [Init.self]
    )

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create the CA certificate of a configured issuer: self-signed, or a subordinate of --parent. Refuses to overwrite."
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "The issuer id from the configuration.") var issuer: String
        @Option(help: "Sign with this issuer's CA key instead (subordinate CA).") var parent: String?
        @Option(name: .customLong("common-name"), help: "CN of the CA (default: \"certctl <issuer> CA\").") var commonName: String?
        @Option(name: .customLong("validity-days"), help: "Lifetime in days (default: 3650 for a root, 1825 for a subordinate).")
        var validityDays: Int?
        @Option(help: "Write this profile's name rules into the new CA's nameConstraints (critical).") var profile: String?

        func run() async throws {
            let configuration = try options.load()
            do {
                let certificate = try await HostRuntime.withStorage(configuration) { storage in
                    try await CAInitializer(configuration: configuration, registry: BuiltInConnectors.registry, storage: storage)
                        .initialize(
                            issuerID: issuer, parentID: parent, commonName: commonName, validityDays: validityDays, profileID: profile,
                            actor: "cli")
                }
                print(
                    "Created the CA certificate for issuer \(issuer): \(certificate.subject), valid until \(certificate.notValidAfter.rfc3339)"
                )
                print(try certificate.serializeAsPEM().pemString)
            } catch {
                throw CLIError(error)
            }
        }
    }
}
