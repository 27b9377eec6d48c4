// DOCUMENTATION ONLY — NOT BUILT HERE (no Android SDK on the build machine).
//
// The Kotlin half of the bridge whose Rust half is `keis_tablet::java`. The native
// methods are exported by the Rust library under their JNI names
// (`Java_ua_keis_app_KeisBridge_register__Ljava_lang_String_2`, …, made by
// `jni::native_method!`). `tests/java/ua/keis/app/KeisBridge.java` is the same interface as
// a plain Java class, which the host test `tests/jvm.rs` drives in a real JVM.

package ua.keis.app

import dev.dioxus.main.MainActivity
import android.nfc.tech.IsoDep
import java.lang.ref.WeakReference

object KeisBridge {
    init {
        // The library `dx` builds from the crate's `app` binary.
        System.loadLibrary("dioxusmain")
    }

    /** Rust: keeps the VM, this class (for `openCamera`) and the app's files directory. */
    @JvmStatic external fun register(filesDir: String)

    /** Rust: keeps the connected `IsoDep` until the user presses "read" (at most 60 s). */
    @JvmStatic external fun onTag(isoDep: IsoDep)

    /** Rust: queues the photo; the next "scan" takes it through the pipeline and deletes it. */
    @JvmStatic external fun onPhoto(path: String)

    private var activity: WeakReference<MainActivity>? = null

    fun attach(a: MainActivity) {
        activity = WeakReference(a)
        register(a.filesDir.absolutePath)
    }

    /** Called by Rust (any thread) when "scan" is pressed with no photo waiting. */
    @JvmStatic
    fun openCamera() {
        val a = activity?.get() ?: return
        a.runOnUiThread { a.takePhoto() }
    }
}
