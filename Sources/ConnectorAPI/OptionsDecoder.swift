import Foundation

/// The `Decoder` behind ``ConnectorOptions/decode(_:)``: reads a connector's `Decodable` options
/// type from ``OptionValue``s.
///
/// - A property reads the key of its own name, or else its snake_case form (`caBundleFile` reads
///   `ca_bundle_file`), so option types need no `CodingKeys` for the usual spelling.
/// - Scalars parse into `String`, `Bool` (`true`/`false`, also `yes`/`no`, `on`/`off`), integers,
///   floating point, ``OptionChoice`` enums and `URL` (a path, resolved against the configuration
///   file's directory); any other `Decodable` type decodes itself from these.
/// - An empty scalar counts as absent.
/// - A mapping decoded into a struct may hold only the keys the struct reads; a `Dictionary`
///   property accepts any keys.
struct OptionsDecoder: Decoder {
    let value: OptionValue?
    let codingPath: [any CodingKey]
    let context: OptionsDecodingContext
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .mapping(let mapping) = try present() else { throw mismatch(expected: "a mapping of key: value") }
        let tracker = context.track(codingPath, keys: Set(mapping.keys))
        return KeyedDecodingContainer(
            OptionsKeyedContainer<Key>(mapping: mapping, codingPath: codingPath, context: context, tracker: tracker))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .list(let list) = try present() else { throw mismatch(expected: "a list, e.g. [\"/usr/bin/tool\", \"--flag\"]") }
        return OptionsUnkeyedContainer(list: list, codingPath: codingPath, context: context)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    /// The value, or `valueNotFound` when it is absent.
    func present() throws -> OptionValue {
        guard let value, !value.isEmptyScalar else {
            throw DecodingError.valueNotFound(OptionValue.self, .init(codingPath: codingPath, debugDescription: "is missing"))
        }
        return value
    }

    func mismatch(expected: String) -> DecodingError {
        .typeMismatch(
            OptionValue.self, .init(codingPath: codingPath, debugDescription: "must be \(expected), not \(value?.kind ?? "nothing")"))
    }

    func scalar() throws -> String {
        guard case .scalar(let text) = try present() else { throw mismatch(expected: "a scalar value") }
        return text.trimmingCharacters(in: .whitespaces)
    }

    func invalid(_ text: String, _ why: String) -> DecodingError {
        .dataCorrupted(.init(codingPath: codingPath, debugDescription: "'\(text)' \(why)"))
    }

    func parse<T>(_ make: (String) -> T?, _ why: String) throws -> T {
        let text = try scalar()
        guard let parsed = make(text) else { throw invalid(text, why) }
        return parsed
    }
}

extension OptionValue {
    var isEmptyScalar: Bool {
        if case .scalar(let text) = self { return text.isEmpty }
        return false
    }
}

extension OptionsDecoder: SingleValueDecodingContainer {
    func decodeNil() -> Bool { value == nil || value?.isEmptyScalar == true }
    func decode(_ type: String.Type) throws -> String { try scalar() }
    func decode(_ type: Bool.Type) throws -> Bool {
        try parse(
            { text in
                switch text.lowercased() {
                case "true", "yes", "on": true
                case "false", "no", "off": false
                default: nil
                }
            }, "is not true or false")
    }
    func decode(_ type: Double.Type) throws -> Double { try parse(Double.init, "is not a number") }
    func decode(_ type: Float.Type) throws -> Float { try parse(Float.init, "is not a number") }
    func decode(_ type: Int.Type) throws -> Int { try integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try integer() }

    func integer<T: FixedWidthInteger>() throws -> T { try parse({ T($0) }, "is not an integer") }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if type == URL.self, let url = try context.resolve(scalar()) as? T { return url }
        return try T(from: self)
    }
}

/// A key as the configuration spells it (so error messages name `ca_bundle_file`, not `caBundleFile`).
struct OptionKey: CodingKey {
    var stringValue: String
    var intValue: Int?
    init(stringValue: String) { self.stringValue = stringValue }
    init(intValue: Int) {
        self.stringValue = "[\(intValue)]"
        self.intValue = intValue
    }

