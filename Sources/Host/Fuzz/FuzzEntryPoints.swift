import Foundation
import SwiftASN1

/// The parsers that read untrusted bytes, as libFuzzer entry points (`scripts/fuzz.sh` builds one
/// fuzzer per case) and as the unit tests' corpus replay: the same call either way. Each must
/// return for any input — a crash, a trap or a hang is the finding.
public enum FuzzEntryPoints {
    public enum Target: String, CaseIterable, Sendable {
        case ocspRequest = "ocsp-request"
        case http1Frame = "http1-frame"
        case acmeJWS = "acme-jws"
    }

    public static func run(_ target: Target, _ bytes: [UInt8]) {
        switch target {
        case .ocspRequest:
            _ = OCSPRequestScanner.scan(bytes)
            _ = try? OCSPRequest(derBytes: bytes)
        case .http1Frame:
            var searched = 0
            while true {
                let scan = bytes.withUnsafeBytes { HTTP1RequestFrame.next($0, searched: searched) }
                guard case .incomplete(let next) = scan, next > searched, next < bytes.count else { break }
                searched = next
            }
        case .acmeJWS:
            _ = try? ACMERequest(body: bytes, nonceRequired: true)
        }
    }
}
