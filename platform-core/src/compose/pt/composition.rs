//! Loading an `apiextensions.crossplane.io/v1` `Composition` into a typed,
//! precompiled [`PtComposition`].
//!
//! Two spellings are accepted with the same semantics:
//! * `spec.mode: Pipeline` with one step calling `function-patch-and-transform`
//!   whose `input` is a `pt.fn.crossplane.io/v1beta1` `Resources` object, and any
//!   number of `function-auto-ready` steps (commonly the last one), whose behaviour the
//!   renderer has already: a composed resource is ready when its readiness checks pass, and
//!   the composite when every composed resource is;
//! * the legacy `spec.resources` / `spec.patchSets` / `spec.environment` form.
//!
//! Loading validates everything up front (field paths, regexps, transforms,
//! patch sets, names, readiness checks, connection details) and reports every
//! problem found with its path in the input document.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::connection::ConnectionDetail;
use super::error::{CompositionError, UnsupportedStep, ValidationError, join_path};
use super::fieldpath::FieldPath;
use super::patch::{Patch, PatchType};
use super::readiness::ReadinessCheck;
use super::transform::Transform;

/// The function name this engine implements.
pub const PT_FUNCTION: &str = "function-patch-and-transform";

/// The readiness function a pipeline may call; the renderer already does what it does.
pub const AUTO_READY_FUNCTION: &str = "function-auto-ready";

/// `apiVersion` and `kind` of the composite type a composition is for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TypeRef {
    /// API version, e.g. `example.org/v1alpha1`.
    pub api_version: String,
    /// Kind, e.g. `XDatabase`.
    pub kind: String,
}

/// Which spelling the composition used.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CompositionMode {
    /// Legacy `spec.resources`.
    #[default]
    Resources,
    /// `spec.mode: Pipeline`; holds the function-patch-and-transform step's name.
    Pipeline {
        /// The step's `step` name.
        step: String,
    },
}

/// A composed resource template with its patch sets inlined.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComposedTemplate {
    /// The template's (unique) name.
    pub name: String,
    /// The base object patches apply to.
    pub base: Value,
    /// Patches in order, PatchSet references replaced by their patches.
    pub patches: Vec<Patch>,
    /// Connection details to extract from the observed resource.
    pub connection_details: Vec<ConnectionDetail>,
    /// Readiness checks (none: the `Ready` condition decides).
    pub readiness_checks: Vec<ReadinessCheck>,
}

/// A named, reusable list of patches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PatchSet {
    /// The set's name.
    pub name: String,
    /// Its patches.
    pub patches: Vec<Patch>,
}

/// A loaded and validated patch-and-transform composition.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PtComposition {
    /// `metadata.name`.
    pub name: Option<String>,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// `spec.compositeTypeRef`.
    pub composite_type_ref: TypeRef,
    /// The spelling used.
    pub mode: CompositionMode,
    /// Resource templates, in order.
    pub resources: Vec<ComposedTemplate>,
    /// The patch sets as declared (already inlined into `resources`).
    pub patch_sets: Vec<PatchSet>,
    /// `environment.patches`, run before the resources.
    pub environment_patches: Vec<Patch>,
}

impl PtComposition {
    /// Loads a `Composition` document, validating all of it first.
    pub fn from_value(doc: &Value) -> Result<Self, CompositionError> {
        let mut c = Compiler::default();
        let out = c.composition(doc)?;
        c.finish(out)
    }

    /// Validates a `Composition` document without keeping the result.
    pub fn validate(doc: &Value) -> Result<(), CompositionError> {
        Self::from_value(doc).map(|_| ())
    }

    /// Loads a bare function input (`kind: Resources`), e.g. one taken out of a pipeline step.
    pub fn from_function_input(input: &Value) -> Result<Self, CompositionError> {
        let mut c = Compiler::default();
        c.check_input_kind(input, "");
        let (resources, patch_sets, environment_patches) = c.resources_input(input, "");
        let out = Self {
            resources,
            patch_sets,
            environment_patches,
            mode: CompositionMode::Pipeline {
                step: String::new(),
            },
            ..Self::default()
        };
        c.finish(out)
    }

