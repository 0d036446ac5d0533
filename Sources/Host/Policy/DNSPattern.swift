/// A profile's DNS rule: `x` is exactly `x`; `*.x` is any name strictly below `x` (SPEC §7).
enum DNSPattern: Sendable, Hashable, CustomStringConvertible {
    case exactly(DNSName)
    case below(DNSName)
    /// Any name (the built-in development profile only).
    case any

    /// - Throws: a message naming the entry when it is neither form.
    init(_ text: String) throws(ProfileError) {
        do {
            let name = try DNSName(validating: text, allowUnderscores: true)
            guard let base = name.base, !base.labels.isEmpty else { throw ProfileError("'\(text)' is not a DNS name or *.name") }
            self = name.isWildcard ? .below(base) : .exactly(name)
        } catch {
            throw ProfileError("'\(text)' is not a DNS name or *.name")
        }
    }

    var description: String {
        switch self {
        case .exactly(let name): name.text
        case .below(let name): "*.\(name.text)"
        case .any: "*"
        }
    }

    /// Whether the requested `name` is covered. A wildcard name `*.y` is covered only by `*.x`
    /// where `y` is `x` or below it: every name the wildcard stands for is then below `x`.
    func covers(_ name: DNSName) -> Bool {
        switch self {
        case .any: return true
        case .exactly(let pattern): return !name.isWildcard && name == pattern
        case .below(let pattern):
            guard name.isWildcard else { return name.isStrictlyBelow(pattern) }
            return name.base.map { $0.isWithin(pattern) } ?? false
        }
    }

    /// Whether the requested `name` touches this (deny) rule: for a plain name the same as
    /// ``covers(_:)``; a wildcard `*.y` touches `d` when `d` is one label below `y` (the wildcard
    /// would match it) and touches `*.d` when `y` is `d` or below it.
    func touches(_ name: DNSName) -> Bool {
        guard name.isWildcard, let base = name.base else { return covers(name) }
        switch self {
        case .any: return true
        case .exactly(let denied): return denied.labels.count == base.labels.count + 1 && denied.isWithin(base)
        case .below(let denied): return base.isWithin(denied)
        }
    }
}
