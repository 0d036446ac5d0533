import Foundation

/// Keys and CSRs made by the `openssl` CLI, the way a user would.
enum OpenSSL {
    /// Writes `<name>.key` and `<name>.csr` in `directory` and returns the CSR PEM.
    static func makeCSR(
        in directory: URL, name: String, keyAlgorithm: [String] = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        subject: String = "/CN=app.example.test", san: String? = "DNS:app.example.test,DNS:www.example.test,IP:127.0.0.1"
    ) async throws -> String {
        var arguments =
            ["openssl", "req", "-new"] + keyAlgorithm + [
                "-nodes", "-keyout", directory.appendingPathComponent("\(name).key").path, "-subj", subject,
                "-out", directory.appendingPathComponent("\(name).csr").path,
            ]
        if let san { arguments += ["-addext", "subjectAltName=\(san)"] }
        try await Command.check(arguments)
        return try String(contentsOf: directory.appendingPathComponent("\(name).csr"), encoding: .utf8)
    }

    /// `openssl verify` of a leaf PEM against a root file, with optional intermediates.
    static func verify(leafPEM: String, caFile: URL, untrusted: URL? = nil, in directory: URL) async throws -> CommandResult {
        let leaf = directory.appendingPathComponent("verify-\(UUID().uuidString).pem")
        try leafPEM.write(to: leaf, atomically: true, encoding: .utf8)
        var arguments = ["openssl", "verify", "-CAfile", caFile.path]
        if let untrusted { arguments += ["-untrusted", untrusted.path] }
        return try await Command.run(arguments + [leaf.path])
    }

    /// `openssl x509 -noout <flags>` on a PEM.
    static func x509(_ pem: String, _ flags: [String], in directory: URL) async throws -> String {
        let file = directory.appendingPathComponent("x509-\(UUID().uuidString).pem")
        try pem.write(to: file, atomically: true, encoding: .utf8)
        return try await Command.check(["openssl", "x509", "-in", file.path, "-noout"] + flags)
    }
}
