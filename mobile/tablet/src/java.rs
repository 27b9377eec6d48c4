//! The JNI side of the bridge: the native methods of the Kotlin object
//! `ua.keis.app.KeisBridge` (`kotlin/KeisBridge.kt`) and the one call back into it.
//!
//! - `register(filesDir: String)`: the activity starts; Rust keeps the VM, the bridge class
//!   (for calls back from any thread: a native thread's `FindClass` cannot see app
//!   classes) and the app's private files directory.
//! - `onTag(isoDep: IsoDep)`: reader mode saw a card and connected it; Rust keeps it as a
//!   `JniIsoDep` until the user presses "read".
//! - `onPhoto(path: String)`: the camera saved a photo.
//! - Rust → Kotlin: `KeisBridge.openCamera()`.
//!
//! The methods are type-checked against their Java signatures by `jni::native_method!`,
//! exported under their JNI names (Android resolves them when the library loads), and
//! listed in [`NATIVES`] for `RegisterNatives` (the host tests register them in a real
//! JVM). A failure inside a native method becomes a Java `RuntimeException`; nothing
//! panics across the boundary.

use std::path::PathBuf;
use std::time::Instant;

use jni::objects::{JClass, JObject, JString};
use jni::refs::Global;
use jni::vm::JavaVM;
use jni::{Env, NativeMethod, jni_sig, jni_str, native_method};
use keis_device::chip::android::JniIsoDep;

use crate::bridge::{Platform, bridge};

/// The native methods of `ua.keis.app.KeisBridge`.
pub const NATIVES: [NativeMethod<'static>; 3] = [REGISTER, ON_TAG, ON_PHOTO];

const REGISTER: NativeMethod<'static> = native_method! {
    java_type = "ua.keis.app.KeisBridge",
    static extern fn register(files_dir: JString) -> void,
};

const ON_TAG: NativeMethod<'static> = native_method! {
    java_type = "ua.keis.app.KeisBridge",
    static extern fn on_tag(iso_dep: android.nfc.tech.IsoDep) -> void,
};

const ON_PHOTO: NativeMethod<'static> = native_method! {
    java_type = "ua.keis.app.KeisBridge",
    static extern fn on_photo(path: JString) -> void,
};

fn register<'local>(
    env: &mut Env<'local>,
    class: JClass<'local>,
    files_dir: JString<'local>,
) -> jni::errors::Result<()> {
    let dir = PathBuf::from(files_dir.try_to_string(env)?);
    let b = bridge();
    b.set_files_dir(dir);
    b.set_platform(Box::new(JavaPlatform { vm: env.get_java_vm()?, class: env.new_global_ref(&class)? }));
    tracing::info!("the Android activity registered");
    Ok(())
}

fn on_tag<'local>(env: &mut Env<'local>, _class: JClass<'local>, iso_dep: JObject<'local>) -> jni::errors::Result<()> {
    match JniIsoDep::new(env, &iso_dep) {
        Ok(link) => bridge().tag_presented(Box::new(link), Instant::now()),
        // Not thrown back into the NFC callback: the user presses "read" and is told to
        // present the card again.
        Err(e) => tracing::warn!(error = %e, "the presented card could not be bound"),
    }
    Ok(())
}

fn on_photo<'local>(env: &mut Env<'local>, _class: JClass<'local>, path: JString<'local>) -> jni::errors::Result<()> {
    bridge().photo_taken(PathBuf::from(path.try_to_string(env)?));
    Ok(())
}

/// Registers [`NATIVES`] on `class` (`ua.keis.app.KeisBridge`), for a VM that does not
/// resolve them by their exported names (a host JVM in tests; `JNI_OnLoad` elsewhere).
#[allow(unsafe_code)]
pub fn register_natives(env: &mut Env<'_>, class: &JClass<'_>) -> jni::errors::Result<()> {
    // SAFETY: every entry of NATIVES was made by `native_method!`, which checks the Rust
    // function against the Java signature at compile time and checks static-ness at run
    // time; `class` is the class that declares them.
    unsafe { env.register_native_methods(class, &NATIVES) }
}

/// Calls back into Kotlin from any thread.
struct JavaPlatform {
    vm: JavaVM,
    class: Global<JClass<'static>>,
}

impl Platform for JavaPlatform {
    fn open_camera(&self) -> Result<(), String> {
        let class = &self.class;
        self.vm
            .attach_current_thread(|env| -> jni::errors::Result<Result<(), String>> {
                let called = env.call_static_method(&**class, jni_str!("openCamera"), jni_sig!("()V"), &[]);
                if env.exception_check() {
                    env.exception_clear();
                    return Ok(Err("KeisBridge.openCamera threw".into()));
                }
                Ok(called.map(|_| ()).map_err(|e| e.to_string()))
            })
            .unwrap_or_else(|e| Err(e.to_string()))
    }
}
