//! Version tags ordered as copier orders them (PEP 440-like: numbers compare as numbers).

use std::cmp::Ordering;

/// Sorts tags oldest first; tags that are not versions (no digit) are dropped. A leading `v`
/// is ignored and a pre-release part (`1.0.0-rc1`, `1.0.0a1`) sorts before its release.
pub fn sort_versions(tags: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut versions: Vec<String> = tags
        .into_iter()
        .filter(|tag| {
            tag.trim_start_matches('v')
                .starts_with(|c: char| c.is_ascii_digit())
        })
        .collect();
    versions.sort_by(|a, b| compare(a, b));
    versions
}

/// The newest release among `tags` (pre-releases only when there is no release).
pub fn latest_version(tags: impl IntoIterator<Item = String>) -> Option<String> {
    let sorted = sort_versions(tags);
    sorted
        .iter()
        .rev()
        .find(|tag| split(tag).1.is_empty())
        .or(sorted.last())
        .cloned()
}

fn split(tag: &str) -> (Vec<u64>, &str) {
    let text = tag.trim_start_matches('v');
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let numbers = text[..end]
        .split('.')
        .filter(|part| !part.is_empty())
        .map(|part| part.parse().unwrap_or(u64::MAX))
        .collect();
    (numbers, &text[end..])
}

/// Orders two versions as [`sort_versions`] does (`v1.10.0` after `v1.9.0`).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    compare(a, b)
}

fn compare(a: &str, b: &str) -> Ordering {
    let (numbers_a, rest_a) = split(a);
    let (numbers_b, rest_b) = split(b);
    let length = numbers_a.len().max(numbers_b.len());
    for index in 0..length {
        let x = numbers_a.get(index).copied().unwrap_or(0);
        let y = numbers_b.get(index).copied().unwrap_or(0);
        match x.cmp(&y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    match (rest_a.is_empty(), rest_b.is_empty()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        (false, false) => rest_a.cmp(rest_b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_compare_as_numbers_and_prereleases_come_first() {
        let tags = ["v1.10.0", "v1.2.0", "v1.2.0-rc1", "docs", "v2.0.0a1", "1.9"];
        let sorted = sort_versions(tags.iter().map(|t| t.to_string()));
        assert_eq!(
            sorted,
            ["v1.2.0-rc1", "v1.2.0", "1.9", "v1.10.0", "v2.0.0a1"]
        );
        assert_eq!(
            latest_version(tags.iter().map(|t| t.to_string())).as_deref(),
            Some("v1.10.0")
        );
    }
}
