import SwiftASN1
import Testing
import X509

@testable import Host

/// ``OCSPRequestScanner`` is a shortcut for the common request shape: whatever it accepts, the
/// full parser must decode the same way; everything else it leaves to the full parser.
@Suite struct OCSPRequestScannerTests {
    struct Shape {
        var algorithm: CertIDHashAlgorithm = .sha1
        var nullParameters = true
        var serial: [UInt8] = [0x01, 0x7F, 0x80, 0x42]
        var version = false
        var nonce: [UInt8]? = nil
        var critical = false
        var signature = false
        var twoCertIDs = false
        var requestorName = false
        var extraExtension = false
        var singleRequestExtension = false
    }

    static func encode(_ shape: Shape) throws -> [UInt8] {
        let hashLength = shape.algorithm == .sha1 ? 20 : 32
        var coder = DER.Serializer()
        func certID(_ coder: inout DER.Serializer) throws {
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    try coder.serialize(shape.algorithm.oid)
                    if shape.nullParameters { try coder.serialize(ASN1Null()) }
                }
                try coder.serialize(ASN1OctetString(contentBytes: [UInt8](repeating: 0xA1, count: hashLength)[...]))
                try coder.serialize(ASN1OctetString(contentBytes: [UInt8](repeating: 0xB2, count: hashLength)[...]))
                coder.appendPrimitiveNode(identifier: .integer) { $0.append(contentsOf: shape.serial) }
            }
        }
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try coder.appendConstructedNode(identifier: .sequence) { coder in
                if shape.version {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { try $0.serialize(0) }
                }
                if shape.requestorName {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 1, tagClass: .contextSpecific) { coder in
                        try coder.serialize(GeneralName.dnsName("client.test"))
                    }
                }
                try coder.appendConstructedNode(identifier: .sequence) { coder in
                    for _ in 0..<(shape.twoCertIDs ? 2 : 1) {
                        try coder.appendConstructedNode(identifier: .sequence) { coder in
                            try certID(&coder)
                            if shape.singleRequestExtension {
                                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                                    try coder.serializeSequenceOf([
                                        Certificate.Extension(oid: [1, 2, 3], critical: false, value: [0x05, 0x00])
                                    ])
                                }
                            }
                        }
                    }
                }
                var extensions: [Certificate.Extension] = []
                if let nonce = shape.nonce {
                    let value = try DER.Serializer.bytes(of: ASN1OctetString(contentBytes: nonce[...]))
                    extensions.append(Certificate.Extension(oid: OCSPNonce.oid, critical: shape.critical, value: value[...]))
                }
                if shape.extraExtension {
                    extensions.append(Certificate.Extension(oid: [1, 2, 3, 4], critical: false, value: [0x05, 0x00]))
                }
                if !extensions.isEmpty {
                    try coder.serialize(explicitlyTaggedWithTagNumber: 2, tagClass: .contextSpecific) { coder in
                        try coder.serializeSequenceOf(extensions)
                    }
                }
            }
            if shape.signature {
                try coder.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { coder in
                    try coder.appendConstructedNode(identifier: .sequence) { coder in
                        try coder.appendConstructedNode(identifier: .sequence) {
                            try $0.serialize([1, 2, 840, 10045, 4, 3, 2] as ASN1ObjectIdentifier)
                        }
                        try coder.serialize(ASN1BitString(bytes: [0x01, 0x02]))
                    }
                }
            }
        }
        return coder.serializedBytes
    }

    /// The scanner's answer, checked against the full parser's.
    private func agrees(_ der: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> Bool? {
        guard let scanned = OCSPRequestScanner.scan(der) else { return nil }
        guard let full = try? OCSPRequest(derBytes: der) else {
            Issue.record("scanner accepted what the full parser rejects: \(der)", sourceLocation: sourceLocation)
            return false
        }
        let same = full.certIDs == [scanned.certID] && full.extensions == (scanned.nonce.map { [$0] } ?? [])
        #expect(same, "scanner and full parser differ on \(der)", sourceLocation: sourceLocation)
        return same
    }

    @Test(arguments: [
        Shape(),
        Shape(algorithm: .sha256, nullParameters: false),
        Shape(serial: [0x00, 0x80]),
        Shape(serial: [UInt8](repeating: 0x7F, count: 21)),
        Shape(version: true, nonce: [0x01]),
        Shape(nonce: [UInt8](repeating: 0x5A, count: 32)),
        Shape(nonce: [UInt8](repeating: 0x5A, count: 200)),  // long-form lengths (echo rejects it later)
        Shape(nonce: [0x01, 0x02], critical: true),
    ])
    func commonShapesDecodeLikeTheFullParser(shape: Shape) throws {
        #expect(agrees(try Self.encode(shape)) == true)
    }

    @Test(arguments: [
        Shape(signature: true), Shape(twoCertIDs: true), Shape(requestorName: true), Shape(nonce: [0x01], extraExtension: true),
        Shape(extraExtension: true), Shape(singleRequestExtension: true),
    ])
    func otherShapesAreLeftToTheFullParser(shape: Shape) throws {
        let der = try Self.encode(shape)
        #expect(OCSPRequestScanner.scan(der) == nil)
        #expect(throws: Never.self) { try OCSPRequest(derBytes: der) }
    }

    @Test func notDERIsLeftToTheFullParser() throws {
        let der = try Self.encode(Shape(nonce: [0x01, 0x02]))
        #expect(OCSPRequestScanner.scan(der + [0x00]) == nil, "trailing byte")
        #expect(OCSPRequestScanner.scan(Array(der.dropLast())) == nil, "truncated")
        // The outer length in long form although it fits in one byte.
        #expect(OCSPRequestScanner.scan([0x30, 0x81, der[1]] + der[2...]) == nil)
        // An explicit critical FALSE (DER omits defaults).
        var falseFlag = try Self.encode(Shape(nonce: [0x01], critical: true))
        let flag = try #require(falseFlag.firstRange(of: [0x01, 0x01, 0xFF]))
        falseFlag[flag.upperBound - 1] = 0x00
        #expect(OCSPRequestScanner.scan(falseFlag) == nil)
        // An unsupported CertID hash algorithm, and version 2.
        var md5 = try Self.encode(Shape())
        md5[try #require(md5.firstRange(of: [0x2B, 0x0E, 0x03, 0x02, 0x1A])).upperBound - 1] = 0x1B
        #expect(OCSPRequestScanner.scan(md5) == nil)
        var v2 = try Self.encode(Shape(version: true))
        v2[try #require(v2.firstRange(of: [0xA0, 0x03, 0x02, 0x01, 0x00])).upperBound - 1] = 0x01
        #expect(OCSPRequestScanner.scan(v2) == nil)
    }

    /// A serial with a needless leading 0x00 (or 0xFF) is not DER: neither reader takes it, so each
    /// serial has one encoding per hash algorithm and parameter form (what memory and the
    /// pre-signed cache are keyed by).
    @Test(arguments: [[0x00, 0x01, 0x7F], [0x00, 0x00, 0x80], [0xFF, 0x80], [0x00]] as [[UInt8]])
    func aSerialThatIsNotMinimalIsMalformed(serial: [UInt8]) throws {
        let der = try Self.encode(Shape(serial: serial))
        if serial == [0x00] {
            #expect(agrees(der) == true, "zero is minimal")
            return
        }
        #expect(OCSPRequestScanner.scan(der) == nil)
        #expect(throws: OCSPFailure.self) { try OCSPRequest(derBytes: der) }
    }

    /// Random corruptions of valid requests: the scanner may refuse any of them, but never accepts
    /// one the full parser decodes differently or rejects.
    @Test func corruptedRequestsNeverDisagree() throws {
        var random = SplitMix(seed: 0x5EED)
        let seeds = try [Shape(), Shape(version: true, nonce: [1, 2, 3, 4]), Shape(algorithm: .sha256, nonce: [9], critical: true)]
            .map(Self.encode)
        var accepted = 0
        for round in 0..<20_000 {
            var der = seeds[round % seeds.count]
            for _ in 0...(random.next() % 3) {
                let index = Int(random.next() % UInt64(der.count))
                switch random.next() % 4 {
                case 0: der[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: der[index] ^= 1 << UInt8(random.next() % 8)
                case 2: der.remove(at: index)
                default: der.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                }
                if der.isEmpty { break }
            }
            if let same = agrees(der) {
                #expect(same)
                accepted += 1
            }
        }
        // Bytes inside the hashes and the nonce can change without breaking the shape.
        #expect(accepted > 1_000)
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
