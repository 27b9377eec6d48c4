//! [`IsoDepLink`] over JNI: an `android.nfc.tech.IsoDep` object held as a global reference.
//!
//! Compiled and linted with `--features android` on any host; executed only on Android (no
//! JVM runs in the tests). Uses the `jni` crate's safe API only: no `unsafe` here.
//!
//! Every Java exception is taken and cleared right after the call that raised it
//! (`ExceptionCheck` / `ExceptionOccurred` / `ExceptionClear`), classified, and returned as an
//! [`IsoDepError`]; nothing is left pending for the JVM and nothing panics.

use jni::errors::Error as JniError;
use jni::objects::{JByteArray, JObject, JThrowable};
use jni::refs::Global;
use jni::vm::JavaVM;
use jni::{Env, JValue, jni_sig, jni_str};

use super::{IsoDepError, IsoDepLink};

/// An `android.nfc.tech.IsoDep`, already connected by the app, driven from Rust.
///
/// Create it inside the app's native method (the Kotlin → Rust entry) with [`JniIsoDep::new`],
/// wrap it in [`IsoDepTransport`](super::IsoDepTransport) and read the card; it may be moved
/// to a worker thread, which is attached to the VM on each exchange.
///
/// ```no_run
/// use keis_device::chip::android::jni::objects::{JClass, JObject, JString};
/// use keis_device::chip::android::jni::{EnvUnowned, errors::ThrowRuntimeExAndDefault};
/// use keis_device::chip::android::{IsoDepTransport, JniIsoDep};
/// use keis_device::chip::{AccessKey, Can, read_document};
///
/// // Kotlin: `private external fun readCard(isoDep: IsoDep, can: String): String`
/// // in `object ua.keis.nfc.IsoDepBridge` (see device/android/IsoDepBridge.kt).
/// #[unsafe(no_mangle)]
/// pub extern "system" fn Java_ua_keis_nfc_IsoDepBridge_readCard<'caller>(
///     mut unowned_env: EnvUnowned<'caller>,
///     _this: JObject<'caller>,
///     iso_dep: JObject<'caller>,
///     can: JString<'caller>,
/// ) -> JString<'caller> {
///     unowned_env
///         .with_env(|env| -> Result<JString<'caller>, keis_device::chip::android::jni::errors::Error> {
///             let can = can.to_string();
///             let message = match JniIsoDep::new(env, &iso_dep) {
///                 Ok(link) => {
///                     let mut transport = IsoDepTransport::new(link);
///                     let key = Can::new(&can).map(AccessKey::from);
///                     match key.map_err(|e| e.to_string()).and_then(|key| {
///                         read_document(&mut transport, &key).map_err(|e| {
///                             // The bilingual, Android-specific reason when the link failed.
///                             transport.last_error().map_or_else(|| e.to_string(), ToString::to_string)
///                         })
///                     }) {
///                         Ok(doc) => format!("{:?}", doc.access),
///                         Err(reason) => reason,
///                     }
///                 }
///                 Err(e) => e.to_string(),
///             };
///             JString::from_str(env, message)
///         })
///         .resolve::<ThrowRuntimeExAndDefault>()
/// }
/// ```
#[derive(Debug)]
pub struct JniIsoDep {
    vm: JavaVM,
    iso_dep: Global<JObject<'static>>,
    max_transceive_length: usize,
    extended_length: bool,
}

impl JniIsoDep {
    /// Takes a global reference to a connected `IsoDep` and reads its limits
    /// (`getMaxTransceiveLength()`, `isExtendedLengthApduSupported()`).
    ///
    /// `env` is the native method's environment (`EnvUnowned::with_env` in jni 0.22, where
    /// the former `JNIEnv` became `Env`).
    pub fn new(env: &mut Env<'_>, iso_dep: &JObject<'_>) -> Result<Self, IsoDepError> {
        if iso_dep.is_null() {
            return Err(IsoDepError::Link { what: "no IsoDep object (null)".to_owned() });
        }
        let vm = env.get_java_vm().map_err(IsoDepError::from)?;
        let global = env.new_global_ref(iso_dep).map_err(IsoDepError::from)?;
        let max =
            call(env, |env| env.call_method(iso_dep, jni_str!("getMaxTransceiveLength"), jni_sig!("()I"), &[])?.i())?;
        let extended_length = call(env, |env| {
            env.call_method(iso_dep, jni_str!("isExtendedLengthApduSupported"), jni_sig!("()Z"), &[])?.z()
        })?;
        let max_transceive_length = usize::try_from(max).unwrap_or(0);
        tracing::debug!(max_transceive_length, extended_length, "IsoDep bound over JNI");
        Ok(Self { vm, iso_dep: global, max_transceive_length, extended_length })
    }
}

