//! Timestamps in RFC 3339 (UTC, second precision), as the resource model writes them.

use jiff::Timestamp;

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_rfc3339() -> String {
    let now = Timestamp::now().as_second();
    rfc3339(u64::try_from(now).unwrap_or(0))
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`; beyond the last second `jiff`
/// represents (9999-12-30T22:00:00Z), that second.
pub fn rfc3339(unix_secs: u64) -> String {
    let last = Timestamp::MAX.as_second();
    let secs = i64::try_from(unix_secs).map_or(last, |s| s.min(last));
    Timestamp::from_second(secs)
        .unwrap_or(Timestamp::MAX)
        .to_string()
}

/// Milliseconds since the Unix epoch in RFC 3339 (`jiff`'s form: fractions only when not
/// zero), clamped to the instants `jiff` represents.
pub fn rfc3339_ms(unix_ms: i64) -> String {
    Timestamp::from_millisecond(unix_ms)
        .unwrap_or(if unix_ms < 0 {
            Timestamp::MIN
        } else {
            Timestamp::MAX
        })
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_651_200), "2026-11-26T00:00:00Z");
        assert_eq!(rfc3339(1_795_651_199), "2026-11-25T23:59:59Z");
        assert_eq!(rfc3339(u64::MAX), "9999-12-30T22:00:00Z");
    }

    #[test]
    fn now_has_no_fraction_and_reads_back() {
        let now = now_rfc3339();
        assert_eq!(now.len(), "2026-11-26T00:00:00Z".len(), "{now}");
        assert!(now.parse::<Timestamp>().is_ok(), "{now}");
    }
}