    /// The template named `name`.
    pub fn resource(&self, name: &str) -> Option<&ComposedTemplate> {
        self.resources.iter().find(|r| r.name == name)
    }
}

/// True for function names that denote function-patch-and-transform (also
/// package-prefixed ones such as `crossplane-contrib-function-patch-and-transform`).
pub fn is_pt_function(name: &str) -> bool {
    name == PT_FUNCTION || name.ends_with(&format!("-{PT_FUNCTION}"))
}

/// True for function names that denote function-auto-ready (also package-prefixed ones such
/// as `crossplane-contrib-function-auto-ready`): a step that adds nothing to the render.
pub fn is_auto_ready_function(name: &str) -> bool {
    name == AUTO_READY_FUNCTION || name.ends_with(&format!("-{AUTO_READY_FUNCTION}"))
}

#[derive(Default)]
struct Compiler {
    errors: Vec<ValidationError>,
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

impl Compiler {
    fn err(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ValidationError::new(path, message));
    }

    fn finish(self, out: PtComposition) -> Result<PtComposition, CompositionError> {
        if self.errors.is_empty() {
            Ok(out)
        } else {
            Err(CompositionError::Invalid(self.errors))
        }
    }

    fn array<'a>(&mut self, v: Option<&'a Value>, path: &str) -> &'a [Value] {
        match v {
            None | Some(Value::Null) => &[],
            Some(Value::Array(items)) => items,
            Some(_) => {
                self.err(path, "must be an array");
                &[]
            }
        }
    }

    fn composition(&mut self, doc: &Value) -> Result<PtComposition, CompositionError> {
        let mut out = PtComposition::default();
        if !doc.is_object() {
            self.err("document", "must be an object");
            return Ok(out);
        }
        match str_at(doc, "apiVersion") {
            Some(v) if v.starts_with("apiextensions.crossplane.io/") => {}
            other => self.err(
                "apiVersion",
                format!("expected apiextensions.crossplane.io/v1, got {other:?}"),
            ),
        }
        if str_at(doc, "kind") != Some("Composition") {
            self.err(
                "kind",
                format!("expected Composition, got {:?}", str_at(doc, "kind")),
            );
        }
        self.metadata(doc, &mut out);
        let Some(spec) = doc.get("spec").filter(|s| s.is_object()) else {
            self.err("spec", "required");
            return Ok(out);
        };
        match spec.get("compositeTypeRef") {
            Some(r) => {
                for (key, slot) in [
                    ("apiVersion", &mut out.composite_type_ref.api_version),
                    ("kind", &mut out.composite_type_ref.kind),
                ] {
                    match str_at(r, key) {
                        Some(s) if !s.is_empty() => *slot = s.to_string(),
                        _ => self.errors.push(ValidationError::new(
                            format!("spec.compositeTypeRef.{key}"),
                            "required",
                        )),
                    }
                }
            }
            None => self.err("spec.compositeTypeRef", "required"),
        }
        let pipeline = match spec.get("mode") {
            None | Some(Value::Null) => spec.get("pipeline").is_some(),
            Some(Value::String(m)) if m == "Pipeline" => true,
            Some(Value::String(m)) if m == "Resources" => false,
            Some(other) => {
                self.err(
                    "spec.mode",
                    format!("unsupported mode {other}; expected Pipeline or Resources"),
                );
                return Ok(out);
            }
        };
        if pipeline {
            self.pipeline(spec, &mut out)?;
        } else {
            let (resources, patch_sets, env) = self.resources_input(spec, "spec");
            out.resources = resources;
            out.patch_sets = patch_sets;
            out.environment_patches = env;
            out.mode = CompositionMode::Resources;
        }
        Ok(out)
    }

    fn metadata(&mut self, doc: &Value, out: &mut PtComposition) {
        let Some(meta) = doc.get("metadata") else {
            return;
        };
        match meta.get("name") {
            None | Some(Value::Null) => {}
            Some(Value::String(n)) => out.name = Some(n.clone()),
            Some(_) => self.err("metadata.name", "must be a string"),
        }
        match meta.get("labels") {
            None | Some(Value::Null) => {}
            Some(Value::Object(labels)) => {
                for (k, v) in labels {
                    match v {
                        Value::String(s) => {
                            out.labels.insert(k.clone(), s.clone());
                        }
                        _ => self.err(format!("metadata.labels[{k}]"), "must be a string"),
                    }
                }
            }
            Some(_) => self.err("metadata.labels", "must be an object"),
        }
    }

    fn pipeline(&mut self, spec: &Value, out: &mut PtComposition) -> Result<(), CompositionError> {
        let steps = self.array(spec.get("pipeline"), "spec.pipeline");
        let mut unsupported = Vec::new();
        let mut pt_steps = Vec::new();
        for (i, step) in steps.iter().enumerate() {
            let name = str_at(step, "step").unwrap_or_default().to_string();
            let function = step
                .get("functionRef")
                .and_then(|f| str_at(f, "name"))
                .unwrap_or_default()
                .to_string();
            if is_pt_function(&function) {
                pt_steps.push((i, name, step));
            } else if !is_auto_ready_function(&function) {
                unsupported.push(UnsupportedStep {
                    step: name,
                    function,
                    index: i,
                });
            }
        }
        if !unsupported.is_empty() {
            return Err(CompositionError::UnsupportedSteps(unsupported));
        }
        let mut pt = pt_steps.into_iter();
        let Some((i, name, step)) = pt.next() else {
            self.err(
                "spec.pipeline",
                format!("no pipeline step uses function {PT_FUNCTION}"),
            );
            return Ok(());
        };
        for (j, _, _) in pt {
            self.err(
                format!("spec.pipeline[{j}]"),
                format!("only one {PT_FUNCTION} step is supported"),
            );
        }
        let prefix = format!("spec.pipeline[{i}].input");
        let Some(input) = step.get("input").filter(|v| v.is_object()) else {
            self.err(prefix, "required");
            return Ok(());
        };
        self.check_input_kind(input, &prefix);
        let (resources, patch_sets, env) = self.resources_input(input, &prefix);
        out.resources = resources;
        out.patch_sets = patch_sets;
        out.environment_patches = env;
        out.mode = CompositionMode::Pipeline { step: name };
        Ok(())
    }

    fn check_input_kind(&mut self, input: &Value, prefix: &str) {
        match str_at(input, "apiVersion") {
            Some(v) if v.starts_with("pt.fn.crossplane.io/") => {}
            other => self.err(
                join_path(prefix, "apiVersion"),
                format!("expected pt.fn.crossplane.io/v1beta1, got {other:?}"),
            ),
        }
        if str_at(input, "kind") != Some("Resources") {
            self.err(
                join_path(prefix, "kind"),
                format!("expected Resources, got {:?}", str_at(input, "kind")),
            );
        }
    }

    /// Reads `resources`, `patchSets` and `environment.patches` under `prefix`.
    fn resources_input(
        &mut self,
        v: &Value,
        prefix: &str,
    ) -> (Vec<ComposedTemplate>, Vec<PatchSet>, Vec<Patch>) {
        let patch_sets = self.patch_sets(v, prefix);
        let by_name: BTreeMap<&str, &[Patch]> = patch_sets
            .iter()
            .map(|ps| (ps.name.as_str(), ps.patches.as_slice()))
            .collect();
        let res_path = join_path(prefix, "resources");
        let items = self.array(v.get("resources"), &res_path);
        if items.is_empty() {
            self.err(res_path.clone(), "at least one resource is required");
        }
        let mut names = BTreeSet::new();
        let mut resources = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{res_path}[{i}]");
            if let Some(t) = self.template(item, &path, &by_name) {
                if !names.insert(t.name.clone()) {
                    self.err(
                        format!("{path}.name"),
                        format!("duplicate resource name {:?}", t.name),
                    );
                }
                resources.push(t);
            }
        }
        let env_path = join_path(prefix, "environment.patches");
        let env_items = self.array(
            v.get("environment").and_then(|e| e.get("patches")),
            &env_path,
        );
        let mut env = Vec::with_capacity(env_items.len());
        for (i, item) in env_items.iter().enumerate() {
            let path = format!("{env_path}[{i}]");
            if let Some(p) = self.patch(item, &path) {
                if p.kind.allowed_in_environment() {
                    env.push(p);
                } else {
                    self.err(
                        format!("{path}.type"),
                        format!("invalid environment patch type {:?}", p.kind.as_str()),
                    );
                }
            }
        }
        (resources, patch_sets, env)
    }

    fn patch_sets(&mut self, v: &Value, prefix: &str) -> Vec<PatchSet> {
        let ps_path = join_path(prefix, "patchSets");
        let items = self.array(v.get("patchSets"), &ps_path);
        let mut out: Vec<PatchSet> = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let path = format!("{ps_path}[{i}]");
            let name = match str_at(item, "name") {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => {
                    self.err(format!("{path}.name"), "required");
                    continue;
                }
            };
            if out.iter().any(|ps| ps.name == name) {
                self.err(
                    format!("{path}.name"),
                    format!("duplicate PatchSet name {name:?}"),
                );
            }
            let mut patches = Vec::new();
            let patches_path = format!("{path}.patches");
            for (k, pv) in self
                .array(item.get("patches"), &patches_path)
                .iter()
                .enumerate()
            {
                let ppath = format!("{patches_path}[{k}]");
                if let Some(p) = self.patch(pv, &ppath) {
                    if p.kind == PatchType::PatchSet {
                        self.err(
                            format!("{ppath}.type"),
                            "a patch in a PatchSet cannot be of type PatchSet",
                        );
                    } else {
                        patches.push(p);
                    }
                }
            }
            out.push(PatchSet { name, patches });
        }
        out
    }

    fn template(
        &mut self,
        item: &Value,
        path: &str,
        patch_sets: &BTreeMap<&str, &[Patch]>,
    ) -> Option<ComposedTemplate> {
        if !item.is_object() {
            self.err(path, "must be an object");
            return None;
        }
        let name = match item.get("name") {
            Some(Value::String(n)) if !n.is_empty() => n.clone(),
            _ => {
                self.err(format!("{path}.name"), "required");
                String::new()
            }
        };
        let base = match item.get("base") {
            Some(b @ Value::Object(_)) => b.clone(),
            None | Some(Value::Null) => {
                self.err(format!("{path}.base"), "required");
                Value::Object(Map::new())
            }
            Some(_) => {
                self.err(format!("{path}.base"), "must be an object");
                Value::Object(Map::new())
            }
        };
        let mut patches = Vec::new();
        let patches_path = format!("{path}.patches");
        for (k, pv) in self
            .array(item.get("patches"), &patches_path)
            .iter()
            .enumerate()
        {
            let ppath = format!("{patches_path}[{k}]");
            let Some(p) = self.patch(pv, &ppath) else {
                continue;
            };
            if p.kind != PatchType::PatchSet {
                patches.push(p);
                continue;
            }
            let set_name = p.patch_set_name.as_deref().unwrap_or_default();
            match patch_sets.get(set_name) {
                Some(set) => patches.extend(set.iter().cloned()),
                None => self.err(
                    format!("{ppath}.patchSetName"),
                    format!("cannot find PatchSet by name {set_name}"),
                ),
            }
        }
        let connection_details = self.list(item, "connectionDetails", path, |v| {
            let d: ConnectionDetail =
                serde_json::from_value(v.clone()).map_err(|e| (String::new(), e.to_string()))?;
            d.validate().map_err(|e| (e.path, e.message))?;
            Ok(d)
        });
        let readiness_checks = self.list(item, "readinessChecks", path, |v| {
            let c: ReadinessCheck =
                serde_json::from_value(v.clone()).map_err(|e| (String::new(), e.to_string()))?;
            c.validate().map_err(|e| (e.path, e.message))?;
            Ok(c)
        });
        Some(ComposedTemplate {
            name,
            base,
            patches,
            connection_details,
            readiness_checks,
        })
    }

    fn list<T>(
        &mut self,
        item: &Value,
        key: &str,
        path: &str,
        parse: impl Fn(&Value) -> Result<T, (String, String)>,
    ) -> Vec<T> {
        let list_path = format!("{path}.{key}");
        let mut out = Vec::new();
        for (i, v) in self.array(item.get(key), &list_path).iter().enumerate() {
            match parse(v) {
                Ok(t) => out.push(t),
                Err((rel, message)) => {
                    self.err(join_path(&format!("{list_path}[{i}]"), &rel), message)
                }
            }
        }
        out
    }

    fn patch(&mut self, v: &Value, path: &str) -> Option<Patch> {
        let patch: Patch = match serde_json::from_value(v.clone()) {
            Ok(p) => p,
            Err(e) => {
                self.errors.push(locate_patch_error(v, path, &e));
                return None;
            }
        };
        match patch.validate() {
            Ok(()) => Some(patch),
            Err(e) => {
                self.errors.push(e.prefixed(path));
                None
            }
        }
    }
}

