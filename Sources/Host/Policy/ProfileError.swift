/// A configuration error in a profile; the parser prefixes `profile <id>: <key>`.
struct ProfileError: Error, Sendable {
    var message: String
    init(_ message: String) { self.message = message }
}
