import ConnectorAPI
import ConnectorSupport
import Foundation
import Testing

/// `ConnectorOptions.decode`: how a connector's `Decodable` options type reads an issuer's keys.
@Suite struct ConnectorOptionsTests {
    enum Mode: String, OptionChoice {
        case fast, careful
    }

    struct Nested: Decodable, Equatable {
        var host: String
        var port: Int?
    }

    struct Options: Decodable {
        var caBundleFile: URL
        var keyFile: URL?
        var retries: Int?
        var verbose: Bool?
        var mode: Mode?
        var timeout: ConfigDuration?
        var command: [String]?
        var env: [String: String]?
        var upstream: Nested?
        var ratio: Double?
    }

    func decode(_ values: [String: OptionValue]) throws -> Options {
        try ConnectorOptions(values, baseDirectory: URL(fileURLWithPath: "/etc/certctl"), issuerID: "iss-x").decode(Options.self)
    }

    func message(_ values: [String: OptionValue]) -> String? {
        do {
            _ = try decode(values)
            return nil
        } catch let error as ConnectorError {
            #expect(error.code == .invalidConfiguration)
            return error.message
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func propertiesReadTheirSnakeCaseKeysAndScalarsParse() throws {
        let options = try decode([
            "ca_bundle_file": "ca.pem", "key_file": "/abs/../abs/key.pem", "retries": "3", "verbose": "yes", "mode": "careful",
            "timeout": "15m", "command": ["/bin/tool", "--flag"], "env": ["TOKEN_FILE": "/run/t", "lower_case": "x"],
            "upstream": ["host": "ca.test"], "ratio": "0.5",
        ])
        #expect(options.caBundleFile.path == "/etc/certctl/ca.pem", "relative paths resolve against the config file's directory")
        #expect(options.keyFile?.path == "/abs/key.pem")
        #expect(options.retries == 3 && options.verbose == true && options.mode == .careful && options.ratio == 0.5)
        #expect(options.timeout?.seconds == 900)
        #expect(options.command == ["/bin/tool", "--flag"])
        #expect(options.env == ["TOKEN_FILE": "/run/t", "lower_case": "x"], "a dictionary's keys are taken as written")
        #expect(options.upstream == Nested(host: "ca.test", port: nil))
    }

    @Test func emptyValuesAreAbsentAndOptionalKeysMayBeMissing() throws {
        let options = try decode(["ca_bundle_file": "ca.pem", "retries": "", "verbose": "off"])
        #expect(options.retries == nil && options.verbose == false && options.keyFile == nil && options.mode == nil)
        #expect(message(["ca_bundle_file": ""]) == "issuer iss-x: missing required key 'ca_bundle_file'")
    }

    @Test(
        arguments: [
            (
                ["ca_bundle_file": "a", "colour": "blue"],
                "issuer iss-x: unknown key 'colour' (known: ca_bundle_file, command, env, key_file, mode, ratio, retries, timeout, upstream, verbose)"
            ),
            (
                ["ca_bundle_file": "a", "upstream": ["host": "h", "prot": "1"]],
                "issuer iss-x: unknown key 'upstream.prot' (known: host, port)"
            ),
            (
                ["cabundle_file": "a"],
                "issuer iss-x: missing required key 'ca_bundle_file' (also given: 'cabundle_file', which this connector does not read)"
            ),
            (["ca_bundle_file": "a", "retries": "three"], "issuer iss-x: retries 'three' is not an integer"),
            // A failure other than a missing key does not call the keys after it unread.
            (["ca_bundle_file": "a", "retries": "three", "verbose": "on"], "issuer iss-x: retries 'three' is not an integer"),
            (["ca_bundle_file": "a", "verbose": "maybe"], "issuer iss-x: verbose 'maybe' is not true or false"),
            (["ca_bundle_file": "a", "mode": "slow"], "issuer iss-x: mode 'slow' is not one of fast, careful"),
            (
                ["ca_bundle_file": "a", "timeout": "10 days"],
                "issuer iss-x: timeout '10 days' is not a duration such as 30s, 15m, 1h or 7d"
            ),
            (
                ["ca_bundle_file": "a", "command": "tool"],
                "issuer iss-x: command must be a list, e.g. [\"/usr/bin/tool\", \"--flag\"], not a scalar"
            ),
            (["ca_bundle_file": "a", "command": ["tool", ["nested"]]], "issuer iss-x: command[1] must be a scalar value, not a list"),
            (["ca_bundle_file": "a", "env": ["A", "B"]], "issuer iss-x: env must be a mapping of key: value, not a list"),
            (["ca_bundle_file": ["a"]], "issuer iss-x: ca_bundle_file must be a scalar value, not a list"),
            (["ca_bundle_file": "a", "upstream": ["port": "1"]], "issuer iss-x: missing required key 'upstream.host'"),
        ] as [([String: OptionValue], String)])
    func errorsNameTheIssuerAndTheKey(values: [String: OptionValue], expected: String) {
        #expect(message(values) == expected)
    }
}
