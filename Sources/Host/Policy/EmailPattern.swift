/// A profile's email rule: a mailbox domain (matched exactly), or one full address.
enum EmailPattern: Sendable, Hashable, CustomStringConvertible {
    case domain(DNSName)
    case mailbox(EmailAddress)
    case any

    init(_ text: String) throws(ProfileError) {
        if text.contains("@") {
            guard let address = try? EmailAddress(validating: text) else { throw ProfileError("'\(text)' is not an email address") }
            self = .mailbox(address)
        } else {
            guard let domain = try? DNSName(validating: text, allowUnderscores: false, allowWildcard: false) else {
                throw ProfileError("'\(text)' is not a mailbox domain")
            }
            self = .domain(domain)
        }
    }

    var description: String {
        switch self {
        case .domain(let domain): domain.text
        case .mailbox(let address): address.description
        case .any: "*"
        }
    }

    func covers(_ address: EmailAddress) -> Bool {
        switch self {
        case .any: true
        case .domain(let domain): address.domain == domain
        // Local parts compare case-insensitively: a deny entry must not be dodged by case.
        case .mailbox(let mailbox): mailbox.domain == address.domain && mailbox.local.lowercased() == address.local.lowercased()
        }
    }
}
