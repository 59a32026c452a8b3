//! The key that encrypts secrets at rest, where it comes from, and the encryption itself:
//! shared by the SQLite and PostgreSQL stores, so a secret is sealed one way whatever the store.

use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use platform_core::store::StoreError;
use std::fmt;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};

/// The environment variable holding the secret key: 64 hex characters, or standard base64
/// (with or without padding) of 32 bytes.
pub const SECRET_KEY_ENV: &str = "PLATFORM_SECRET_KEY";

/// Length of a nonce: XChaCha20-Poly1305's 24 bytes make random nonces safe to draw forever.
pub(crate) const NONCE_LEN: usize = 24;

/// A 32-byte key for XChaCha20-Poly1305; `Debug` prints `[redacted]`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey([u8; 32]);

impl SecretKey {
    /// A key from its 32 bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SecretKey(bytes)
    }

    /// A fresh random key from the operating system's generator.
    pub fn generate() -> Result<Self, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| {
            StoreError::Unavailable(format!("cannot draw a random secret key: {e}"))
        })?;
        Ok(SecretKey(bytes))
    }

    /// Parses 64 hex characters, or standard base64 of 32 bytes; surrounding whitespace is
    /// ignored. The error never contains the text.
    pub fn parse(text: &str) -> Result<Self, InvalidSecretKey> {
        let text = text.trim();
        let invalid = || InvalidSecretKey {
            length: text.chars().count(),
        };
        if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            let mut bytes = [0u8; 32];
            for (i, byte) in bytes.iter_mut().enumerate() {
                *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| invalid())?;
            }
            return Ok(SecretKey(bytes));
        }
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| invalid())?;
        let bytes: [u8; 32] = decoded.try_into().map_err(|_| invalid())?;
        Ok(SecretKey(bytes))
    }

    /// The key as 64 lowercase hex characters: call only to store or hand over the key.
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

/// Text that is not a secret key; says what was expected without repeating the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected 64 hex characters or base64 of 32 bytes, found {length} characters that are neither"
)]
pub struct InvalidSecretKey {
    /// How many characters the text had.
    pub length: usize,
}

/// Where the store takes the key that encrypts secrets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum SecretKeySource {
    /// [`SECRET_KEY_ENV`] when set and not empty, else the key file beside the state file
    /// (`STATE.key`, created with mode 0600 on first use).
    #[default]
    EnvironmentOrFile,
    /// This key, given by the embedding program.
    Key(SecretKey),
    /// The key file at this path, created with mode 0600 on first use when missing.
    File(PathBuf),
}

/// The key file used beside a state file: the state file's name with `.key` appended.
pub fn key_file_beside(state: &Path) -> PathBuf {
    let mut name = state
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".key");
    state.with_file_name(name)
}

/// A resolved key with a description of where it came from, for error messages.
pub(crate) struct ResolvedKey {
    pub key: SecretKey,
    pub origin: String,
}

impl SecretKeySource {
    /// Finds the key; `default_file` is the key file [`SecretKeySource::EnvironmentOrFile`]
    /// falls back to (beside a SQLite state file, or the file a PostgreSQL store was given).
    /// A missing key file is created when `create` is set (stores opened read-only create
    /// nothing).
    pub(crate) fn resolve(
        &self,
        default_file: &Path,
        create: bool,
    ) -> Result<ResolvedKey, StoreError> {
        match self {
            SecretKeySource::Key(key) => Ok(ResolvedKey {
                key: key.clone(),
                origin: "the key given by the program".into(),
            }),
            SecretKeySource::File(path) => load_or_create(path, create),
            SecretKeySource::EnvironmentOrFile => match std::env::var_os(SECRET_KEY_ENV) {
                Some(value) if !value.is_empty() => {
                    let text = value.into_string().map_err(|_| {
                        StoreError::Unavailable(format!("{SECRET_KEY_ENV} is not valid UTF-8"))
                    })?;
                    let key = SecretKey::parse(&text)
                        .map_err(|e| StoreError::Unavailable(format!("{SECRET_KEY_ENV}: {e}")))?;
                    Ok(ResolvedKey {
                        key,
                        origin: format!("the key from {SECRET_KEY_ENV}"),
                    })
                }
                _ => load_or_create(default_file, create),
            },
        }
    }
}

/// Largest key file read: a key is 64 characters; more is not a key file.
const KEY_FILE_MAX_BYTES: usize = 4096;

/// Reads a key file as text, only if it is a regular file of at most [`KEY_FILE_MAX_BYTES`].
fn read_key_file(path: &Path) -> std::io::Result<String> {
    let bytes =
        platform_core::load::read_input_file(path, KEY_FILE_MAX_BYTES).map_err(|e| match e {
            platform_core::load::ReadError::Io(e) => e,
            other => std::io::Error::new(ErrorKind::InvalidData, other),
        })?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(ErrorKind::InvalidData, e))
}

fn load_or_create(path: &Path, create: bool) -> Result<ResolvedKey, StoreError> {
    let origin = format!("the key in {}", path.display());
    match read_key_file(path) {
        Ok(text) => {
            let key = SecretKey::parse(&text).map_err(|e| {
                StoreError::Unavailable(format!("key file {}: {e}", path.display()))
            })?;
            Ok(ResolvedKey { key, origin })
        }
        Err(e) if e.kind() == ErrorKind::NotFound && !create => {
            Err(StoreError::Unavailable(format!(
                "key file {} is missing, and the state holds encrypted secrets: restore the \
                 key file or set {SECRET_KEY_ENV}",
                path.display()
            )))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            let key = create_key_file(path)?;
            Ok(ResolvedKey { key, origin })
        }
        Err(e) => Err(StoreError::Unavailable(format!(
            "cannot read key file {}: {e}",
            path.display()
        ))),
    }
}

