/// RFC 3492 Punycode decoding, only to check that an `xn--` label is a real A-label: it decodes,
/// produces at least one non-ASCII code point, and produces no control characters, as boulder
/// and browsers require before they trust such a label.
enum Punycode {
    private static let base = 36
    private static let tMin = 1
    private static let tMax = 26
    private static let skew = 38
    private static let damp = 700
    private static let initialBias = 72
    private static let initialN = 128

    /// Whether `encoded` (the label after `xn--`, lower-case) decodes to a valid U-label.
    static func isValidALabel(_ encoded: Substring) -> Bool {
        guard let decoded = decode(encoded) else { return false }
        return decoded.contains { $0 >= 0x80 } && !decoded.contains { $0 < 0x20 || (0x7F...0x9F).contains($0) }
    }

    /// The code points `encoded` stands for, or `nil` when it is not valid Punycode.
    static func decode(_ encoded: Substring) -> [UInt32]? {
        let input = Array(encoded.utf8)
        guard !input.isEmpty else { return nil }
        var output: [UInt32] = []
        var position = 0
        if let delimiter = input.lastIndex(of: UInt8(ascii: "-")) {
            for byte in input[..<delimiter] {
                guard byte < 0x80 else { return nil }
                output.append(UInt32(byte))
            }
            position = delimiter + 1
        }
        var n = initialN
        var i = 0
        var bias = initialBias
        while position < input.count {
            let oldI = i
            var weight = 1
            var k = base
            while true {
                guard position < input.count, let digit = digitValue(input[position]) else { return nil }
                position += 1
                let (product, overflow) = digit.multipliedReportingOverflow(by: weight)
                guard !overflow, i <= Int(Int32.max) - product else { return nil }
                i += product
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if digit < t { break }
                let (next, overflowWeight) = weight.multipliedReportingOverflow(by: base - t)
                guard !overflowWeight, next <= Int(Int32.max) else { return nil }
                weight = next
                k += base
            }
            bias = adapt(delta: i - oldI, count: output.count + 1, first: oldI == 0)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF, !(0xD800...0xDFFF).contains(n) else { return nil }
            output.insert(UInt32(n), at: i)
            i += 1
        }
        return output
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): Int(byte - UInt8(ascii: "a"))
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0")) + 26
        default: nil
        }
    }

    private static func adapt(delta: Int, count: Int, first: Bool) -> Int {
        var delta = first ? delta / damp : delta / 2
        delta += delta / count
        var k = 0
        while delta > ((base - tMin) * tMax) / 2 {
            delta /= base - tMin
            k += base
        }
        return k + (base - tMin + 1) * delta / (delta + skew)
    }
}