    /// `caBundleFile` → `ca_bundle_file`; names without upper-case letters are unchanged.
    static func snakeCase(_ name: String) -> String {
        var result = ""
        for character in name {
            if character.isUppercase {
                if !result.isEmpty { result.append("_") }
                result.append(contentsOf: character.lowercased())
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// State shared by every container of one decode: where relative paths resolve, and which keys
/// of each mapping were read (the rest are unknown keys).
final class OptionsDecodingContext {
    final class Tracker {
        let path: [any CodingKey]
        let keys: Set<String>
        var read: Set<String> = []
        var readsAll = false
        init(path: [any CodingKey], keys: Set<String>) {
            self.path = path
            self.keys = keys
        }
    }

    let baseDirectory: URL
    private(set) var trackers: [Tracker] = []

    init(baseDirectory: URL) { self.baseDirectory = baseDirectory }

    func track(_ path: [any CodingKey], keys: Set<String>) -> Tracker {
        let tracker = Tracker(path: path, keys: keys)
        trackers.append(tracker)
        return tracker
    }

    func resolve(_ path: String) -> URL {
        if path.hasPrefix("/") { return URL(fileURLWithPath: path).standardizedFileURL }
        return baseDirectory.appendingPathComponent(path).standardizedFileURL
    }

    /// Keys given in a mapping that the type never read, with where they were and what it reads.
    var unknownKeys: [(path: [any CodingKey], key: String, known: [String])] {
        trackers.filter { !$0.readsAll }.flatMap { tracker in
            tracker.keys.subtracting(tracker.read).sorted().map { (tracker.path, $0, tracker.read.sorted()) }
        }
    }
}

struct OptionsKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let mapping: [String: OptionValue]
    let codingPath: [any CodingKey]
    let context: OptionsDecodingContext
    let tracker: OptionsDecodingContext.Tracker

    /// Every key: a `Dictionary` is reading the mapping, so none of its keys is unknown.
    var allKeys: [Key] {
        tracker.readsAll = true
        return mapping.keys.sorted().compactMap { Key(stringValue: $0) }
    }

    /// The configuration's spelling of `key`: as written when present, else its snake_case form.
    func name(_ key: Key) -> String {
        if mapping[key.stringValue] != nil { return key.stringValue }
        return OptionKey.snakeCase(key.stringValue)
    }

    func child(_ key: Key) -> OptionsDecoder {
        let name = name(key)
        tracker.read.insert(name)
        return OptionsDecoder(value: mapping[name], codingPath: codingPath + [OptionKey(stringValue: name)], context: context)
    }

    func contains(_ key: Key) -> Bool {
        let name = name(key)
        tracker.read.insert(name)
        return mapping[name].map { !$0.isEmptyScalar } ?? false
    }

    func decodeNil(forKey key: Key) throws -> Bool { child(key).decodeNil() }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        let decoder = child(key)
        guard !decoder.decodeNil() else {
            throw DecodingError.keyNotFound(
                OptionKey(stringValue: name(key)), .init(codingPath: decoder.codingPath, debugDescription: "is missing"))
        }
        return try decoder.decode(type)
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try child(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try child(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        OptionsDecoder(value: .mapping(mapping), codingPath: codingPath, context: context)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder { child(key) }
}

struct OptionsUnkeyedContainer: UnkeyedDecodingContainer {
    let list: [OptionValue]
    let codingPath: [any CodingKey]
    let context: OptionsDecodingContext
    var currentIndex = 0

    init(list: [OptionValue], codingPath: [any CodingKey], context: OptionsDecodingContext) {
        self.list = list
        self.codingPath = codingPath
        self.context = context
    }

    var count: Int? { list.count }
    var isAtEnd: Bool { currentIndex >= list.count }

    mutating func next() throws -> OptionsDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                OptionValue.self, .init(codingPath: codingPath, debugDescription: "has too few items"))
        }
        defer { currentIndex += 1 }
        return OptionsDecoder(value: list[currentIndex], codingPath: codingPath + [OptionKey(intValue: currentIndex)], context: context)
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, list[currentIndex].isEmptyScalar else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T { try next().decode(type) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer { try next().unkeyedContainer() }

    mutating func superDecoder() throws -> any Decoder { try next() }
}
