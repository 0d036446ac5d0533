import Foundation

/// CAA (RFC 8659), checked when a challenge is validated for a profile with
/// `acme.caa_identities`: the closest CAA record set at or above the name decides; without one any
/// CA may issue. `issue` (or, for a wildcard, `issuewild` when present) must name one of the
/// profile's identities; an unknown critical property forbids issuance.
struct CAACheck: Sendable {
    var dns: DNSClient
    var identities: [String]

    struct Record: Sendable, Equatable {
        var critical: Bool
        var tag: String
        var value: String
    }

    /// `nil` when CAA allows this CA to issue for `name`, else the `caa` problem.
    func problem(name: String, wildcard: Bool) async -> ACMEProblem? {
        var labels = name.lowercased().split(separator: ".").map(String.init)
        while !labels.isEmpty {
            let candidate = labels.joined(separator: ".")
            let records: [Record]
            do {
                records = try await dns.query(candidate, .caa).compactMap(Self.parse)
            } catch {
                return ACMEProblem(.caa, "the CAA lookup for \(candidate) failed: \(error.detail)")
            }
            if !records.isEmpty { return decide(records, name: name, at: candidate, wildcard: wildcard) }
            labels.removeFirst()
        }
        return nil
    }

    func decide(_ records: [Record], name: String, at owner: String, wildcard: Bool) -> ACMEProblem? {
        if let unknown = records.first(where: { $0.critical && !["issue", "issuewild", "iodef"].contains($0.tag.lowercased()) }) {
            return ACMEProblem(.caa, "CAA at \(owner) has an unknown critical property '\(unknown.tag)'")
        }
        let wild = records.filter { $0.tag.lowercased() == "issuewild" }
        let relevant = wildcard && !wild.isEmpty ? wild : records.filter { $0.tag.lowercased() == "issue" }
        if relevant.isEmpty { return nil }
        let allowed = relevant.contains { record in
            let domain =
                record.value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            return !domain.isEmpty && identities.contains(domain)
        }
        return allowed
            ? nil
            : ACMEProblem(
                .caa, "CAA at \(owner) does not allow this CA (\(identities.joined(separator: ", "))) to issue for \(name)")
    }

    /// A CAA RDATA: flags, tag length, tag, value.
    static func parse(_ data: [UInt8]) -> Record? {
        guard data.count >= 2, data.count >= 2 + Int(data[1]) else { return nil }
        let tagEnd = 2 + Int(data[1])
        return Record(
            critical: data[0] & 0x80 != 0, tag: String(decoding: data[2..<tagEnd], as: UTF8.self),
            value: String(decoding: data[tagEnd...], as: UTF8.self))
    }
}
