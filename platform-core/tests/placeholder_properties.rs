//! Hostile placeholder text: `${resources.<name>.outputs|secrets.<key>}` in an Application's
//! environment. Whatever a user writes, parsing never panics, it finds exactly what the
//! grammar (written here once more, as a regular expression) finds, and anything the grammar
//! refuses is an error located at the variable's value, file, line and column.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use proptest::prelude::*;
use regex::Regex;

use platform_core::kinds::{KindRegistry, placeholders};
use platform_core::load::{Format, Loader};
use platform_core::validate::Validator;

/// Text at each position: an escaped `$$`, a `${...}` (closed or not), a lone `$`, or text.
static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\$|\$\{([^}]*)(\})?|\$|[^$]+").unwrap());
/// The inside of a placeholder.
static INNER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^resources\.([^.]+)\.(outputs|secrets)\.([^.]+)$").unwrap());

/// What the grammar finds: (resource, section, key, the placeholder's text), or `None` when
/// some `${` is unterminated or not of the placeholder's form.
fn grammar(text: &str) -> Option<Vec<(String, String, String, String)>> {
    let mut found = Vec::new();
    for token in TOKEN.captures_iter(text) {
        let Some(inner) = token.get(1) else { continue };
        token.get(2)?;
        let parts = INNER.captures(inner.as_str())?;
        found.push((
            parts[1].to_owned(),
            parts[2].to_owned(),
            parts[3].to_owned(),
            token[0].to_owned(),
        ));
    }
    Some(found)
}

/// Strings made to look like placeholders, almost: the grammar's words and punctuation, an
/// escape, well-formed placeholders, multi-byte and control characters, and anything at all.
fn hostile() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "$",
        "$$",
        "${",
        "}",
        "{",
        ".",
        "..",
        "resources",
        "outputs",
        "secrets",
        "db",
        "host",
        "",
        " ",
        "é",
        "💥",
        "\u{0}",
        "\n",
        "\\",
        "\"",
        "'",
        "${resources.db.outputs.host}",
        "${resources.db.secrets.password}",
        "${resources.other.outputs.x}",
        "${resources..outputs.x}",
        "${resources.db.outputs.}",
        "${resources.db.output.host}",
    ]);
    prop_oneof![
        prop::collection::vec(piece.clone(), 0..16).prop_map(|p| p.concat()),
        any::<String>(),
        prop::collection::vec((any::<String>(), piece), 0..6)
            .prop_map(|p| p.into_iter().map(|(a, b)| a + b).collect()),
    ]
}

/// `text` as a YAML double-quoted scalar: every character that is not plain printable ASCII
/// escaped, so any string at all reaches the validator unchanged.
fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if (c as u32) <= 0xFFFF => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push_str(&format!("\\U{:08X}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An Application whose one variable, on line 10 at column 16, holds `value`.
fn application(value: &str) -> String {
    format!(
        "apiVersion: platform.dev/v1alpha1
kind: Application
metadata:
  name: app
spec:
  containers:
    - name: api
      image: ghcr.io/acme/orders:1.4.2
      env:
        VALUE: {}
  resources:
    db:
      kind: DatabaseClaim
      spec: {{engine: sqlite}}
",
        yaml_quoted(value)
    )
}

/// The built-in kinds, compiled once for every case.
static REGISTRY: LazyLock<KindRegistry> = LazyLock::new(KindRegistry::builtin);

const AT_THE_VALUE: &str = "app.yaml:10:16: spec.containers[0].env.VALUE: ";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parsing_finds_exactly_what_the_grammar_finds(text in hostile()) {
        let parsed = placeholders(&text);
        match grammar(&text) {
            None => prop_assert!(parsed.is_err(), "{text:?} parsed as {parsed:?}"),
            Some(expected) => {
                let found = parsed.map_err(|e| TestCaseError::fail(format!("{text:?}: {e}")))?;
                let found: Vec<_> = found
                    .into_iter()
                    .map(|p| (p.resource, p.section, p.key, text[p.span].to_owned()))
                    .collect();
                prop_assert_eq!(found, expected, "{:?}", text);
            }
        }
    }

    #[test]
    fn what_the_grammar_refuses_is_an_error_at_the_variable(text in hostile()) {
        let loaded = Loader::new().load_str(Arc::from("app.yaml"), &application(&text), Format::Yaml);
        prop_assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let report = Validator::new(&REGISTRY).validate(&loaded.documents);
        let messages: Vec<String> = report.diagnostics.iter().map(ToString::to_string).collect();
        let at_value: Vec<&String> = messages.iter().filter(|m| m.starts_with(AT_THE_VALUE)).collect();
        // Nothing is reported anywhere else: the rest of the document is valid.
        prop_assert_eq!(at_value.len(), messages.len(), "{:?}: {:?}", text, messages);
        match grammar(&text) {
            None => prop_assert_eq!(at_value.len(), 1, "{:?}: {:?}", text, messages),
            Some(found) => {
                // Well-formed: only a resource that is not in spec.resources is reported, once.
                let unknown: BTreeSet<&String> =
                    found.iter().map(|(resource, ..)| resource).filter(|r| *r != "db").collect();
                let unknown = unknown.len();
                prop_assert_eq!(at_value.len(), unknown, "{:?}: {:?}", text, messages);
            }
        }
    }
}

#[test]
fn the_grammar_here_agrees_with_the_documented_examples() {
    assert_eq!(
        grammar("postgres://${resources.db.outputs.host}:5432 $${literal}").unwrap()[0].3,
        "${resources.db.outputs.host}"
    );
    assert!(grammar("${resources.db.outputs.host").is_none());
    assert!(grammar("${resources.db}").is_none());
    assert!(grammar("$${resources.db}").unwrap().is_empty());
    assert!(application("x").contains("        VALUE: \"x\"\n"));
    assert_eq!(
        yaml_quoted("é💥\u{0}\"\\"),
        "\"\\u00E9\\U0001F4A5\\u0000\\\"\\\\\""
    );
}
