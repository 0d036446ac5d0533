import CPKCS11
import ConnectorAPI
import Foundation
import Synchronization

/// A PKCS#11 module loaded with `dlopen` and initialised once per process (modules are shared
/// between issuers that name the same path).
final class PKCS11Module: Sendable {
    let path: String
    let functions: PKCS11Functions

    private static let loaded = Mutex<[String: PKCS11Module]>([:])

    /// The module at `path`, loading and initialising it on first use.
    static func load(_ path: String) throws -> PKCS11Module {
        try loaded.withLock { modules in
            if let module = modules[path] { return module }
            let module = try PKCS11Module(path: path)
            modules[path] = module
            return module
        }
    }

    private init(path: String) throws {
        self.path = path
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw ConnectorError.invalidConfiguration("cannot load PKCS#11 module \(path)")
        }
        guard let symbol = dlsym(handle, "C_GetFunctionList") else {
            throw ConnectorError.invalidConfiguration("\(path) is not a PKCS#11 module (no C_GetFunctionList)")
        }
        typealias GetFunctionList = @convention(c) (UnsafeMutablePointer<UnsafeMutablePointer<CK_FUNCTION_LIST>?>?) -> CK_RV
        var list: UnsafeMutablePointer<CK_FUNCTION_LIST>?
        try PKCS11Error.check(unsafeBitCast(symbol, to: GetFunctionList.self)(&list), "C_GetFunctionList")
        guard let list else { throw ConnectorError.invalidConfiguration("\(path) returned no function list") }
        functions = try PKCS11Functions(list.pointee, path: path)
        try initialize()
    }

    /// `C_Initialize` with OS locking; "already initialised" (by another user of the module) is fine.
    func initialize() throws {
        var args = CK_C_INITIALIZE_ARGS()
        args.flags = CK_FLAGS(CKF_OS_LOCKING_OK)
        let rv = withUnsafeMutablePointer(to: &args) { functions.C_Initialize(UnsafeMutableRawPointer($0)) }
        guard rv == CK_RV(CKR_OK) || rv == CK_RV(CKR_CRYPTOKI_ALREADY_INITIALIZED) else {
            throw PKCS11Error.failure(rv, "C_Initialize")
        }
    }

    /// `C_Finalize` then `C_Initialize`: drops every session of this process on the module and
    /// makes the module rescan its tokens. Used only to recover from a token that disappeared.
    func reinitialize() throws {
        _ = functions.C_Finalize?(nil)
        try initialize()
    }

    /// The slot holding the token the URI names (label, serial or slot id). Slot ids change when a
    /// token is (re)initialised, so the label or serial is preferred.
    func slot(for uri: PKCS11URI) throws -> CK_SLOT_ID {
        var count: CK_ULONG = 0
        try PKCS11Error.check(functions.C_GetSlotList(CK_BBOOL(CK_TRUE), nil, &count), "C_GetSlotList")
        var slots = [CK_SLOT_ID](repeating: 0, count: Int(count))
        try PKCS11Error.check(functions.C_GetSlotList(CK_BBOOL(CK_TRUE), &slots, &count), "C_GetSlotList")
        for slot in slots.prefix(Int(count)) {
            if let wanted = uri.slotID, wanted != slot { continue }
            var info = CK_TOKEN_INFO()
            guard functions.C_GetTokenInfo(slot, &info) == CK_RV(CKR_OK) else { continue }
            if let label = uri.token, Self.text(info.label) != label { continue }
            if let serial = uri.serial, Self.text(info.serialNumber) != serial { continue }
            return slot
        }
        throw ConnectorError(.unavailable, "no PKCS#11 token matching the key_uri is present")
    }

    /// The serial number of the token in `slot` (empty when the module does not say).
    func tokenSerial(_ slot: CK_SLOT_ID) -> String {
        var info = CK_TOKEN_INFO()
        guard functions.C_GetTokenInfo(slot, &info) == CK_RV(CKR_OK) else { return "" }
        return Self.text(info.serialNumber)
    }

    /// A space-padded fixed-size token field as a string.
    static func text<T>(_ field: T) -> String {
        withUnsafeBytes(of: field) { bytes in
            String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespaces.union(.controlCharacters))
        }
    }
}
