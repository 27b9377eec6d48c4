//! The device's sync identity: its Ed25519 key (made with ring at enrolment), the server
//! it enrolled with, its device id there, and the positions its last session carried.
//! Kept as one sealed setting inside the encrypted store, so the key opens only with the
//! PIN and goes with a wipe.

use keis_crdt::{Position, Role, Scope};
use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use super::SyncError;
use crate::store::Store;

const SETTING: &str = "sync_identity";

/// A position as the server sends it: codes of role and scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionCodes {
    pub id: String,
    pub role: String,
    pub scope: String,
}

impl PositionCodes {
    /// The typed position, if its codes are known to this build.
    pub fn position(&self) -> Option<Position> {
        Some(Position::new(self.id.clone(), Role::from_code(&self.role)?, Scope::from_code(&self.scope)?))
    }
}

#[derive(Serialize, Deserialize)]
struct Saved {
    server: String,
    device_id: String,
    /// PKCS#8 of the Ed25519 key, hex.
    key: String,
    #[serde(default)]
    positions: Vec<PositionCodes>,
}

/// The device's identity towards its server.
pub struct Identity {
    /// The server's URL (`http://host:port`).
    pub server: String,
    pub device_id: String,
    /// The positions the last session carried (empty before the first session).
    pub positions: Vec<PositionCodes>,
    pkcs8: Zeroizing<Vec<u8>>,
    key: Ed25519KeyPair,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("server", &self.server)
            .field("device_id", &self.device_id)
            .field("positions", &self.positions)
            .finish_non_exhaustive()
    }
}

impl Identity {
    /// A new key, not yet enrolled (`device_id` empty until the server answers).
    pub fn generate(server: &str) -> Result<Self, SyncError> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|_| SyncError::Crypto)?;
        Self::from_parts(server.to_owned(), String::new(), Zeroizing::new(pkcs8.as_ref().to_vec()), Vec::new())
    }

    fn from_parts(
        server: String,
        device_id: String,
        pkcs8: Zeroizing<Vec<u8>>,
        positions: Vec<PositionCodes>,
    ) -> Result<Self, SyncError> {
        let key = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| SyncError::Crypto)?;
        Ok(Self { server, device_id, positions, pkcs8, key })
    }

    /// The public key, hex, as enrolment sends it.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.public_key().as_ref())
    }

    /// Signs `message` (the session challenge) with the device key.
    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.key.sign(message).as_ref().to_vec()
    }

    /// The same key as the device key that signs applicants' signatures
    /// ([`crate::signing`]): the server knows it from enrolment.
    pub fn device_key(&self) -> Result<keis_device::signature::DeviceKey, SyncError> {
        keis_device::signature::DeviceKey::from_pkcs8(&self.pkcs8).map_err(|_| SyncError::Crypto)
    }

    /// The saved identity, or a new key saved now (not enrolled yet): a device can take
    /// signatures before it enrols, and enrols later with the same key.
    pub fn load_or_create(store: &mut Store) -> Result<Self, SyncError> {
        if let Some(i) = Self::load(store)? {
            return Ok(i);
        }
        let identity = Self::generate("")?;
        identity.save(store)?;
        Ok(identity)
    }

    /// The identity saved in `store`, if the device enrolled.
    pub fn load(store: &mut Store) -> Result<Option<Self>, SyncError> {
        let Some(bytes) = store.setting(SETTING)? else { return Ok(None) };
        let bytes = Zeroizing::new(bytes);
        let saved: Saved = serde_json::from_slice(&bytes).map_err(|_| SyncError::Store(tampered()))?;
        let pkcs8 = Zeroizing::new(hex::decode(&saved.key).map_err(|_| SyncError::Store(tampered()))?);
        let Saved { server, device_id, positions, key } = saved;
        drop(Zeroizing::new(key));
        Self::from_parts(server, device_id, pkcs8, positions).map(Some)
    }

    /// Saves the identity into `store` (sealed).
    pub fn save(&self, store: &mut Store) -> Result<(), SyncError> {
        let saved = Saved {
            server: self.server.clone(),
            device_id: self.device_id.clone(),
            key: hex::encode(&*self.pkcs8),
            positions: self.positions.clone(),
        };
        let json = Zeroizing::new(serde_json::to_vec(&saved).map_err(|_| SyncError::Crypto)?);
        drop(Zeroizing::new(saved.key));
        store.set_setting(SETTING, &json)?;
        Ok(())
    }
}

fn tampered() -> crate::store::StoreError {
    crate::store::StoreError::Tampered { what: "setting" }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::{Pin, StoreConfig, SystemClock};

    fn store(dir: &std::path::Path) -> Store {
        Store::create(
            dir,
            &Pin::new("2468"),
            StoreConfig::for_tests(),
            Arc::new(SystemClock),
            Arc::new(SystemRandom::new()),
        )
        .expect("store")
    }

    #[test]
    fn the_key_is_kept_sealed_in_the_store_and_comes_back_with_the_pin() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = store(dir.path());
        assert!(Identity::load(&mut s).expect("load").is_none());
        let mut id = Identity::generate("http://edge:8080").expect("key");
        id.device_id = "dev-1".into();
        id.positions = vec![PositionCodes { id: "p".into(), role: "userSta".into(), scope: "district:H/D".into() }];
        id.save(&mut s).expect("save");
        let signature = id.sign(b"challenge");
        let private_hex = hex::encode(&*id.pkcs8);
        drop(s);

        let db = std::fs::read(dir.path().join("keis.db")).expect("db");
        let needle = &private_hex.as_bytes()[..64];
        assert!(!db.windows(needle.len()).any(|w| w == needle), "the private key is not in the file in clear");

        let mut s =
            Store::open(dir.path(), StoreConfig::for_tests(), Arc::new(SystemClock), Arc::new(SystemRandom::new()))
                .expect("open");
        assert!(Identity::load(&mut s).is_err(), "locked: no key without the PIN");
        s.unlock(&Pin::new("2468")).expect("unlock");
        let back = Identity::load(&mut s).expect("load").expect("saved");
        assert_eq!((back.server.as_str(), back.device_id.as_str()), ("http://edge:8080", "dev-1"));
        assert_eq!(back.public_key_hex(), id.public_key_hex());
        assert_eq!(back.sign(b"challenge"), signature, "Ed25519 is deterministic: the same key");
        assert_eq!(back.positions[0].position().expect("known codes").id, "p");
    }
}
