import ConnectorAPI
import Foundation

/// An RFC 7512 `pkcs11:` URI naming a key: path attributes `token`, `serial`, `slot-id`, `object`,
/// `id`, `type`; query attributes `pin-source` (a file path, or `file:` URL) and `module-path`.
/// Percent-encoding is decoded; unknown path attributes are refused so a typo cannot silently
/// select another key.
struct PKCS11URI: Sendable, Hashable {
    var token: String?
    var serial: String?
    var slotID: UInt?
    var object: String?
    var id: [UInt8]?
    var pinSource: String?
    var modulePath: String?

    static let pathAttributes: Set<String> = [
        "token", "serial", "slot-id", "object", "id", "type", "manufacturer", "model", "library-manufacturer", "library-description",
        "library-version", "slot-description", "slot-manufacturer",
    ]

    init(_ text: String) throws {
        guard text.hasPrefix("pkcs11:") else { throw ConnectorError.invalidConfiguration("key_uri must start with 'pkcs11:'") }
        let body = text.dropFirst("pkcs11:".count)
        let parts = body.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        for attribute in parts[0].split(separator: ";") where !attribute.isEmpty {
            if attribute.hasPrefix("id=") {
                id = try Self.percentDecodedBytes(String(attribute.dropFirst(3)))
                continue
            }
            let (name, value) = try Self.pair(attribute)
            switch name {
            case "token": token = value
            case "serial": serial = value
            case "object": object = value
            case "slot-id":
                guard let number = UInt(value) else { throw ConnectorError.invalidConfiguration("key_uri: slot-id must be a number") }
                slotID = number
            case "type":
                guard value == "private" else { throw ConnectorError.invalidConfiguration("key_uri: type must be 'private'") }
            default:
                guard Self.pathAttributes.contains(name) else {
                    throw ConnectorError.invalidConfiguration("key_uri: unknown attribute '\(name)'")
                }
            }
        }
        if parts.count == 2 {
            for attribute in parts[1].split(separator: "&") where !attribute.isEmpty {
                let (name, value) = try Self.pair(attribute)
                switch name {
                case "pin-source": pinSource = value.hasPrefix("file:") ? (URL(string: value)?.path ?? value) : value
                case "module-path": modulePath = value
                case "pin-value": throw ConnectorError.invalidConfiguration("key_uri: pin-value is refused; use pin_file or pin-source")
                default: break  // RFC 7512 §2.4: unknown query attributes are ignored
                }
            }
        }
        guard object != nil || id != nil else {
            throw ConnectorError.invalidConfiguration("key_uri must name the key with object= or id=")
        }
    }

    private static func pair(_ attribute: Substring) throws -> (String, String) {
        let kv = attribute.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard kv.count == 2 else { throw ConnectorError.invalidConfiguration("key_uri: '\(kv[0])' has no value") }
        let bytes = try percentDecodedBytes(String(kv[1]))
        guard let value = String(bytes: bytes, encoding: .utf8) else {
            throw ConnectorError.invalidConfiguration("key_uri: '\(kv[0])' is not UTF-8")
        }
        return (String(kv[0]), value)
    }

    static func percentDecodedBytes(_ text: String) throws -> [UInt8] {
        var out: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                out.append(byte)
                continue
            }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(bytes: [high, low], encoding: .ascii) ?? "", radix: 16)
            else { throw ConnectorError.invalidConfiguration("key_uri: bad percent-encoding") }
            out.append(value)
        }
        return out
    }
}
