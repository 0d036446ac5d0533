/// A DNS name as certctl accepts it in a certificate: LDH A-labels, lower-case.
///
/// Checked before any policy (SPEC §7, "name validity before policy"): at most 253 octets, labels
/// of 1–63 octets of `a-z 0-9 -` (and `_` only where the profile allows it), no label starting or
/// ending with `-`, `--` in positions 3–4 only for an `xn--` label that is valid Punycode, no
/// trailing dot, a last label that is not all digits (that is an IP address), and `*` only as a
/// whole first label. U-labels and control characters are refused: the client must send A-labels.
struct DNSName: Sendable, Hashable, CustomStringConvertible {
    /// Lower-case labels, left to right (`["*", "apps", "example", "test"]`).
    let labels: [Substring]
    let text: String

    var description: String { text }

    /// Whether the first label is `*`.
    var isWildcard: Bool { labels.first == "*" }

    /// The name without its wildcard label (`*.a.example` → `a.example`).
    var base: DNSName? { isWildcard ? DNSName(labels: Array(labels.dropFirst())) : self }

    private init(labels: [Substring]) {
        self.labels = labels
        self.text = labels.joined(separator: ".")
    }

    /// - Throws: ``PolicyRefusal`` `invalidName` naming `value` and what is wrong with it.
    init(validating value: String, allowUnderscores: Bool, allowWildcard: Bool = true) throws {
        func invalid(_ why: String) -> PolicyRefusal {
            PolicyRefusal(.invalidName, value: PolicyRefusal.shown(value), "not a valid DNS name (\(why))")
        }
        // One pass over the octets: control characters, non-ASCII (a U-label), lower-casing.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(value.utf8.count)
        var nonASCII = false
        for byte in value.utf8 {
            if byte < 0x20 || byte == 0x7F { throw invalid("control character") }
            if byte >= 0x80 { nonASCII = true }
            bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        guard !nonASCII else { throw invalid("U-label: send the A-label (xn--…) form") }
        guard !bytes.isEmpty else { throw invalid("empty") }
        guard bytes.count <= 253 else { throw invalid("longer than 253 octets") }
        guard bytes.last != UInt8(ascii: ".") else { throw invalid("trailing dot") }
        let lower = String(decoding: bytes, as: UTF8.self)
        let labels = lower.split(separator: ".", omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            if label == "*" {
                guard index == 0, allowWildcard, labels.count > 1 else { throw invalid("'*' is only allowed as the whole first label") }
                continue
            }
            guard !label.isEmpty else { throw invalid("empty label") }
            guard label.utf8.count <= 63 else { throw invalid("label longer than 63 octets") }
            for byte in label.utf8 {
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"): continue
                case UInt8(ascii: "_") where allowUnderscores: continue
                case UInt8(ascii: "_"): throw invalid("underscore")
                default: throw invalid("character '\(Character(Unicode.Scalar(byte)))' is not a letter, digit or hyphen")
                }
            }
            guard label.first != "-", label.last != "-" else { throw invalid("label starts or ends with '-'") }
            let octets = label.utf8
            if octets.count >= 4, octets[octets.index(octets.startIndex, offsetBy: 2)] == UInt8(ascii: "-"),
                octets[octets.index(octets.startIndex, offsetBy: 3)] == UInt8(ascii: "-")
            {
                guard label.hasPrefix("xn--") else { throw invalid("'--' in positions 3-4 of a label that is not xn--") }
                guard Punycode.isValidALabel(label.dropFirst(4)) else { throw invalid("'\(label)' is not valid Punycode") }
            }
        }
        guard let last = labels.last, !last.allSatisfy(\.isNumber) else { throw invalid("the last label is numeric") }
        self.init(labels: labels)
    }

    /// Whether this name is `other` or lies below it (`a.b.example` is within `b.example`).
    func isWithin(_ other: DNSName) -> Bool {
        labels.count >= other.labels.count && labels.suffix(other.labels.count).elementsEqual(other.labels)
    }

    /// Whether this name lies strictly below `other`.
    func isStrictlyBelow(_ other: DNSName) -> Bool {
        labels.count > other.labels.count && isWithin(other)
    }
}
