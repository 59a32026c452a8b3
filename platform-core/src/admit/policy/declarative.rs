//! Policies written as documents: `kind: Policy` with CEL validations and field defaults.
//!
//! ```yaml
//! apiVersion: platform.dev/v1alpha1
//! kind: Policy
//! metadata: {name: production-databases}
//! spec:
//!   mode: Enforce                 # Enforce | Warn | Audit
//!   match: {kinds: [DatabaseClaim], environments: [production], operations: [create, update]}
//!   defaults:                     # set only where the field is absent
//!     - {path: spec.backup, value: daily}
//!   validations:
//!     - expression: "object.spec.size != 'xlarge' || has(object.metadata.labels.owner)"
//!       message: "xlarge databases need an owner"
//!   allowExceptions: true
//! ```

use std::sync::Arc;

use super::matching::parse_operation;
use super::{Mode, Policy, PolicyInput, PolicyMatch};
use crate::admit::cel::{CelError, CelExpression};
use crate::admit::defaults::FieldDefault;
use crate::admit::header::read_header;
use crate::load::{Diagnostic, Document, Field, FieldReader, Location};

/// The longest policy name: `platform.dev/policy-exception.<name>` must stay a valid annotation key.
pub(crate) const MAX_POLICY_NAME: usize = 63 - "policy-exception.".len();

/// One CEL rule: the object passes when the expression is true.
#[derive(Debug)]
pub struct Validation {
    /// The compiled expression.
    pub expression: CelExpression,
    /// What a violation says.
    pub message: String,
}

/// A policy read from a `kind: Policy` document.
#[derive(Debug)]
pub struct DeclarativePolicy {
    name: String,
    file: Arc<str>,
    location: Location,
    mode: Mode,
    matching: PolicyMatch,
    defaults: Vec<FieldDefault>,
    validations: Vec<Validation>,
    allow_exceptions: bool,
}

impl DeclarativePolicy {
    /// Reads a Policy document; every problem is reported, located, and every expression compiled.
    pub fn from_document(doc: &Document) -> Result<Self, Vec<Diagnostic>> {
        let mut r = FieldReader::new(doc.file.clone());
        let name = read_header(&mut r, doc, MAX_POLICY_NAME);
        let mut policy = DeclarativePolicy {
            name: name.unwrap_or_default(),
            file: doc.file.clone(),
            location: doc.root.location,
            mode: Mode::Enforce,
            matching: PolicyMatch::default(),
            defaults: Vec::new(),
            validations: Vec::new(),
            allow_exceptions: false,
        };
        let Some(spec) = r.required(Field::root(&doc.root).get("spec"), "a mapping") else {
            return Err(r.into_problems());
        };
        let known = [
            "mode",
            "match",
            "defaults",
            "validations",
            "allowExceptions",
        ];
        if r.mapping(&spec, &known).is_none() {
            return Err(r.into_problems());
        }
        let mode = spec.get("mode");
        match (mode.node(), mode.as_str()) {
            (None, _) => {}
            (_, Some("Enforce")) => policy.mode = Mode::Enforce,
            (_, Some("Warn")) => policy.mode = Mode::Warn,
            (_, Some("Audit")) => policy.mode = Mode::Audit,
            _ => r.expected_value(&mode, "Enforce, Warn or Audit"),
        }
        policy.allow_exceptions = r.boolean(&spec.get("allowExceptions")).unwrap_or(false);
        let matching = spec.get("match");
        if r.mapping(&matching, &["kinds", "environments", "operations"])
            .is_some()
        {
            policy.matching.kinds = r.strings(&matching.get("kinds"));
            policy.matching.environments = r.strings(&matching.get("environments"));
            if let Some(items) = r.sequence(&matching.get("operations")) {
                let mut operations = Vec::new();
                for op in items {
                    match op.as_str().and_then(parse_operation) {
                        Some(o) => operations.push(o),
                        None => r.expected_value(&op, "create, update or delete"),
                    }
                }
                policy.matching.operations = operations;
            }
        }
        for entry in r.sequence(&spec.get("defaults")).unwrap_or_default() {
            if r.mapping(&entry, &["path", "value"]).is_none() {
                continue;
            }
            let field = r
                .required(entry.get("path"), "a field path such as spec.backup")
                .and_then(|f| r.non_empty_string(&f).map(|s| (f, s)));
            let value = r.required(entry.get("value"), "the value to set");
            if let (Some((path_field, field)), Some(value)) = (field, value) {
                let json = value.to_json();
                let null = json.is_null();
                match FieldDefault::new(&field, json) {
                    Ok(d) => policy.defaults.push(d),
                    Err(message) if null || message.contains("value") => r.fail(&value, message),
                    Err(message) => r.fail(&path_field, message),
                }
            }
        }
        for entry in r.sequence(&spec.get("validations")).unwrap_or_default() {
            if r.mapping(&entry, &["expression", "message"]).is_none() {
                continue;
            }
            let Some(expression) = r.required(entry.get("expression"), "a CEL expression") else {
                continue;
            };
            let Some(source) = r.non_empty_string(&expression) else {
                continue;
            };
            let message = match entry.get("message") {
                m if m.node().is_some() => r.non_empty_string(&m),
                _ => Some(format!("failed rule: {source}")),
            };
            match CelExpression::compile(&source) {
                Ok(compiled) => {
                    if let Some(message) = message {
                        policy.validations.push(Validation {
                            expression: compiled,
                            message,
                        });
                    }
                }
                Err(e) => {
                    let what = match e {
                        CelError::Syntax(_) => "a valid CEL expression",
                        CelError::Type(_) => "a CEL expression that can give a boolean",
                    };
                    r.fail(
                        &expression,
                        format!(
                            "expected {what} in policy {:?}, found {source:?}: {e}",
                            policy.name
                        ),
                    );
                }
            }
        }
        if policy.defaults.is_empty() && policy.validations.is_empty() && r.is_clean() {
            r.fail(
                &spec,
                "expected at least one entry in defaults or validations, found none",
            );
        }
        r.finish(policy)
    }

    /// The file the policy was read from.
    pub fn file(&self) -> &str {
        &self.file
    }

    /// Where the policy document starts.
    pub fn location(&self) -> Location {
        self.location
    }

    /// What the policy matches.
    pub fn matching(&self) -> &PolicyMatch {
        &self.matching
    }

    /// The CEL rules.
    pub fn validations(&self) -> &[Validation] {
        &self.validations
    }
}

impl Policy for DeclarativePolicy {
    fn name(&self) -> &str {
        &self.name
    }

    fn mode(&self) -> Mode {
        self.mode
    }

    fn allows_exceptions(&self) -> bool {
        self.allow_exceptions
    }

    fn matches(&self, input: &PolicyInput<'_>) -> bool {
        self.matching
            .matches(&input.object.kind, input.environment, input.operation)
    }

    fn defaults(&self) -> &[FieldDefault] {
        &self.defaults
    }

    fn validate(&self, input: &PolicyInput<'_>) -> Vec<String> {
        if self.validations.is_empty() {
            return Vec::new();
        }
        let bindings = input.cel_bindings();
        let mut violations = Vec::new();
        for rule in &self.validations {
            match rule.expression.evaluate(bindings) {
                Ok(true) => {}
                Ok(false) => violations.push(rule.message.clone()),
                // Fail closed: a rule that cannot be evaluated for this object counts as broken.
                Err(e) => violations.push(format!(
                    "{} (the rule could not be evaluated: {e}; expression: {})",
                    rule.message,
                    rule.expression.source()
                )),
            }
        }
        violations
    }
}
