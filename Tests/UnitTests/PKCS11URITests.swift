import ConnectorAPI
import Testing

@testable import PKCS11Connector

@Suite struct PKCS11URITests {
    @Test func parsesRFC7512Forms() throws {
        let uri = try PKCS11URI(
            "pkcs11:token=My%20Token;object=ca-key;id=%01%a0;slot-id=7;serial=abc;type=private?pin-source=file:/run/pin&module-path=/m.so")
        #expect(uri.token == "My Token")
        #expect(uri.object == "ca-key")
        #expect(uri.id == [0x01, 0xA0])
        #expect(uri.slotID == 7)
        #expect(uri.serial == "abc")
        #expect(uri.pinSource == "/run/pin")
        #expect(uri.modulePath == "/m.so")
    }

    @Test(arguments: [
        "token=x;object=y", "pkcs11:token=x", "pkcs11:object=y;colour=red", "pkcs11:object=y;slot-id=x", "pkcs11:object=%zz",
        "pkcs11:object=y?pin-value=1234", "pkcs11:object=y;type=public",
    ])
    func refusesWhatCouldSelectTheWrongKeyOrLeakAPIN(text: String) {
        let error = #expect(throws: ConnectorError.self) { try PKCS11URI(text) }
        #expect(error?.code == .invalidConfiguration)
        #expect(error?.message.contains("1234") == false)
    }
}
