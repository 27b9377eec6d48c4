// DOCUMENTATION ONLY — NOT BUILT HERE.
//
// The Kotlin side of the Android NFC bridge (`keis_device::chip::android`, cargo feature
// `android`). There is no Android SDK on the build machine, so this file is not compiled by
// cargo or by any CI step; it shows what the app's Android launcher does so that Rust gets a
// connected `IsoDep`. The Rust side (`JniIsoDep::new`, `IsoDepTransport`) is compiled with
// `--features android` and tested without a JVM through the `Transport` trait.
//
// Flow: reader mode (no system "new tag" sound/UI, no Android Beam/HCE interference) →
// `IsoDep.get(tag)` → `connect()` → `setTimeout(5000)` → hand the `IsoDep` to Rust on a worker
// thread (NFC I/O must not run on the main thread) → Rust reads the chip (PACE with the CAN,
// or BAC/PACE with the MRZ) and returns the result → `close()`.

package ua.keis.nfc

import android.app.Activity
import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import java.io.IOException
import java.util.concurrent.Executors

object IsoDepBridge {
    init {
        // The app's Rust library (cdylib) that links keis-device with feature `android`.
        System.loadLibrary("keis_mobile")
    }

    /**
     * Implemented in Rust (see the example on `JniIsoDep` in
     * device/src/chip/android/jni_link.rs): builds `JniIsoDep::new(env, &isoDep)`, wraps it in
     * `IsoDepTransport`, runs `read_document`, and returns the result (here a short text; the
     * app passes a structured result). Rust calls back into `isoDep.transceive(byte[])`,
     * `getMaxTransceiveLength()`, `isExtendedLengthApduSupported()` and `setTimeout(int)`;
     * Java exceptions from those calls are cleared and become typed Rust errors
     * (`TagLostException`/`IOException` → "hold the card still on the back of the tablet").
     */
    @JvmStatic
    private external fun readCard(isoDep: IsoDep, can: String): String

    /** Android's default IsoDep timeout is too short for PACE on some chips. */
    private const val TIMEOUT_MS = 5_000

    private val worker = Executors.newSingleThreadExecutor()

    /**
     * Starts listening for the ID card. `can` is the 6-digit card access number printed on
     * the card; `onResult` runs on the worker thread.
     */
    fun start(activity: Activity, can: String, onResult: (String) -> Unit) {
        val adapter = NfcAdapter.getDefaultAdapter(activity)
            ?: return onResult("Цей планшет не має NFC / This tablet has no NFC")
        if (!adapter.isEnabled) {
            return onResult("Увімкніть NFC у налаштуваннях / Turn on NFC in the settings")
        }
        val flags = NfcAdapter.FLAG_READER_NFC_A or
            NfcAdapter.FLAG_READER_NFC_B or
            NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or
            NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS
        adapter.enableReaderMode(activity, { tag: Tag -> onTag(tag, can, onResult) }, flags, null)
    }

    fun stop(activity: Activity) {
        NfcAdapter.getDefaultAdapter(activity)?.disableReaderMode(activity)
    }

    private fun onTag(tag: Tag, can: String, onResult: (String) -> Unit) {
        val isoDep = IsoDep.get(tag)
            ?: return onResult("Це не ID-картка чи паспорт / This is not an ID card or passport")
        worker.execute {
            try {
                isoDep.connect()
                isoDep.timeout = TIMEOUT_MS
                onResult(readCard(isoDep, can))
            } catch (e: IOException) {
                // connect() failed: the card moved away before the read began.
                onResult(
                    "Картку відсунули від планшета — прикладіть її до задньої панелі й тримайте " +
                        "нерухомо / The card moved away — hold it still on the back of the tablet"
                )
            } finally {
                try {
                    isoDep.close()
                } catch (_: IOException) {
                }
            }
        }
    }
}
