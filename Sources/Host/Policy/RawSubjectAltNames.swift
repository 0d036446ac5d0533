import SwiftASN1
import X509

/// The text of a subjectAltName extension's string names, read without swift-certificates'
/// IA5String check, so a CSR whose SAN swift-certificates refuses (UTF-8 in a dNSName: a U-label)
/// still gets a problem naming the value and why it is invalid.
enum RawSubjectAltNames {
    /// The first name whose text is not ASCII or has a control character, as the refusal that
    /// validating it gives; `nil` when none is found.
    static func firstInvalid(_ extensionValue: ArraySlice<UInt8>) -> PolicyRefusal? {
        guard let root = try? DER.parse(extensionValue), case .constructed(let names) = root.content else { return nil }
        for node in names {
            guard node.identifier.tagClass == .contextSpecific, case .primitive(let bytes) = node.content else { continue }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                switch node.identifier.tagNumber {
                case 1: _ = try EmailAddress(validating: text)
                case 2: _ = try DNSName(validating: text, allowUnderscores: true)
                case 6: _ = try URIName(validating: text)
                default: continue
                }
            } catch let refusal as PolicyRefusal {
                return refusal
            } catch {
                continue
            }
        }
        return nil
    }
}
