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
use crate::admit::reader::{Reader, child, item};
use crate::load::{Diagnostic, Document, Location, PathSegment};

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

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
}

impl DeclarativePolicy {
    /// Reads a Policy document; every problem is reported, located, and every expression compiled.
    pub fn from_document(doc: &Document) -> Result<Self, Vec<Diagnostic>> {
        let mut r = Reader::new(doc);
        let name = r.header(doc, MAX_POLICY_NAME);
        let root = &doc.root;
        let spec_path = [key("spec")];
        let mut policy = DeclarativePolicy {
            name: name.unwrap_or_default(),
            file: doc.file.clone(),
            location: root.location,
            mode: Mode::Enforce,
            matching: PolicyMatch::default(),
            defaults: Vec::new(),
            validations: Vec::new(),
            allow_exceptions: false,
        };
        let Some(spec) = r.required(root, &[], "spec", "a mapping") else {
            return Err(r.problems);
        };
        let known = [
            "mode",
            "match",
            "defaults",
            "validations",
            "allowExceptions",
        ];
        if r.mapping(spec, &spec_path, &known).is_none() {
            return Err(r.problems);
        }
        if let Some(node) = spec.get("mode") {
            let path = child(&spec_path, "mode");
            match node.as_str() {
                Some("Enforce") => policy.mode = Mode::Enforce,
                Some("Warn") => policy.mode = Mode::Warn,
                Some("Audit") => policy.mode = Mode::Audit,
                _ => r.fail(
                    node.location,
                    &path,
                    format!(
                        "expected Enforce, Warn or Audit, found {}",
                        crate::admit::reader::describe(node)
                    ),
                ),
            }
        }
        if let Some(node) = spec.get("allowExceptions") {
            policy.allow_exceptions = r
                .boolean(node, &child(&spec_path, "allowExceptions"))
                .unwrap_or(false);
        }
        if let Some(node) = spec.get("match") {
            let path = child(&spec_path, "match");
            if r.mapping(node, &path, &["kinds", "environments", "operations"])
                .is_some()
            {
                if let Some(kinds) = node.get("kinds") {
                    policy.matching.kinds = r.strings(kinds, &child(&path, "kinds"));
                }
                if let Some(envs) = node.get("environments") {
                    policy.matching.environments = r.strings(envs, &child(&path, "environments"));
                }
                if let Some(ops) = node.get("operations") {
                    let ops_path = child(&path, "operations");
                    let mut operations = Vec::new();
                    if let Some(items) = r.sequence(ops, &ops_path) {
                        for (i, op) in items.iter().enumerate() {
                            match op.as_str().and_then(parse_operation) {
                                Some(o) => operations.push(o),
                                None => r.fail(
                                    op.location,
                                    &item(&ops_path, i),
                                    format!(
                                        "expected create, update or delete, found {}",
                                        crate::admit::reader::describe(op)
                                    ),
                                ),
                            }
                        }
                    }
                    policy.matching.operations = operations;
                }
            }
        }
        if let Some(node) = spec.get("defaults") {
            let path = child(&spec_path, "defaults");
            for (i, entry) in r
                .sequence(node, &path)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let entry_path = item(&path, i);
                if r.mapping(entry, &entry_path, &["path", "value"]).is_none() {
                    continue;
                }
                let field = r
                    .required(
                        entry,
                        &entry_path,
                        "path",
                        "a field path such as spec.backup",
                    )
                    .and_then(|n| r.string(n, &child(&entry_path, "path")).map(|s| (n, s)));
                let value = r.required(entry, &entry_path, "value", "the value to set");
                if let (Some((path_node, field)), Some(value)) = (field, value) {
                    match FieldDefault::new(&field, value.to_json()) {
                        Ok(d) => policy.defaults.push(d),
                        Err(message) => {
                            let at = if value.to_json().is_null() || message.contains("value") {
                                (value.location, child(&entry_path, "value"))
                            } else {
                                (path_node.location, child(&entry_path, "path"))
                            };
                            r.fail(at.0, &at.1, message);
                        }
                    }
                }
            }
        }
        if let Some(node) = spec.get("validations") {
            let path = child(&spec_path, "validations");
            for (i, entry) in r
                .sequence(node, &path)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let entry_path = item(&path, i);
                if r.mapping(entry, &entry_path, &["expression", "message"])
                    .is_none()
                {
                    continue;
                }
                let expr_path = child(&entry_path, "expression");
                let Some(expr_node) =
                    r.required(entry, &entry_path, "expression", "a CEL expression")
                else {
                    continue;
                };
                let Some(source) = r.string(expr_node, &expr_path) else {
                    continue;
                };
                let message = match entry.get("message") {
                    Some(m) => r.string(m, &child(&entry_path, "message")),
                    None => Some(format!("failed rule: {source}")),
                };
                match CelExpression::compile(&source) {
                    Ok(expression) => {
                        if let Some(message) = message {
                            policy.validations.push(Validation {
                                expression,
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
                            expr_node.location,
                            &expr_path,
                            format!(
                                "expected {what} in policy {:?}, found {source:?}: {e}",
                                policy.name
                            ),
                        );
                    }
                }
            }
        }
        if policy.defaults.is_empty() && policy.validations.is_empty() && r.problems.is_empty() {
            r.fail(
                spec.location,
                &spec_path,
                "expected at least one entry in defaults or validations, found none",
            );
        }
        if r.problems.is_empty() {
            Ok(policy)
        } else {
            Err(r.problems)
        }
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
