//! ACL rules: the checked command set of a spec, and the rules every user gets so that it
//! cannot reach keys outside its prefix.

use platform_core::provider::ProviderError;

/// The longest command rule accepted (`-@keyspace`, `+client|setname`).
const RULE_MAX: usize = 64;

/// Rules appended after every user's command set: administration, and the commands that act
/// on keys without naming them (so a key pattern cannot confine them), or on other databases.
pub(super) const CONFINEMENT: &[&str] = &[
    "-@admin",
    "-flushall",
    "-flushdb",
    "-swapdb",
    "-keys",
    "-scan",
    "-randomkey",
    "-move",
    "-migrate",
    "-function",
];

/// The command set used when a spec names none: data commands, nothing dangerous.
pub(super) const DEFAULT_COMMANDS: &str = "+@read +@write +@keyspace -@dangerous";

/// One command rule: `+` or `-`, an optional `@` (a category), then a lowercase name with an
/// optional `|subcommand` (`+@read`, `-flushall`, `+client|setname`).
pub(super) fn command_rule(field: &str, rule: &str) -> Result<(), ProviderError> {
    let body = rule
        .strip_prefix('+')
        .or_else(|| rule.strip_prefix('-'))
        .map(|b| b.strip_prefix('@').unwrap_or(b));
    let word = |w: &str| {
        w.as_bytes().first().is_some_and(u8::is_ascii_lowercase)
            && w.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
    };
    let ok = rule.len() <= RULE_MAX
        && body.is_some_and(|b| match b.split_once('|') {
            Some((command, sub)) => {
                word(command)
                    && !sub.is_empty()
                    && sub.bytes().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_' || c == b'-'
                    })
            }
            None => word(b),
        });
    if ok {
        Ok(())
    } else {
        let shown: String = rule.chars().take(80).collect();
        Err(ProviderError::permanent(format!(
            "invalid {field}: expected command rules such as \"+@read\", \"-flushall\" or \"+client|setname\" (+ or -, an optional @, lowercase letters, digits, '_', '-' and one '|', at most {RULE_MAX} characters each), found {shown:?}"
        )))
    }
}

/// The checked rules of a command set written as one string of space-separated rules.
pub(super) fn commands(field: &str, text: &str) -> Result<Vec<String>, ProviderError> {
    let rules: Vec<String> = text.split_whitespace().map(str::to_owned).collect();
    if rules.is_empty() {
        return Err(ProviderError::permanent(format!(
            "invalid {field}: expected at least one command rule such as \"+@read\", found none"
        )));
    }
    for rule in &rules {
        command_rule(field, rule)?;
    }
    Ok(rules)
}
