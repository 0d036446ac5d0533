import Foundation

/// An HTTP exchange made with `curl`, a real client.
struct HTTPResult: Sendable {
    var status: Int
    var headers: [String: String]
    var body: Data

    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }
    var contentType: String { headers["content-type"] ?? "" }
}

extension ServerProcess {
    /// Calls the API over HTTPS, trusting only the CA that issued the server's certificate.
    func request(
        _ method: String, _ path: String, key: String? = nil, json: Any? = nil, body: Data? = nil,
        headers: [String: String] = [:], caFile: URL? = nil
    ) async throws -> HTTPResult {
        let scratch = certctl.directory.appendingPathComponent("http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var arguments = [
            "curl", "-s", "--cacert", (caFile ?? certctl.caFile).path, "-X", method, "-o", scratch.appendingPathComponent("body").path,
            "-D", scratch.appendingPathComponent("headers").path, "-w", "%{http_code}",
        ]
        if let key { arguments += ["-H", "Authorization: Bearer \(key)"] }
        for (name, value) in headers { arguments += ["-H", "\(name): \(value)"] }
        var payload = body
        if let json {
            payload = try JSONSerialization.data(withJSONObject: json)
            arguments += ["-H", "Content-Type: application/json"]
        }
        if let payload {
            let file = scratch.appendingPathComponent("payload")
            try payload.write(to: file)
            arguments += ["--data-binary", "@\(file.path)"]
        }
        arguments.append(baseURL + path)
        let result = try await Command.run(arguments)
        guard result.status == 0, let status = Int(result.stdout) else {
            throw TestFailure("curl \(method) \(path) failed (\(result.status)): \(result.stderr)")
        }
        var parsed: [String: String] = [:]
        let rawHeaders = (try? String(contentsOf: scratch.appendingPathComponent("headers"), encoding: .utf8)) ?? ""
        for line in rawHeaders.split(whereSeparator: \.isNewline) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let data = (try? Data(contentsOf: scratch.appendingPathComponent("body"))) ?? Data()
        return HTTPResult(status: status, headers: parsed, body: data)
    }

    /// The bootstrapped admin key, read from its file.
    var adminKey: String {
        get throws {
            try String(contentsOf: certctl.dataDirectory.appendingPathComponent("admin-api-key"), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }
}

extension ServerProcess {
    /// `/readyz`'s status once it is 200, or its last status after `timeout`: readiness reports
    /// are reused for two seconds, so a recovery shows within that.
    func readyStatus(caFile: URL? = nil, timeout: Duration = .seconds(5)) async throws -> Int {
        let deadline = ContinuousClock.now + timeout
        var status = 0
        repeat {
            status = try await request("GET", "/readyz", caFile: caFile).status
            if status == 200 { return status }
            try await Task.sleep(for: .milliseconds(250))
        } while ContinuousClock.now < deadline
        return status
    }
}

extension ServerProcess {
    /// `/readyz` once it answers 503 (or its last answer after `timeout`): a failure shows within
    /// the two seconds a readiness report is reused. With `key`, the answer has every check's detail.
    func unreadyAnswer(key: String? = nil, caFile: URL? = nil, timeout: Duration = .seconds(5)) async throws -> HTTPResult {
        let deadline = ContinuousClock.now + timeout
        var answer = try await request("GET", "/readyz", key: key, caFile: caFile)
        while answer.status != 503 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            answer = try await request("GET", "/readyz", key: key, caFile: caFile)
        }
        return answer
    }
}
