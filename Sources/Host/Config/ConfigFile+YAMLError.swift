import Yams

extension ConfigFile {
    /// Where and why a config file is not YAML — line, column and the parser's problem — without
    /// the file's text: Yams' own description quotes the offending line, which may hold a secret
    /// (a database URL with its password, an EAB key).
    static func describe(_ error: any Error) -> String {
        guard let yaml = error as? YamlError else { return "unreadable YAML" }
        switch yaml {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let during = context.map { " (\($0.text))" } ?? ""
            return "line \(mark.line), column \(mark.column): \(problem)\(during)"
        case .reader(let problem, let offset, _, _):
            return "\(problem)\(offset.map { " at byte \($0)" } ?? "")"
        case .duplicatedKeysInMapping(let duplicates, let context):
            return "line \(context.mark.line): duplicate keys \(duplicates.sorted().joined(separator: ", "))"
        case .dataCouldNotBeDecoded:
            return "the file is not UTF-8"
        default:
            return "unreadable YAML"
        }
    }
}