impl IsoDepLink for JniIsoDep {
    fn transceive(&mut self, apdu: &[u8]) -> Result<Vec<u8>, IsoDepError> {
        let iso_dep = &self.iso_dep;
        // Attaches this thread if needed (cheap when already attached) and runs in a fresh
        // local frame, so the byte arrays are released on return.
        self.vm.attach_current_thread(|env| {
            call(env, |env| {
                let command = env.byte_array_from_slice(apdu)?;
                let answer = env
                    .call_method(
                        iso_dep.as_obj(),
                        jni_str!("transceive"),
                        jni_sig!("([B)[B"),
                        &[JValue::Object(&command)],
                    )?
                    .l()?;
                if answer.is_null() {
                    return Err(JniError::NullPtr("IsoDep.transceive answer"));
                }
                let answer = env.cast_local::<JByteArray>(answer)?;
                env.convert_byte_array(&answer)
            })
        })
    }

    fn max_transceive_length(&self) -> usize {
        self.max_transceive_length
    }

    fn extended_length_supported(&self) -> bool {
        self.extended_length
    }

    fn set_timeout_ms(&mut self, ms: u32) -> Result<(), IsoDepError> {
        let ms = i32::try_from(ms).unwrap_or(i32::MAX);
        let iso_dep = &self.iso_dep;
        self.vm.attach_current_thread(|env| {
            call(env, |env| {
                env.call_method(iso_dep.as_obj(), jni_str!("setTimeout"), jni_sig!("(I)V"), &[JValue::Int(ms)])?.v()
            })
        })
    }
}

/// Runs one JNI call and turns a Java exception it raised into an [`IsoDepError`], cleared.
fn call<T>(env: &mut Env<'_>, f: impl FnOnce(&mut Env<'_>) -> Result<T, JniError>) -> Result<T, IsoDepError> {
    let result = f(env);
    if env.exception_check() {
        return Err(take_exception(env));
    }
    result.map_err(IsoDepError::from)
}

/// Takes the pending exception, clears it, and classifies it: `TagLostException` and any
/// other `IOException` from `transceive` mean the card left the field.
fn take_exception(env: &mut Env<'_>) -> IsoDepError {
    let Some(throwable) = env.exception_occurred() else {
        env.exception_clear();
        return IsoDepError::Link { what: "a Java exception that could not be read".to_owned() };
    };
    env.exception_clear();
    let name = class_name(env, &throwable).unwrap_or_else(|_| "an unnamed Java exception".to_owned());
    // Looking up the class may itself throw (it should not for java.io.IOException).
    let io = env.is_instance_of(&throwable, jni_str!("java/io/IOException")).unwrap_or(false);
    if env.exception_check() {
        env.exception_clear();
    }
    env.delete_local_ref(throwable);
    // The exception's message is not logged: only its class.
    tracing::debug!(exception = %name, "IsoDep call threw");
    if io || is_lost_tag(&name) { IsoDepError::CardMovedAway } else { IsoDepError::Link { what: name } }
}

fn class_name(env: &mut Env<'_>, throwable: &JThrowable<'_>) -> Result<String, JniError> {
    let class = env.get_object_class(throwable)?;
    let name = class.get_name(env)?.to_string();
    env.delete_local_ref(class);
    Ok(name)
}

fn is_lost_tag(class: &str) -> bool {
    matches!(class, "android.nfc.TagLostException" | "java.io.IOException")
}

impl From<JniError> for IsoDepError {
    /// A JNI failure other than a Java exception raised by the call (those are classified by
    /// `take_exception`); an exception caught by the attachment keeps only its class name.
    fn from(err: JniError) -> Self {
        match err {
            JniError::CaughtJavaException { name, .. } if is_lost_tag(&name) => Self::CardMovedAway,
            JniError::CaughtJavaException { name, .. } => Self::Link { what: name },
            other => Self::Link { what: format!("JNI: {other}") },
        }
    }
}

#[cfg(test)]
mod tests {
    /// The app reads the card on a worker thread: the link must be able to move there.
    #[test]
    fn the_jni_link_can_move_to_a_worker_thread() {
        fn assert_send<T: Send>() {}
        assert_send::<super::JniIsoDep>();
        assert_send::<super::super::IsoDepTransport<super::JniIsoDep>>();
    }
}
