//! Quoting for MySQL/MariaDB statements, and the strict checks of what is quoted.
//!
//! Every name is checked with [`crate::support::ident`] before it gets here; quoting is the
//! second line of defence, so a name that slipped through still cannot end a literal.

use platform_core::provider::ProviderError;

/// A backtick-quoted identifier (`` `orders` ``), with backticks doubled.
pub(super) fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A single-quoted string literal, with backslashes and quotes escaped.
pub(super) fn literal(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\0' => out.push_str("\\0"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// An account as written in account statements: `'user'@'host'`.
pub(super) fn account(user: &str, host: &str) -> String {
    format!("{}@{}", literal(user), literal(host))
}

/// The database part of a grant (`` `team\_a`.* ``): `_` and `%` are wildcards there, so they
/// are escaped and a grant on `team_a` does not also cover `teamXa`.
pub(super) fn grant_target(database: &str) -> String {
    format!("{}.*", ident(&grant_db(database)))
}

/// The database name as stored in `mysql.db.Db` for a grant made with [`grant_target`].
pub(super) fn grant_db(database: &str) -> String {
    database.replace('_', "\\_").replace('%', "\\%")
}

/// `n` placeholders separated by commas, for `IN (...)` lists.
pub(super) fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// The longest host part MariaDB keeps for an account.
const HOST_MAX: usize = 255;

/// An account's host: `%`, `localhost`, an address or a name, optionally with `%` and `_`
/// wildcards or a `/netmask`; lowercase letters, digits and `.-_%:/` only.
pub(super) fn host(field: &str, value: &str) -> Result<(), ProviderError> {
    let ok = !value.is_empty()
        && value.len() <= HOST_MAX
        && value.bytes().all(|b| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || matches!(b, b'.' | b'-' | b'_' | b'%' | b':' | b'/')
        });
    if ok {
        Ok(())
    } else {
        let shown: String = value.chars().take(80).collect();
        Err(ProviderError::permanent(format!(
            "invalid {field}: expected an account host such as \"%\", \"localhost\" or \"10.0.0.%\" (lowercase letters, digits and . - _ % : /, at most {HOST_MAX} characters), found {shown:?}"
        )))
    }
}

/// Database-level privileges a Grant may name, as MariaDB spells them.
pub(super) const PRIVILEGES: &[&str] = &[
    "ALL",
    "ALTER",
    "ALTER ROUTINE",
    "CREATE",
    "CREATE ROUTINE",
    "CREATE TEMPORARY TABLES",
    "CREATE VIEW",
    "DELETE",
    "DELETE HISTORY",
    "DROP",
    "EVENT",
    "EXECUTE",
    "INDEX",
    "INSERT",
    "LOCK TABLES",
    "REFERENCES",
    "SELECT",
    "SHOW VIEW",
    "TRIGGER",
    "UPDATE",
];

/// The privilege a `mysql.db` column (`Create_tmp_table_priv`) stands for, or `None` for a
/// column that is not a privilege.
pub(super) fn privilege_of_column(column: &str) -> Option<String> {
    let stem = column.strip_suffix("_priv")?;
    Some(match stem {
        "Grant" => "GRANT OPTION".to_owned(),
        "Create_tmp_table" => "CREATE TEMPORARY TABLES".to_owned(),
        other => other.replace('_', " ").to_uppercase(),
    })
}
