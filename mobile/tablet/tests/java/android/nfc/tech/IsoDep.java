// Host stand-in for android.nfc.tech.IsoDep (tests/jvm.rs): the methods keis-device's
// JniIsoDep calls, with the same names and signatures; the card behind it is the emulated
// chip, reached through the test's native method `card`.
package android.nfc.tech;

public final class IsoDep {
    /** Exchanges after which the card leaves the field; -1: never. */
    public static int loseAfter = -1;
    /** The last timeout set, in ms; -1: never set. */
    public static int lastTimeout = -1;

    private int exchanges = 0;

    private static native byte[] card(byte[] apdu);

    public byte[] transceive(byte[] data) throws java.io.IOException {
        if (loseAfter >= 0 && exchanges >= loseAfter) {
            throw new android.nfc.TagLostException("Tag was lost.");
        }
        exchanges++;
        return card(data);
    }

    public int getMaxTransceiveLength() {
        return 65279;
    }

    public boolean isExtendedLengthApduSupported() {
        return false;
    }

    public void setTimeout(int timeout) {
        lastTimeout = timeout;
    }
}
