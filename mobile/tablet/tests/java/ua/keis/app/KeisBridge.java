// Host stand-in for the app's Kotlin `object KeisBridge` (mobile/tablet/kotlin/KeisBridge.kt):
// the same native methods (as JVM statics) and the `openCamera` that Rust calls back.
package ua.keis.app;

import android.nfc.tech.IsoDep;

public final class KeisBridge {
    /** How often Rust asked for the camera. */
    public static int cameraOpened = 0;

    public static native void register(String filesDir);

    public static native void onTag(IsoDep isoDep);

    public static native void onPhoto(String path);

    public static void openCamera() {
        cameraOpened++;
    }
}
