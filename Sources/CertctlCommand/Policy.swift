import ArgumentParser
import Foundation
import Host

struct Policy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Issuance policy tools.",
        subcommands: [Check.self]
    )

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                "Decide a CSR as the server would (profile, issuer, names, key, validity, CA nameConstraints) without issuing. Exits 0 when allowed, 1 when refused."
        )
        @OptionGroup var options: ConfigOptions
        @Option(help: "The profile the request names (else resolved as the server does).") var profile: String?
        @Option(help: "The issuer the request names.") var issuer: String?
        @Option(help: "A PEM certificate request.") var csr: String
        @Option(name: .customLong("key-id"), help: "Decide for this API key's role and profiles (default: an admin key).") var keyID:
            String?
        @Option(name: .customLong("validity-days"), help: "The validity the request asks for.") var validityDays: Int?

        func run() async throws {
            let configuration = try options.load()
            let outcome: PolicyCheck.Outcome
            do {
                let pem = try String(contentsOfFile: csr, encoding: .utf8)
                var key: APIKeyRecord?
                if let keyID {
                    key = try await HostRuntime.withStorage(configuration) { storage in
                        try await APIKeyService(storage: storage).key(id: keyID)
                    }
                }
                outcome = try await PolicyCheck(configuration: configuration, registry: BuiltInConnectors.registry).run(
                    csrPEM: pem, profile: profile, issuerID: issuer, validityDays: validityDays, key: key)
            } catch {
                throw CLIError(error)
            }
            for line in outcome.lines { print(line) }
            if outcome.refusal != nil { throw ExitCode(1) }
        }
    }
}
