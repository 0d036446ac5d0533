import Crypto

/// RFC 7292 Appendix B.2 key derivation, with SHA-256 (hash length 32, block length v = 64), for the PKCS#12 MAC key
/// (ID = 3). The password is a BMPString (UTF-16BE) with a two-byte zero terminator (B.1).
enum PKCS12KeyDerivation {
    static func macKey(password: String, salt: [UInt8], iterations: Int) -> [UInt8] {
        derive(id: 3, password: bmpString(password), salt: salt, iterations: iterations, length: 32)
    }

    static func bmpString(_ password: String) -> [UInt8] {
        password.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] } + [0, 0]
    }

    static func derive(id: UInt8, password: [UInt8], salt: [UInt8], iterations: Int, length: Int) -> [UInt8] {
        let v = 64
        let diversifier = [UInt8](repeating: id, count: v)
        func fill(_ bytes: [UInt8]) -> [UInt8] {
            guard !bytes.isEmpty else { return [] }
            let count = v * ((bytes.count + v - 1) / v)
            return (0..<count).map { bytes[$0 % bytes.count] }
        }
        var input = fill(salt) + fill(password)
        var output: [UInt8] = []
        while output.count < length {
            var block = Array(SHA256.hash(data: diversifier + input))
            for _ in 1..<max(iterations, 1) { block = Array(SHA256.hash(data: block)) }
            output += block
            // I_j = (I_j + B + 1) mod 2^(8v) for every v-byte block of I, B = block repeated to v bytes.
            let b = fill(block)
            for start in stride(from: 0, to: input.count, by: v) {
                var carry = 1
                for index in stride(from: v - 1, through: 0, by: -1) {
                    let sum = Int(input[start + index]) + Int(b[index]) + carry
                    input[start + index] = UInt8(sum & 0xFF)
                    carry = sum >> 8
                }
            }
        }
        return Array(output.prefix(length))
    }
}
