// DOCUMENTATION ONLY — NOT BUILT HERE (no macOS or Xcode on the build machine).
//
// The Swift half of the bridge whose Rust half is `keis_tablet::ios`: the C functions
// `keis_ios_register`, `keis_ios_on_tag`, `keis_ios_on_photo` (declared for Swift in
// `keis_bridge.h`, the bridging header). `tests/ios_abi.rs` calls them on the host as this
// file does, with the emulated ID card behind the callbacks.
//
// Info.plist needs `NFCReaderUsageDescription`, `NSCameraUsageDescription` and, under
// `com.apple.developer.nfc.readersession.iso7816.select-identifiers`, the eMRTD
// application `A0000002471001`; the entitlement "Near Field Communication Tag Reading".

import CoreNFC
import UIKit

/// A connected card as Rust drives it: `sendCommand` made blocking. Rust calls
/// `transceive` from its own thread (never the main one), one call at a time.
final class TagHandle {
    let tag: NFCISO7816Tag
    let session: NFCTagReaderSession
    init(tag: NFCISO7816Tag, session: NFCTagReaderSession) { self.tag = tag; self.session = session }
}

private let transceive: @convention(c) (
    UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt8>?, Int, UnsafeMutablePointer<Int>?
) -> Int32 = { ctx, apdu, len, out, cap, outLen in
    guard let ctx, let apdu, let out, let outLen else { return 2 }
    let handle = Unmanaged<TagHandle>.fromOpaque(ctx).takeUnretainedValue()
    guard let command = NFCISO7816APDU(data: Data(bytes: apdu, count: len)) else { return 2 }
    let done = DispatchSemaphore(value: 0)
    var code: Int32 = 2
    handle.tag.sendCommand(apdu: command) { data, sw1, sw2, error in
        defer { done.signal() }
        if let error = error as? NFCReaderError, error.code == .readerTransceiveErrorTagConnectionLost {
            code = 1 // KEIS_TAG_LOST
            return
        }
        guard error == nil, data.count + 2 <= cap else { return }
        data.copyBytes(to: out, count: data.count)
        out[data.count] = sw1
        out[data.count + 1] = sw2
        outLen.pointee = data.count + 2
        code = 0 // KEIS_TAG_OK
    }
    done.wait()
    return code
}

private let release: @convention(c) (UnsafeMutableRawPointer?) -> Void = { ctx in
    guard let ctx else { return }
    let handle = Unmanaged<TagHandle>.fromOpaque(ctx).takeRetainedValue()
    handle.session.invalidate()
}

private let openCamera: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { _ in
    DispatchQueue.main.async { KeisBridge.shared.presentCamera() }
    return 0 // KEIS_OK
}

/// "Read" found no card: Core NFC reads only in a session, which shows its own sheet.
private let beginCardSession: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { _ in
    DispatchQueue.main.async { KeisBridge.shared.beginCardSession() }
    return 0 // KEIS_OK
}

final class KeisBridge: NSObject, NFCTagReaderSessionDelegate,
    UIImagePickerControllerDelegate, UINavigationControllerDelegate {
    static let shared = KeisBridge()
    private let nfcQueue = DispatchQueue(label: "ua.keis.nfc")
    weak var root: UIViewController?

    /// At launch, before Rust's `main` builds the services.
    func register(root: UIViewController) {
        self.root = root
        let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        _ = dir.path.withCString { keis_ios_register($0, openCamera, beginCardSession, nil) }
    }

    /// Begins the NFC session (its sheet asks for the card); the app asks for it when
    /// "read" finds no card.
    func beginCardSession() {
        let session = NFCTagReaderSession(pollingOption: .iso14443, delegate: self, queue: nfcQueue)
        session?.alertMessage = "Прикладіть ID-картку до верхньої частини iPhone / iPad"
        session?.begin()
    }

    func tagReaderSession(_ session: NFCTagReaderSession, didDetect tags: [NFCTag]) {
        guard case let .iso7816(tag)? = tags.first else { return }
        session.connect(to: tags[0]) { error in
            guard error == nil else { session.invalidate(errorMessage: "Спробуйте ще раз"); return }
            let handle = Unmanaged.passRetained(TagHandle(tag: tag, session: session)).toOpaque()
            let link = KeisTagLink(
                ctx: handle, transceive: transceive, release: release,
                max_transceive_length: tag.isExtendedLengthSupported() ? 65_544 : 261,
                extended_length: tag.isExtendedLengthSupported())
            _ = keis_ios_on_tag(link)
            session.alertMessage = "Картку знайдено: натисніть «Прочитати» в застосунку"
        }
    }

    func tagReaderSessionDidBecomeActive(_ session: NFCTagReaderSession) {}
    func tagReaderSession(_ session: NFCTagReaderSession, didInvalidateWithError error: Error) {}

    func presentCamera() {
        let picker = UIImagePickerController()
        picker.sourceType = .camera
        picker.delegate = self
        root?.present(picker, animated: true)
    }

    func imagePickerController(_ picker: UIImagePickerController,
                               didFinishPickingMediaWithInfo info: [UIImagePickerController.InfoKey: Any]) {
        picker.dismiss(animated: true)
        guard let image = info[.originalImage] as? UIImage, let jpeg = image.jpegData(compressionQuality: 0.9) else { return }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(UUID().uuidString + ".jpg")
        guard (try? jpeg.write(to: url, options: .completeFileProtection)) != nil else { return }
        _ = url.path.withCString { keis_ios_on_photo($0) }
    }
}
