//! Property tests of loading and validation: generated valid objects round-trip and validate;
//! targeted mutations are rejected at the right field and line; no input makes the loader panic.

use proptest::prelude::*;
use serde_json::{Value, json};
use std::sync::Arc;

use platform_core::kinds::KindRegistry;
use platform_core::load::{Format, Loader};
use platform_core::model::DynamicObject;
use platform_core::validate::Validator;
use platform_testkit::strategies::any_claim;

const GROUP: &str = "platform.company.io";

fn to_yaml(value: &Value) -> String {
    serde_saphyr::to_string(value).expect("JSON values serialize to YAML")
}

fn validate(text: &str, format: Format) -> (usize, Vec<String>) {
    let registry = KindRegistry::with_claim_group(GROUP);
    let loaded = Loader::new().load_str(Arc::from("gen.yaml"), text, format);
    let report = Validator::new(&registry).validate(&loaded.documents);
    let mut lines: Vec<String> = loaded.diagnostics.iter().map(ToString::to_string).collect();
    lines.extend(report.diagnostics.iter().map(ToString::to_string));
    (loaded.documents.len(), lines)
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or(0)
}

/// Whether a diagnostic reads `gen.yaml:LINE:COL: FIELD: message` with LINE and COL from 1.
fn is_located(line: &str) -> bool {
    let mut parts = line.splitn(4, ':');
    parts.next() == Some("gen.yaml")
        && parts
            .next()
            .and_then(|l| l.parse::<u32>().ok())
            .is_some_and(|l| l >= 1)
        && parts
            .next()
            .and_then(|c| c.parse::<u32>().ok())
            .is_some_and(|c| c >= 1)
        && parts.next().is_some_and(|rest| rest.len() > 2)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn generated_objects_validate_and_round_trip(object in any_claim(GROUP)) {
        let json = serde_json::to_value(&object).unwrap();
        for (text, format) in [(to_yaml(&json), Format::Yaml), (serde_json::to_string_pretty(&json).unwrap(), Format::Json)] {
            let registry = KindRegistry::with_claim_group(GROUP);
            let loaded = Loader::new().load_str(Arc::from("gen"), &text, format);
            prop_assert!(loaded.diagnostics.is_empty(), "{:?}\n{}", loaded.diagnostics, text);
            let objects = Validator::new(&registry).objects(&loaded.documents);
            let objects = objects.map_err(|r| TestCaseError::fail(format!("{r}\n{text}")))?;
            let back: &DynamicObject = &objects[0];
            prop_assert_eq!(back, &object);
        }
    }

    #[test]
    fn wrong_enum_values_are_rejected_at_their_line(object in any_claim(GROUP), bad in "zz[a-y]{3,8}") {
        let mut json = serde_json::to_value(&object).unwrap();
        let field = match object.kind.as_str() {
            "DatabaseClaim" | "CacheClaim" => "size",
            "QueueClaim" => "engine",
            _ => return Ok(()),
        };
        json["spec"][field] = Value::String(bad.clone());
        let text = to_yaml(&json);
        let (_, lines) = validate(&text, Format::Yaml);
        prop_assert_eq!(lines.len(), 1, "{:?}", lines);
        let prefix = format!("gen.yaml:{}:", line_of(&text, &bad));
        prop_assert!(lines[0].starts_with(&prefix), "{} vs {}", lines[0], prefix);
        let expected = format!(": spec.{field}: expected one of ");
        prop_assert!(lines[0].contains(&expected), "{}", lines[0]);
    }

    #[test]
    fn wrong_types_are_rejected_at_their_line(object in any_claim(GROUP)) {
        let mut json = serde_json::to_value(&object).unwrap();
        let field = match object.kind.as_str() {
            "DatabaseClaim" => "storageGiB",
            "BucketClaim" => "versioning",
            "QueueClaim" => "durable",
            "Application" => "replicas",
            _ => return Ok(()),
        };
        json["spec"][field] = json!(["not", "scalar"]);
        let text = to_yaml(&json);
        let (_, lines) = validate(&text, Format::Yaml);
        prop_assert_eq!(lines.len(), 1, "{:?}", lines);
        let expected = format!(": spec.{field}: expected ");
        prop_assert!(lines[0].contains(&expected), "{}", lines[0]);
        prop_assert!(lines[0].contains("found a sequence"), "{}", lines[0]);
        let field_line = line_of(&text, &format!("{field}:"));
        let prefix = format!("gen.yaml:{field_line}:");
        let next = format!("gen.yaml:{}:", field_line + 1);
        // Block sequences start on the line after their key.
        prop_assert!(lines[0].starts_with(&prefix) || lines[0].starts_with(&next), "{}", lines[0]);
    }

    #[test]
    fn bad_names_are_rejected_at_their_line(object in any_claim(GROUP), bad in "[A-Z][A-Za-z_]{2,10}") {
        let mut json = serde_json::to_value(&object).unwrap();
        json["metadata"]["name"] = Value::String(bad.clone());
        let text = to_yaml(&json);
        let (_, lines) = validate(&text, Format::Yaml);
        prop_assert_eq!(lines.len(), 1, "{:?}", lines);
        let prefix = format!("gen.yaml:{}:", line_of(&text, &format!("name: {bad}")));
        prop_assert!(lines[0].starts_with(&prefix), "{} vs {}", lines[0], prefix);
        prop_assert!(lines[0].contains(": metadata.name: expected a DNS-1123 label"), "{}", lines[0]);
    }

    #[test]
    fn unknown_fields_are_rejected_at_their_key(object in any_claim(GROUP), field in "zz[a-z]{3,8}") {
        let mut json = serde_json::to_value(&object).unwrap();
        json["spec"][field.as_str()] = json!(1);
        let text = to_yaml(&json);
        let (_, lines) = validate(&text, Format::Yaml);
        prop_assert_eq!(lines.len(), 1, "{:?}", lines);
        let prefix = format!("gen.yaml:{}:", line_of(&text, &format!("{field}:")));
        prop_assert!(lines[0].starts_with(&prefix), "{} vs {}", lines[0], prefix);
        let expected = format!(": spec.{field}: unknown field {field:?}");
        prop_assert!(lines[0].contains(&expected), "{}", lines[0]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let text = String::from_utf8_lossy(&bytes);
        for format in [Format::Yaml, Format::Json] {
            let (_, lines) = validate(&text, format);
            for line in lines {
                prop_assert!(is_located(&line), "{}", line);
            }
        }
    }

    #[test]
    fn mutated_documents_never_panic(
        object in any_claim(GROUP),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = to_yaml(&serde_json::to_value(&object).unwrap()).into_bytes();
        for (at, byte, op) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match op {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, byte),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let (_, lines) = validate(&text, Format::Yaml);
        for line in lines {
            prop_assert!(is_located(&line), "{}", line);
        }
    }
}
