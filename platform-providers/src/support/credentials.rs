//! Generated credentials from the operating system's CSPRNG.

/// A password of 32 characters from `[A-Za-z0-9]`, from the OS random source.
pub fn password() -> Result<String, String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(32);
    let mut buf = [0u8; 64];
    while out.len() < 32 {
        getrandom::fill(&mut buf).map_err(|e| format!("no random source: {e}"))?;
        // Rejection sampling keeps every character equally likely.
        for b in buf {
            if out.len() == 32 {
                break;
            }
            if (b as usize) < 248 {
                out.push(ALPHABET[(b as usize) % ALPHABET.len()] as char);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_long_alphanumeric_and_different() {
        let a = super::password().unwrap();
        let b = super::password().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }
}
