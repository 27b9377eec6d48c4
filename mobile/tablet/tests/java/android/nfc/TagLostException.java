// Host stand-in for android.nfc.TagLostException (tests/jvm.rs): an IOException, as on Android.
package android.nfc;

public class TagLostException extends java.io.IOException {
    public TagLostException(String message) {
        super(message);
    }
}
