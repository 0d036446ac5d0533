import ConnectorAPI
import Foundation
import Testing

@testable import ExternalConnector
@testable import Host

@Suite struct ExternalOptionsTests {
    func options(_ values: [String: OptionValue]) -> ConnectorOptions {
        ConnectorOptions(values, baseDirectory: URL(fileURLWithPath: "/usr"), issuerID: "iss-ext")
    }

    @Test func commandIsResolvedAgainstTheConfigDirectoryOrPath() throws {
        let relative = try ExternalOptions(options(["command": ["bin/env", "-i"]]))
        #expect(relative.executable.path == "/usr/bin/env" && relative.arguments == ["-i"])
        let fromPath = try ExternalOptions(options(["command": ["sh"]]), hostEnvironment: ["PATH": "/nonexistent:/bin"])
        #expect(fromPath.executable.path == "/bin/sh")
        #expect(fromPath.timeout == .seconds(10) && fromPath.maxRestartBackoff == .seconds(30) && fromPath.sha256 == nil)
        #expect(fromPath.workingDirectory.path == "/usr")
    }

    @Test(
        arguments: [
            (["command": "sh"], "command must be a list"),
            ([:], "missing required key 'command'"),
            (["command": []], "command must be a non-empty list"),
            (["command": ["no-such-plugin-binary"]], "not an executable in PATH"),
            (["command": ["sh"], "sha256": "abc"], "64 hex digits"),
            (["command": ["sh"], "timeout": "fast"], "timeout 'fast' is not a duration"),
            (["command": ["sh"], "env": ["A", "B"]], "env must be a mapping"),
            (["command": ["sh"], "cmd": "x"], "unknown key 'cmd'"),
        ] as [([String: OptionValue], String)])
    func invalidSettingsNameTheIssuerAndKey(values: [String: OptionValue], mentions: String) {
        do {
            _ = try ExternalOptions(options(values), hostEnvironment: ["PATH": "/bin:/usr/bin"])
            Issue.record("accepted \(values)")
        } catch let error as ConnectorError {
            #expect(error.code == .invalidConfiguration && error.message.hasPrefix("issuer iss-ext"))
            #expect(error.message.contains(mentions), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func pinIsCheckedAgainstTheFile() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("pin-\(UUID().uuidString).sh")
        defer { try? FileManager.default.removeItem(at: file) }
        try "#!/bin/sh\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: file.path)
        // `printf '#!/bin/sh\n' | sha256sum`
        let right = "a8076d3d28d21e02012b20eaf7dbf75409a6277134439025f282e368e3305abf"
        let pinned = try #require(
            try ExternalOptions(options(["sha256": .scalar(right.uppercased()), "command": [.scalar(file.path)]])).openPinned(
                issuerID: "iss-ext"))
        // The path is swapped after the check: what runs is still the file that was hashed.
        let swapped = file.deletingLastPathComponent().appendingPathComponent("swap-\(UUID().uuidString)")
        try "#!/bin/sh\necho evil\n".write(to: swapped, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: swapped.path)
        _ = rename(swapped.path, file.path)
        #expect(FileManager.default.contents(atPath: pinned.path) == Data("#!/bin/sh\n".utf8))
        #expect(pinned.path.hasPrefix("/proc/\(getpid())/fd/"))

        let wrong = try ExternalOptions(options(["sha256": .scalar(String(right.reversed())), "command": [.scalar(file.path)]]))
        #expect(throws: ConnectorError.self) { try wrong.openPinned(issuerID: "iss-ext") }
        // A pinned file others may write could be changed in place after the check: refused.
        try "#!/bin/sh\n".write(to: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o775], ofItemAtPath: file.path)
        let writable = try ExternalOptions(options(["sha256": .scalar(right), "command": [.scalar(file.path)]]))
        let error = #expect(throws: ConnectorError.self) { try writable.openPinned(issuerID: "iss-ext") }
        #expect(error?.message.contains("writable by group or others") == true, "\(error?.message ?? "")")
        #expect(try ExternalOptions(options(["command": [.scalar(file.path)]])).openPinned(issuerID: "iss-ext") == nil)
    }

    @Test func environmentCarriesOnlyWhatThePluginNeeds() throws {
        let options = try ExternalOptions(self.options(["command": ["sh"], "env": ["TOKEN_FILE": "/run/t"]]))
        let environment = ExternalConnector.environment(options, issuerID: "iss-ext", stateDirectory: URL(fileURLWithPath: "/var/x"))
        #expect(environment["TOKEN_FILE"] == "/run/t" && environment["CERTCTL_ISSUER_ID"] == "iss-ext")
        #expect(environment["CERTCTL_PLUGIN_PROTOCOLS"] == "1" && environment["CERTCTL_PLUGIN_STATE_DIR"] == "/var/x")
        #expect(
            environment.keys.allSatisfy {
                ["PATH", "HOME", "LANG", "TZ", "TOKEN_FILE"].contains($0) || $0.hasPrefix("CERTCTL_PLUGIN") || $0 == "CERTCTL_ISSUER_ID"
            })
    }

    @Test func timeoutsFireAndFastOperationsWin() async throws {
        let fast = try await PluginSupervisor.within(.seconds(5)) { 42 }
        #expect(fast == 42)
        await #expect(throws: PluginSupervisor.PluginTimeout.self) {
            _ = try await PluginSupervisor.within(.milliseconds(50)) {
                try await Task.sleep(for: .seconds(30))
                return 0
            }
        }
    }

    @Test func rpcErrorsMapToHostStatusClasses() {
        func code(_ value: Int) -> ConnectorError.Code {
            PluginProtocol.RPCError(code: value, message: "m").connectorError(issuerID: "iss-ext", method: "issue").code
        }
        #expect(code(1) == .rejected && code(2) == .unavailable && code(3) == .upstreamFailure && code(-32601) == .unsupported)
    }
}

@Suite struct ConfigFileListsTests {
    @Test func issuerKeysMayBeListsAndMappings() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cfg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("certctl.yaml")
        try """
        issuers:
          - id: iss-ext
            type: external
            command: ["./plugin", "--verbose"]
            env:
              REGION: eu-west-1
            timeout: 5s
        """.write(to: file, atomically: true, encoding: .utf8)
        let configuration = try HostConfiguration.load(configPath: file.path, environment: [:])
        let options = try #require(configuration.issuers.first?.options)
        #expect(options.values == ["command": ["./plugin", "--verbose"], "env": ["REGION": "eu-west-1"], "timeout": "5s"])
        struct WithoutEnv: Decodable {
            var command: [String]
            var timeout: String
        }
        let error = #expect(throws: ConnectorError.self) { try options.decode(WithoutEnv.self) }
        #expect(error?.message == "issuer iss-ext: unknown key 'env' (known: command, timeout)")
    }
}
