import CPKCS11
import ConnectorAPI

/// Turns a `CK_RV` into a ``ConnectorError`` with the return value's name (never data or PINs).
enum PKCS11Error {
    static let names: [CK_RV: String] = [
        CK_RV(CKR_GENERAL_ERROR): "CKR_GENERAL_ERROR", CK_RV(CKR_FUNCTION_FAILED): "CKR_FUNCTION_FAILED",
        CK_RV(CKR_ARGUMENTS_BAD): "CKR_ARGUMENTS_BAD", CK_RV(CKR_DEVICE_ERROR): "CKR_DEVICE_ERROR",
        CK_RV(CKR_DEVICE_REMOVED): "CKR_DEVICE_REMOVED", CK_RV(CKR_KEY_HANDLE_INVALID): "CKR_KEY_HANDLE_INVALID",
        CK_RV(CKR_MECHANISM_INVALID): "CKR_MECHANISM_INVALID", CK_RV(CKR_PIN_INCORRECT): "CKR_PIN_INCORRECT",
        CK_RV(CKR_PIN_LOCKED): "CKR_PIN_LOCKED", CK_RV(CKR_SESSION_CLOSED): "CKR_SESSION_CLOSED",
        CK_RV(CKR_SESSION_HANDLE_INVALID): "CKR_SESSION_HANDLE_INVALID", CK_RV(CKR_TOKEN_NOT_PRESENT): "CKR_TOKEN_NOT_PRESENT",
        CK_RV(CKR_USER_NOT_LOGGED_IN): "CKR_USER_NOT_LOGGED_IN", CK_RV(CKR_CRYPTOKI_NOT_INITIALIZED): "CKR_CRYPTOKI_NOT_INITIALIZED",
        CK_RV(CKR_BUFFER_TOO_SMALL): "CKR_BUFFER_TOO_SMALL", CK_RV(CKR_OBJECT_HANDLE_INVALID): "CKR_OBJECT_HANDLE_INVALID",
        CK_RV(CKR_SLOT_ID_INVALID): "CKR_SLOT_ID_INVALID",
    ]

    static func name(_ rv: CK_RV) -> String { names[rv] ?? "CKR_0x\(String(rv, radix: 16))" }

    /// Return values after which the session (or login, or a cached object handle) must be re-established.
    static func isSessionLost(_ rv: CK_RV) -> Bool {
        [
            CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_REMOVED, CKR_USER_NOT_LOGGED_IN, CKR_TOKEN_NOT_PRESENT,
            CKR_CRYPTOKI_NOT_INITIALIZED, CKR_DEVICE_ERROR, CKR_KEY_HANDLE_INVALID, CKR_OBJECT_HANDLE_INVALID,
        ].map { CK_RV($0) }.contains(rv)
    }

    static func check(_ rv: CK_RV, _ operation: String) throws {
        guard rv == CK_RV(CKR_OK) else { throw failure(rv, operation) }
    }

    static func failure(_ rv: CK_RV, _ operation: String) -> ConnectorError {
        ConnectorError(isSessionLost(rv) ? .unavailable : .internalFailure, "PKCS#11 \(operation) failed: \(name(rv))")
    }
}
