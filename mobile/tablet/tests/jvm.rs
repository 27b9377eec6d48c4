//! The JNI half of the Android bridge in a real JVM on the host (`-Xcheck:jni` on): the
//! Java stand-ins in `tests/java` (`android.nfc.tech.IsoDep` with the emulated chip behind
//! it, `android.nfc.TagLostException`, `ua.keis.app.KeisBridge`) are compiled with `javac`,
//! the crate's native methods are registered on `KeisBridge`, and Java calls them as the
//! activity would: `register`, `onTag(isoDep)`, `onPhoto(path)`; Rust reads the card through
//! `JniIsoDep` (Java `transceive`, exceptions and all) and calls `openCamera` back.
//! Needs a JDK (`javac`; `scripts/system-deps` installs one).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use jni::objects::{JByteArray, JClass, JValue};
use jni::{Env, InitArgsBuilder, JNIVersion, JavaVM, NativeMethod, jni_sig, jni_str, native_method};
use keis_device::chip::Transport;
use keis_device::chip::emulator::{EmulatedChip, SPECIMEN_CAN};
use keis_tablet::bridge;
use keis_tablet::nfc::NfcChip;
use keis_ui::{ChipAccess, ChipService};

/// The card the stand-in `IsoDep` talks to.
static CARD: Mutex<Option<EmulatedChip>> = Mutex::new(None);

const CARD_NATIVE: NativeMethod<'static> = native_method! {
    java_type = "android.nfc.tech.IsoDep",
    static fn card(apdu: jbyte[]) -> jbyte[],
};

/// Awaits the reader's answer as the window would (the read runs on a thread of its own,
/// which attaches itself to the VM).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(f)
}

fn card<'local>(
    env: &mut Env<'local>,
    _class: JClass<'local>,
    apdu: JByteArray<'local>,
) -> jni::errors::Result<JByteArray<'local>> {
    let command = env.convert_byte_array(&apdu)?;
    let answer = CARD
        .lock()
        .expect("card")
        .as_mut()
        .map(|chip| chip.transmit(&command))
        .expect("a card is in the field")
        .expect("the emulated chip answers");
    env.byte_array_from_slice(&answer)
}

/// `javac` from `JAVA_HOME`, else from `PATH`.
fn javac() -> PathBuf {
    std::env::var_os("JAVA_HOME")
        .map(|h| Path::new(&h).join("bin/javac"))
        .filter(|p| p.is_file())
        .unwrap_or("javac".into())
}

/// Compiles the stand-ins into `out`.
fn compile_java(out: &Path) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/java");
    let files = ["android/nfc/TagLostException.java", "android/nfc/tech/IsoDep.java", "ua/keis/app/KeisBridge.java"];
    let status = std::process::Command::new(javac())
        .arg("-d")
        .arg(out)
        .args(files.iter().map(|f| src.join(f)))
        .status()
        .expect("javac runs (a JDK is needed: scripts/system-deps installs default-jdk-headless)");
    assert!(status.success(), "javac failed");
}

fn static_int(env: &mut Env<'_>, class: &JClass<'_>, name: &'static jni::strings::JNIStr) -> i32 {
    env.get_static_field(class, name, jni_sig!("I")).and_then(|v| v.i()).expect("static int")
}

fn can() -> ChipAccess {
    ChipAccess::Can(SPECIMEN_CAN.into())
}

#[test]
fn the_activity_hands_rust_its_files_dir_a_card_and_a_photo_and_rust_opens_the_camera() {
    let dir = tempfile::tempdir().expect("tempdir");
    let classes = dir.path().join("classes");
    compile_java(&classes);
    let args = InitArgsBuilder::new()
        .version(JNIVersion::V1_8)
        .option(format!("-Djava.class.path={}", classes.display()))
        .option("-Xcheck:jni")
        .build()
        .expect("JVM options");
    let jvm = JavaVM::new(args).expect("a JVM starts (JAVA_HOME or java on PATH)");
    let files = dir.path().join("files");
    let photo = files.join("camera/page-1.jpg");

    jvm.attach_current_thread(|env| -> jni::errors::Result<()> {
        let bridge_class = env.find_class(jni_str!("ua/keis/app/KeisBridge"))?;
        let iso_dep_class = env.find_class(jni_str!("android/nfc/tech/IsoDep"))?;
        keis_tablet::java::register_natives(env, &bridge_class)?;
        #[allow(unsafe_code)]
        // SAFETY: CARD_NATIVE is made by `native_method!` against `IsoDep.card`'s signature.
        unsafe {
            env.register_native_methods(&iso_dep_class, &[CARD_NATIVE])?;
        }

        // The activity starts.
        assert!(bridge().files_dir().is_none());
        let path = env.new_string(files.to_string_lossy())?;
        env.call_static_method(
            &bridge_class,
            jni_str!("register"),
            jni_sig!("(Ljava/lang/String;)V"),
            &[JValue::Object(&path)],
        )?;
        assert_eq!(bridge().files_dir(), Some(&files));

        // The card is put on the tablet: reader mode hands the connected IsoDep over.
        *CARD.lock().expect("card") = Some(EmulatedChip::td1_specimen());
        let reader = NfcChip::new(bridge());
        let present = |env: &mut Env<'_>| -> jni::errors::Result<()> {
            let iso_dep = env.new_object(&iso_dep_class, jni_sig!("()V"), &[])?;
            env.call_static_method(
                &bridge_class,
                jni_str!("onTag"),
                jni_sig!("(Landroid/nfc/tech/IsoDep;)V"),
                &[JValue::Object(&iso_dep)],
            )?;
            Ok(())
        };
        present(env)?;
        let data = block_on(reader.read(&can())).expect("the chip reads through Java's transceive");
        assert!(!data.person.surname.is_empty() && data.person.birth_date.len() == 10, "{:?}", data.person);
        assert_eq!(static_int(env, &iso_dep_class, jni_str!("lastTimeout")), 5_000, "setTimeout reached Java");

        // The card leaves the field mid-read: Java throws TagLostException.
        env.set_static_field(&iso_dep_class, jni_str!("loseAfter"), jni_sig!("I"), JValue::Int(4))?;
        *CARD.lock().expect("card") = Some(EmulatedChip::td1_specimen());
        present(env)?;
        let moved = block_on(reader.read(&can())).expect_err("the card left");
        assert!(moved.0.starts_with("картку відсунули"), "{moved}");
        assert!(!env.exception_check(), "the Java exception was taken and cleared");

        // Rust asks for the camera, from this thread and from another one.
        let platform = bridge();
        platform.platform().expect("registered").open_camera().expect("opened");
        std::thread::scope(|s| s.spawn(|| bridge().platform().expect("registered").open_camera()).join())
            .expect("thread")
            .expect("opened from a worker thread");
        assert_eq!(static_int(env, &bridge_class, jni_str!("cameraOpened")), 2);

        // The camera saved a photo.
        let path = env.new_string(photo.to_string_lossy())?;
        env.call_static_method(
            &bridge_class,
            jni_str!("onPhoto"),
            jni_sig!("(Ljava/lang/String;)V"),
            &[JValue::Object(&path)],
        )?;
        assert_eq!(bridge().take_photo(), Some(photo.clone()));
        Ok(())
    })
    .expect("the JNI calls succeed");
}
