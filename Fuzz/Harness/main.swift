// libFuzzer driver for `FuzzTarget` (scripts/fuzz.sh builds it with coverage and ASan and
// links libFuzzer's `fuzzer_no_main`): `CERTCTL_FUZZ_TARGET` names the parser, every other
// argument is libFuzzer's.
import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

@_silgen_name("LLVMFuzzerRunDriver")
func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

let target: FuzzTarget = {
    let name = getenv("CERTCTL_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        print("CERTCTL_FUZZ_TARGET must be one of \(known)")
        exit(64)
    }
    return target
}()

var argc = CommandLine.argc
var argv = CommandLine.unsafeArgv
_ = target
exit(
    llvmFuzzerRunDriver(&argc, &argv) { start, count in
        target.run(start.map { Array(UnsafeBufferPointer(start: $0, count: count)) } ?? [])
        return 0
    })