/// Finds the part of a patch that failed to deserialise, for a precise error path.
fn locate_patch_error(v: &Value, path: &str, err: &serde_json::Error) -> ValidationError {
    if let Some(transforms) = v.get("transforms").and_then(Value::as_array) {
        for (i, t) in transforms.iter().enumerate() {
            if let Err(e) = serde_json::from_value::<Transform>(t.clone()) {
                return ValidationError::new(format!("{path}.transforms[{i}]"), e.to_string());
            }
        }
    }
    for key in ["fromFieldPath", "toFieldPath"] {
        if let Some(Value::String(s)) = v.get(key)
            && let Err(e) = FieldPath::parse(s)
        {
            return ValidationError::new(
                format!("{path}.{key}"),
                format!("invalid field path {s:?}: {e}"),
            );
        }
    }
    if let Some(vars) = v
        .get("combine")
        .and_then(|c| c.get("variables"))
        .and_then(Value::as_array)
    {
        for (i, var) in vars.iter().enumerate() {
            if let Some(Value::String(s)) = var.get("fromFieldPath")
                && let Err(e) = FieldPath::parse(s)
            {
                return ValidationError::new(
                    format!("{path}.combine.variables[{i}].fromFieldPath"),
                    format!("invalid field path {s:?}: {e}"),
                );
            }
        }
    }
    ValidationError::new(path, err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pipeline(input: Value) -> Value {
        json!({
            "apiVersion": "apiextensions.crossplane.io/v1",
            "kind": "Composition",
            "metadata": {"name": "c", "labels": {"provider": "aws"}},
            "spec": {
                "compositeTypeRef": {"apiVersion": "example.org/v1", "kind": "XDatabase"},
                "mode": "Pipeline",
                "pipeline": [{
                    "step": "patch-and-transform",
                    "functionRef": {"name": "function-patch-and-transform"},
                    "input": input
                }]
            }
        })
    }

    fn input(resources: Value) -> Value {
        json!({"apiVersion": "pt.fn.crossplane.io/v1beta1", "kind": "Resources", "resources": resources})
    }

    fn errors(doc: &Value) -> Vec<String> {
        match PtComposition::from_value(doc) {
            Ok(_) => vec![],
            Err(e) => match e {
                CompositionError::Invalid(errs) => errs.iter().map(ToString::to_string).collect(),
                other => vec![other.to_string()],
            },
        }
    }

    #[test]
    fn loads_pipeline_and_metadata() {
        let mut inp = input(
            json!([{"name": "a", "base": {"kind": "A"}, "patches": [{"type": "PatchSet", "patchSetName": "common"}, {"fromFieldPath": "x"}]}]),
        );
        inp["patchSets"] = json!([{"name": "common", "patches": [{"fromFieldPath": "metadata.labels", "toFieldPath": "metadata.labels"}, {"fromFieldPath": "spec.region"}]}]);
        let c = PtComposition::from_value(&pipeline(inp)).unwrap();
        assert_eq!(c.name.as_deref(), Some("c"));
        assert_eq!(c.labels.get("provider").map(String::as_str), Some("aws"));
        assert_eq!(
            c.composite_type_ref,
            TypeRef {
                api_version: "example.org/v1".into(),
                kind: "XDatabase".into()
            }
        );
        assert_eq!(
            c.mode,
            CompositionMode::Pipeline {
                step: "patch-and-transform".into()
            }
        );
        let a = c.resource("a").unwrap();
        let froms: Vec<String> = a
            .patches
            .iter()
            .map(|p| p.from_field_path.as_ref().unwrap().to_string())
            .collect();
        assert_eq!(froms, ["metadata.labels", "spec.region", "x"]);
        assert_eq!(c.patch_sets.len(), 1);
    }

    #[test]
    fn unsupported_steps_are_named() {
        let mut doc = pipeline(input(json!([{"name": "a", "base": {}}])));
        doc["spec"]["pipeline"].as_array_mut().unwrap().push(json!({
            "step": "X", "functionRef": {"name": "function-foo"}
        }));
        let err = PtComposition::from_value(&doc).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"pipeline step "X" uses function "function-foo", which is not supported; only function-patch-and-transform and function-auto-ready"#
        );
        let CompositionError::UnsupportedSteps(steps) = err else {
            panic!("{err}");
        };
        assert_eq!(steps[0].path(), "spec.pipeline[1].functionRef.name");
        let mut alias = pipeline(input(json!([{"name": "a", "base": {}}])));
        alias["spec"]["pipeline"][0]["functionRef"]["name"] =
            json!("crossplane-contrib-function-patch-and-transform");
        assert!(PtComposition::from_value(&alias).is_ok());
    }

    #[test]
    fn a_pipeline_ending_with_function_auto_ready_renders_as_without_it() {
        let alone = pipeline(input(json!([{"name": "a", "base": {"kind": "A"}}])));
        for function in [
            "function-auto-ready",
            "crossplane-contrib-function-auto-ready",
        ] {
            let mut doc = alone.clone();
            doc["spec"]["pipeline"].as_array_mut().unwrap().push(json!({
                "step": "automatically-detect-ready-composed-resources",
                "functionRef": {"name": function}
            }));
            assert_eq!(
                PtComposition::from_value(&doc).unwrap(),
                PtComposition::from_value(&alone).unwrap(),
                "{function}"
            );
        }
    }

    #[test]
    fn validation_reports_paths() {
        let resources = json!([
            {"name": "a", "base": {}},
            {"name": "b", "base": {}, "patches": [
                {"fromFieldPath": "x"},
                {"fromFieldPath": "y"},
                {"fromFieldPath": "spec.size", "transforms": [{"type": "math", "math": {"type": "Multiply"}}]},
                {"fromFieldPath": "metadata..name"},
                {"type": "PatchSet", "patchSetName": "nope"},
                {"type": "Bogus"},
                {"fromFieldPath": "a", "transforms": [{"type": "string", "string": {"type": "Regexp", "regexp": {"match": "("}}}]}
            ], "readinessChecks": [{"type": "MatchString", "fieldPath": "status.x"}],
               "connectionDetails": [{"name": "n", "type": "FromValue"}]},
            {"name": "a", "base": "not-an-object"},
            {"base": {}}
        ]);
        let got = errors(&pipeline(input(resources)));
        let want = [
            "spec.pipeline[0].input.resources[1].patches[2].transforms[0].math.multiply: required by math transform type Multiply",
            "spec.pipeline[0].input.resources[1].patches[3].fromFieldPath: invalid field path \"metadata..name\": unexpected '.' at position 9",
            "spec.pipeline[0].input.resources[1].patches[4].patchSetName: cannot find PatchSet by name nope",
            "spec.pipeline[0].input.resources[1].patches[5]: unknown patch type \"Bogus\"",
            "spec.pipeline[0].input.resources[1].patches[6].transforms[0]: cannot compile regexp \"(\": regex parse error:\n    (\n    ^\nerror: unclosed group",
            "spec.pipeline[0].input.resources[1].connectionDetails[0].value: required by connection detail type FromValue",
            "spec.pipeline[0].input.resources[1].readinessChecks[0].matchString: required by readiness check type MatchString",
            "spec.pipeline[0].input.resources[2].base: must be an object",
            "spec.pipeline[0].input.resources[2].name: duplicate resource name \"a\"",
            "spec.pipeline[0].input.resources[3].name: required",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn document_level_errors() {
        assert_eq!(errors(&json!("x")), ["document: must be an object"]);
        let got =
            errors(&json!({"apiVersion": "v1", "kind": "ConfigMap", "spec": {"resources": []}}));
        assert_eq!(
            got,
            [
                "apiVersion: expected apiextensions.crossplane.io/v1, got Some(\"v1\")",
                "kind: expected Composition, got Some(\"ConfigMap\")",
                "spec.compositeTypeRef: required",
                "spec.resources: at least one resource is required",
            ]
        );
        let mut bad_input = pipeline(
            json!({"apiVersion": "other/v1", "kind": "Thing", "resources": [{"name": "a", "base": {}}]}),
        );
        bad_input["spec"]["mode"] = json!("Pipeline");
        assert_eq!(
            errors(&bad_input),
            [
                "spec.pipeline[0].input.apiVersion: expected pt.fn.crossplane.io/v1beta1, got Some(\"other/v1\")",
                "spec.pipeline[0].input.kind: expected Resources, got Some(\"Thing\")",
            ]
        );
        let mut no_steps = pipeline(json!({}));
        no_steps["spec"]["pipeline"] = json!([]);
        assert_eq!(
            errors(&no_steps),
            ["spec.pipeline: no pipeline step uses function function-patch-and-transform"]
        );
    }

    #[test]
    fn patch_sets_and_environment_validation() {
        let mut inp = input(json!([{"name": "a", "base": {}}]));
        inp["patchSets"] = json!([
            {"name": "s", "patches": [{"type": "PatchSet", "patchSetName": "t"}]},
            {"patches": []}
        ]);
        inp["environment"] = json!({"patches": [
            {"type": "ToEnvironmentFieldPath", "fromFieldPath": "spec.region", "toFieldPath": "region"},
            {"type": "FromCompositeFieldPath", "fromFieldPath": "a"}
        ]});
        assert_eq!(
            errors(&pipeline(inp)),
            [
                "spec.pipeline[0].input.patchSets[0].patches[0].type: a patch in a PatchSet cannot be of type PatchSet",
                "spec.pipeline[0].input.patchSets[1].name: required",
                "spec.pipeline[0].input.environment.patches[1].type: invalid environment patch type \"FromCompositeFieldPath\"",
            ]
        );
    }

    #[test]
    fn legacy_form_and_function_input() {
        let legacy = json!({
            "apiVersion": "apiextensions.crossplane.io/v1",
            "kind": "Composition",
            "spec": {
                "compositeTypeRef": {"apiVersion": "example.org/v1", "kind": "X"},
                "patchSets": [{"name": "p", "patches": [{"fromFieldPath": "a"}]}],
                "resources": [{"name": "r", "base": {"kind": "R"}, "patches": [{"type": "PatchSet", "patchSetName": "p"}]}]
            }
        });
        let c = PtComposition::from_value(&legacy).unwrap();
        assert_eq!(c.mode, CompositionMode::Resources);
        assert_eq!(c.resources[0].patches.len(), 1);
        assert!(PtComposition::validate(&legacy).is_ok());
        let fi =
            PtComposition::from_function_input(&input(json!([{"name": "r", "base": {}}]))).unwrap();
        assert_eq!(fi.resources.len(), 1);
        assert!(is_pt_function("function-patch-and-transform"));
        assert!(!is_pt_function("function-patch-and-transform-v2"));
    }
}
