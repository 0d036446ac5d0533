import SwiftASN1
import X509

/// Reads the OCSP request nearly every client sends — one CertID, no requestor name, no
/// single-request extensions, at most a nonce in requestExtensions, no signature — straight from
/// its bytes, without building a node tree (the fast path's share of a live-signed answer).
///
/// It is a shortcut, not a second parser: it accepts only that shape, in DER (minimal lengths,
/// nothing trailing), and whatever it accepts ``OCSPRequest/init(derBytes:)`` decodes to the same
/// CertID and nonce. Anything else — another shape, or bytes it cannot read — gives `nil`, and the
/// caller uses ``OCSPRequest``, which decides what is malformed.
enum OCSPRequestScanner {
    /// The one CertID and the request's nonce extension (`nil` without one), or `nil`.
    static func scan(_ der: [UInt8]) -> (certID: OCSPCertID, nonce: Certificate.Extension?)? {
        var outer = Reader(der, 0..<der.count)
        guard let request = outer.read(0x30), outer.atEnd else { return nil }
        var body = Reader(der, request)
        // A trailing optionalSignature is left to the full parser.
        guard let tbs = body.read(0x30), body.atEnd else { return nil }
        var fields = Reader(der, tbs)
        if fields.peek == 0xA0 {
            // version [0] EXPLICIT INTEGER: only v1 (0).
            guard let version = fields.read(0xA0), der[version].elementsEqual([0x02, 0x01, 0x00]) else { return nil }
        }
        guard let list = fields.read(0x30) else { return nil }
        var requests = Reader(der, list)
        guard let single = requests.read(0x30), requests.atEnd else { return nil }
        var requestFields = Reader(der, single)
        guard let certIDRange = requestFields.readElement(0x30), requestFields.atEnd, let certID = certID(der, certIDRange) else {
            return nil
        }
        var nonce: Certificate.Extension?
        if !fields.atEnd {
            guard let explicit = fields.read(0xA2), fields.atEnd else { return nil }
            nonce = nonceExtension(der, explicit)
            guard nonce != nil else { return nil }
        }
        return (certID, nonce)
    }

    /// `CertID ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, issuerNameHash OCTET STRING,
    /// issuerKeyHash OCTET STRING, serialNumber INTEGER }`, from its whole encoding.
    private static func certID(_ der: [UInt8], _ element: Range<Int>) -> OCSPCertID? {
        var outer = Reader(der, element)
        guard let content = outer.read(0x30) else { return nil }
        var fields = Reader(der, content)
        guard let algorithmContent = fields.read(0x30) else { return nil }
        var algorithmFields = Reader(der, algorithmContent)
        guard let oid = algorithmFields.read(0x06), let algorithm = CertIDHashAlgorithm(oidContent: der[oid]) else { return nil }
        if !algorithmFields.atEnd {
            guard let parameters = algorithmFields.read(0x05), parameters.isEmpty, algorithmFields.atEnd else { return nil }
        }
        guard let nameHash = fields.read(0x04), let keyHash = fields.read(0x04), let serial = fields.read(0x02), fields.atEnd,
            (1...21).contains(serial.count), SerialNumberInteger.isMinimalContent(der[serial])
        else { return nil }
        return OCSPCertID(
            hashAlgorithm: algorithm, issuerNameHash: Array(der[nameHash]), issuerKeyHash: Array(der[keyHash]),
            serial: SerialNumberInteger(magnitude: Array(der[serial])), encoded: Array(der[element]))
    }

    /// `[2] EXPLICIT Extensions` holding exactly one extension, the nonce (not critical, or
    /// critical TRUE), as the full parser would return it; `nil` otherwise.
    private static func nonceExtension(_ der: [UInt8], _ explicit: Range<Int>) -> Certificate.Extension? {
        var wrapper = Reader(der, explicit)
        guard let list = wrapper.read(0x30), wrapper.atEnd else { return nil }
        var extensions = Reader(der, list)
        guard let only = extensions.read(0x30), extensions.atEnd else { return nil }
        var fields = Reader(der, only)
        guard let oid = fields.read(0x06), der[oid].elementsEqual(OCSPNonce.oidDER.dropFirst(2)) else { return nil }
        var critical = false
        if fields.peek == 0x01 {
            // DER omits a FALSE default, so an explicit BOOLEAN can only be TRUE (0xFF).
            guard let flag = fields.read(0x01), der[flag].elementsEqual([0xFF]) else { return nil }
            critical = true
        }
        guard let value = fields.read(0x04), fields.atEnd else { return nil }
        return Certificate.Extension(oid: OCSPNonce.oid, critical: critical, value: der[value])
    }

    /// Walks the elements inside one range of the buffer: tag, DER length, contents.
    private struct Reader {
        let bytes: [UInt8]
        var position: Int
        let end: Int

        init(_ bytes: [UInt8], _ range: Range<Int>) {
            self.bytes = bytes
            position = range.lowerBound
            end = range.upperBound
        }

        var atEnd: Bool { position == end }
        var peek: UInt8? { position < end ? bytes[position] : nil }

        /// The contents of the next element if its tag is `tag`, stepping past it.
        mutating func read(_ tag: UInt8) -> Range<Int>? {
            next(tag)?.contents
        }

        /// The whole next element (tag, length and contents) if its tag is `tag`, stepping past it.
        mutating func readElement(_ tag: UInt8) -> Range<Int>? {
            next(tag)?.element
        }

        private mutating func next(_ tag: UInt8) -> (element: Range<Int>, contents: Range<Int>)? {
            guard position + 2 <= end, bytes[position] == tag else { return nil }
            var index = position + 1
            let first = bytes[index]
            index += 1
            let length: Int
            switch first {
            case 0..<0x80:
                length = Int(first)
            case 0x81:
                guard index < end, bytes[index] >= 0x80 else { return nil }
                length = Int(bytes[index])
                index += 1
            case 0x82:
                guard index + 1 < end, bytes[index] != 0 else { return nil }
                length = Int(bytes[index]) << 8 | Int(bytes[index + 1])
                guard length >= 0x100 else { return nil }
                index += 2
            default:
                return nil
            }
            guard length <= end - index else { return nil }
            defer { position = index + length }
            return (position..<(index + length), index..<(index + length))
        }
    }
}
