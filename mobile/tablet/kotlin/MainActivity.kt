// DOCUMENTATION ONLY — NOT BUILT HERE (no Android SDK on the build machine).
//
// The activity `dx bundle --platform android --features app -p keis-tablet` generates
// (`dev.dioxus.main.MainActivity`, a `WryActivity`), with what Keis adds, to be put in
// place of the generated file until `dx` takes a custom Android project:
//
// - NFC reader mode while the app is in front (no system sound or "new tag" screen; NFC-A
//   and NFC-B, as Ukrainian ID cards are type B), handing each card to Rust connected,
//   with the long timeout PACE needs;
// - the camera through `ActivityResultContracts.TakePicture` into the app's private files
//   (a FileProvider path `camera/`), handed to Rust by path.
//
// AndroidManifest.xml additions:
//   <uses-permission android:name="android.permission.NFC" />
//   <uses-permission android:name="android.permission.CAMERA" />
//   <uses-feature android:name="android.hardware.nfc" android:required="false" />
//   <provider android:name="androidx.core.content.FileProvider"
//       android:authorities="ua.keis.app.files" android:exported="false"
//       android:grantUriPermissions="true">
//     <meta-data android:name="android.support.FILE_PROVIDER_PATHS"
//         android:resource="@xml/file_paths" />  <!-- <files-path name="camera" path="camera/" /> -->
//   </provider>

package dev.dioxus.main

import android.nfc.NfcAdapter
import android.nfc.Tag
import android.nfc.tech.IsoDep
import android.os.Bundle
import androidx.activity.result.contract.ActivityResultContracts
import androidx.core.content.FileProvider
import java.io.File
import java.io.IOException
import ua.keis.app.KeisBridge

class MainActivity : WryActivity() {
    private var pendingPhoto: File? = null

    private val takePicture = registerForActivityResult(ActivityResultContracts.TakePicture()) { saved ->
        val photo = pendingPhoto ?: return@registerForActivityResult
        pendingPhoto = null
        if (saved) KeisBridge.onPhoto(photo.absolutePath) else photo.delete()
    }

    override fun onCreate(savedInstanceState: Bundle?) {
        // Before Rust starts: it reads the files directory when it builds the services.
        KeisBridge.attach(this)
        super.onCreate(savedInstanceState)
    }

    override fun onResume() {
        super.onResume()
        val flags = NfcAdapter.FLAG_READER_NFC_A or NfcAdapter.FLAG_READER_NFC_B or
            NfcAdapter.FLAG_READER_SKIP_NDEF_CHECK or NfcAdapter.FLAG_READER_NO_PLATFORM_SOUNDS
        NfcAdapter.getDefaultAdapter(this)?.enableReaderMode(this, ::onTag, flags, null)
    }

    override fun onPause() {
        NfcAdapter.getDefaultAdapter(this)?.disableReaderMode(this)
        super.onPause()
    }

    /** On the NFC thread: connect, then hand the card to Rust (it reads when asked). */
    private fun onTag(tag: Tag) {
        val isoDep = IsoDep.get(tag) ?: return
        try {
            isoDep.connect()
            isoDep.timeout = 5_000
            KeisBridge.onTag(isoDep)
        } catch (e: IOException) {
            // The card moved away before it connected; the next touch tries again.
        }
    }

    fun takePhoto() {
        val dir = File(filesDir, "camera").apply { mkdirs() }
        val photo = File(dir, "page-${System.currentTimeMillis()}.jpg")
        pendingPhoto = photo
        takePicture.launch(FileProvider.getUriForFile(this, "ua.keis.app.files", photo))
    }
}
