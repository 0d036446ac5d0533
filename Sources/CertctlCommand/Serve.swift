import ArgumentParser
import Foundation
import Host

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the host (HTTPS API). Bootstraps the database, an admin API key, a TLS certificate and, without configured issuers, the iss-local CA."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(
        help:
            "Print a bootstrapped admin API key on stdout even when stdout is not a terminal (it is always written to <data_dir>/admin-api-key, mode 0600)."
    )
    var printAdminKey = false

    func run() async throws {
        let configuration = try options.load()
        let (logger, level) = Logs.bootstrap(level: configuration.logLevel)
        do {
            let server = CertctlServer(
                configuration: configuration, registry: BuiltInConnectors.registry, logger: logger, logLevel: level)
            try await server.run(
                printLine: { line in FileHandle.standardOutput.write(Data((line + "\n").utf8)) },
                printAdminKey: printAdminKey || isatty(STDOUT_FILENO) == 1)
        } catch let error as HostError where error.code == .busy {
            // A taken listen address or data directory: EX_TEMPFAIL (SPEC §9), before any plugin starts
            // for the data directory.
            FileHandle.standardError.write(Data("Error: \(error.message)\n".utf8))
            throw ExitCode(75)
        } catch {
            throw CLIError(error)
        }
    }
}
