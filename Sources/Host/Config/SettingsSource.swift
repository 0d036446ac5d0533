import ConnectorSupport
import Foundation

/// Where each top-level setting comes from: `CERTCTL_<KEY>` in the environment wins over the
/// config file's `<key>`. Errors name both spellings.
struct SettingsSource {
    let environment: [String: String]
    let file: ConfigFile
    let workingDirectory: URL

    /// The merged value of one setting and the directory its relative paths resolve against.
    func value(_ key: String) -> (text: String, base: URL)? {
        if let env = environment["CERTCTL_" + key.uppercased()], !env.isEmpty { return (env, workingDirectory) }
        return file.settings[key].map { ($0, file.directory) }
    }

    /// A path setting, resolved against where it was set.
    func path(_ key: String) -> URL? {
        value(key).map { URL(fileURLWithPath: $0.text, relativeTo: $0.base).standardizedFileURL }
    }

    func invalid(_ key: String, _ why: String) -> HostError {
        .configuration("CERTCTL_\(key.uppercased()) (\(key)): \(why)")
    }

    /// A duration in seconds (`30s`, `15m`, `1h`, `7d`); anything else is an error.
    func duration(_ key: String, default fallback: Int64) throws -> Int64 {
        guard let text = value(key)?.text else { return fallback }
        guard let seconds = ConfigDuration.seconds(text) else {
            throw invalid(key, "'\(text)' is not a duration such as 30s, 15m, 1h or 7d")
        }
        return seconds
    }

    /// A non-negative integer (0 usually disables what it limits).
    func count(_ key: String, default fallback: Int) throws -> Int {
        guard let text = value(key)?.text else { return fallback }
        guard let number = Int(text), number >= 0 else { throw invalid(key, "'\(text)' is not a non-negative integer") }
        return number
    }
}