/// Writes a new key to a temporary file (mode 0600) and links it into place, so no reader
/// ever sees a half-written key and two racing processes end up with the same key.
fn create_key_file(path: &Path) -> Result<SecretKey, StoreError> {
    let fail = |what: &str, e: std::io::Error| {
        StoreError::Unavailable(format!("cannot {what} key file {}: {e}", path.display()))
    };
    let key = SecretKey::generate()?;
    let mut tmp_name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    tmp_name.push(format!(".{}.tmp", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        file.write_all(format!("{}\n", key.to_hex()).as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail("create", e));
    }
    let linked = std::fs::hard_link(&tmp, path);
    let _ = std::fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(key),
        // Another process created the key first: use its key.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let text = read_key_file(path).map_err(|e| fail("read", e))?;
            SecretKey::parse(&text)
                .map_err(|e| StoreError::Unavailable(format!("key file {}: {e}", path.display())))
        }
        Err(e) => Err(fail("create", e)),
    }
}

/// The associated data that binds a sealed secret to its object and name.
pub(crate) fn secret_aad(key: &platform_core::model::ObjectRef, secret: &str) -> Vec<u8> {
    let mut aad = Vec::new();
    for part in [&key.group, &key.kind, &key.namespace, &key.name, secret] {
        aad.extend_from_slice(&(part.len() as u64).to_le_bytes());
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// What the key check value seals: a store records it on first use and opens it with the key
/// it is given, so a wrong key is found before any secret is read or written.
pub(crate) const KEY_CHECK_TEXT: &[u8] = b"platform state key check";

/// The associated data of the key check value.
pub(crate) const KEY_CHECK_AAD: &[u8] = b"key-check";

/// Encrypts and decrypts secret values; each value gets a fresh random nonce and is bound to
/// where it is stored (object and secret name) through the associated data.
pub(crate) struct SecretCipher {
    aead: XChaCha20Poly1305,
    /// Where the key came from, for error messages.
    pub origin: String,
}

impl SecretCipher {
    /// A cipher for a key.
    pub fn new(key: ResolvedKey) -> Self {
        SecretCipher {
            aead: XChaCha20Poly1305::new(&key.key.0.into()),
            origin: key.origin,
        }
    }

    /// Encrypts a value; returns the nonce and the ciphertext (with its tag).
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<(Vec<u8>, Vec<u8>), StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| {
            StoreError::Unavailable(format!("cannot draw a random nonce for a secret: {e}"))
        })?;
        let sealed = self
            .aead
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| StoreError::Unavailable("cannot encrypt a secret value".into()))?;
        Ok((nonce.to_vec(), sealed))
    }

    /// Decrypts a value; `None` when the key or the associated data do not match.
    pub fn open(&self, aad: &[u8], nonce: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.aead
            .decrypt(&XNonce::from(nonce), Payload { msg: sealed, aad })
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_from_hex_and_base64_and_errors_hide_the_text() {
        let key = SecretKey::from_bytes([7u8; 32]);
        assert_eq!(SecretKey::parse(&key.to_hex()).unwrap(), key);
        assert_eq!(
            SecretKey::parse(&format!("  {}\n", key.to_hex())).unwrap(),
            key
        );
        let b64 = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(SecretKey::parse(&b64).unwrap(), key);
        assert_eq!(SecretKey::parse(b64.trim_end_matches('=')).unwrap(), key);

        let err = SecretKey::parse("not-a-key-hunter2")
            .unwrap_err()
            .to_string();
        assert!(err.contains("64 hex characters"), "{err}");
        assert!(!err.contains("hunter2"), "{err}");
        // 31 bytes of base64 is not a key either.
        let short = base64::engine::general_purpose::STANDARD.encode([1u8; 31]);
        assert!(SecretKey::parse(&short).is_err());
        assert_eq!(format!("{key:?}"), "SecretKey([redacted])");
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_place() {
        let resolved = |b| ResolvedKey {
            key: SecretKey::from_bytes([b; 32]),
            origin: "test".into(),
        };
        let cipher = SecretCipher::new(resolved(1));
        let (nonce, sealed) = cipher.seal(b"db/password", b"hunter2").unwrap();
        let (nonce2, _) = cipher.seal(b"db/password", b"hunter2").unwrap();
        assert_ne!(nonce, nonce2, "every value gets a fresh nonce");
        assert_eq!(
            cipher.open(b"db/password", &nonce, &sealed).unwrap(),
            b"hunter2"
        );
        assert!(cipher.open(b"db/uri", &nonce, &sealed).is_none());
        assert!(
            SecretCipher::new(resolved(2))
                .open(b"db/password", &nonce, &sealed)
                .is_none()
        );
    }

    #[test]
    fn key_file_is_created_once_with_owner_only_permissions() {
        let dir = std::env::temp_dir().join(format!("platform-key-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("state.db.key");
        let _ = std::fs::remove_file(&path);
        let first = load_or_create(&path, true).unwrap();
        let second = load_or_create(&path, true).unwrap();
        assert_eq!(first.key, second.key);
        assert!(first.origin.contains("state.db.key"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "garbage").unwrap();
        let err = load_or_create(&path, true).err().unwrap().to_string();
        assert!(
            err.contains("state.db.key") && err.contains("64 hex"),
            "{err}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn key_file_sits_beside_the_state_file() {
        assert_eq!(
            key_file_beside(Path::new(".platform/state.db")),
            PathBuf::from(".platform/state.db.key")
        );
    }
}
