//! Patches between the composite, composed resources and the environment.
//!
//! A patch reads a source field (or several, for `Combine*`), runs its
//! transforms and writes the result to the destination under its merge policy.
//! A missing source is not an error here: [`Patch::apply`] reports it as
//! [`PatchOutcome::MissingSource`] and the caller applies the `Optional` /
//! `Required` policy. As in Crossplane, a `Combine*` patch is skipped as a whole
//! when any of its variables is missing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::error::{PatchError, ValidationError};
use super::fieldpath::{FieldPath, MergePolicy};
use super::gofmt::GoFormat;
use super::transform::{Transform, apply_transforms, validate_transforms};

/// The type of a patch; an absent or empty `type` means `FromCompositeFieldPath`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum PatchType {
    /// Composite field to composed resource field.
    #[default]
    FromCompositeFieldPath,
    /// Observed composed resource field to composite field.
    ToCompositeFieldPath,
    /// Several composite fields, combined, to a composed resource field.
    CombineFromComposite,
    /// Several observed composed resource fields, combined, to a composite field.
    CombineToComposite,
    /// Environment field to composed resource (or, in `environment.patches`, composite) field.
    FromEnvironmentFieldPath,
    /// Observed composed resource (or, in `environment.patches`, composite) field to environment field.
    ToEnvironmentFieldPath,
    /// Several environment fields, combined, to a composed resource (or composite) field.
    CombineFromEnvironment,
    /// Several composed resource (or composite) fields, combined, to an environment field.
    CombineToEnvironment,
    /// The patches of a named PatchSet, inlined where referenced.
    PatchSet,
}

impl PatchType {
    /// All patch types.
    pub const ALL: [PatchType; 9] = [
        Self::FromCompositeFieldPath,
        Self::ToCompositeFieldPath,
        Self::CombineFromComposite,
        Self::CombineToComposite,
        Self::FromEnvironmentFieldPath,
        Self::ToEnvironmentFieldPath,
        Self::CombineFromEnvironment,
        Self::CombineToEnvironment,
        Self::PatchSet,
    ];

    /// The name used in YAML.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FromCompositeFieldPath => "FromCompositeFieldPath",
            Self::ToCompositeFieldPath => "ToCompositeFieldPath",
            Self::CombineFromComposite => "CombineFromComposite",
            Self::CombineToComposite => "CombineToComposite",
            Self::FromEnvironmentFieldPath => "FromEnvironmentFieldPath",
            Self::ToEnvironmentFieldPath => "ToEnvironmentFieldPath",
            Self::CombineFromEnvironment => "CombineFromEnvironment",
            Self::CombineToEnvironment => "CombineToEnvironment",
            Self::PatchSet => "PatchSet",
        }
    }

    /// True for the `Combine*` types.
    pub fn is_combine(self) -> bool {
        matches!(
            self,
            Self::CombineFromComposite
                | Self::CombineToComposite
                | Self::CombineFromEnvironment
                | Self::CombineToEnvironment
        )
    }

    /// True for the types that write into a composed resource.
    pub fn targets_composed(self) -> bool {
        matches!(
            self,
            Self::FromCompositeFieldPath
                | Self::CombineFromComposite
                | Self::FromEnvironmentFieldPath
                | Self::CombineFromEnvironment
        )
    }

    /// True for the types allowed in `environment.patches`.
    pub fn allowed_in_environment(self) -> bool {
        matches!(
            self,
            Self::FromEnvironmentFieldPath
                | Self::ToEnvironmentFieldPath
                | Self::CombineFromEnvironment
                | Self::CombineToEnvironment
        )
    }
}

impl fmt::Display for PatchType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PatchType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for PatchType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
        if s.is_empty() {
            return Ok(Self::default());
        }
        Self::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown patch type {s:?}")))
    }
}

/// What to do when a patch's source field is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum FromFieldPathPolicy {
    /// Skip the patch (the default).
    #[default]
    Optional,
    /// Treat the miss as a failure (see the render module for what that means).
    Required,
}

/// Legacy (`apiextensions.crossplane.io/v1`) merge options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeOptions {
    /// Keep existing values of objects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_map_values: Option<bool>,
    /// Append arrays instead of replacing them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub append_slice: Option<bool>,
}

/// The policy of a patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PatchPolicy {
    /// Missing-source behaviour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_field_path: Option<FromFieldPathPolicy>,
    /// How the value is written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_field_path: Option<MergePolicy>,
    /// Legacy merge options, used when `toFieldPath` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_options: Option<MergeOptions>,
}

/// One variable of a combine patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CombineVariable {
    /// Source field.
    pub from_field_path: FieldPath,
}

/// The strategy of a combine patch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CombineStrategy {
    /// Format the variables with a Go format string.
    String,
}

/// Configuration of the `string` combine strategy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StringCombine {
    /// The Go format string, one verb per variable.
    pub fmt: GoFormat,
}

/// Configuration of a combine patch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Combine {
    /// Source fields, in format order.
    #[serde(default)]
    pub variables: Vec<CombineVariable>,
    /// How to combine them.
    pub strategy: CombineStrategy,
    /// Configuration of the `string` strategy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string: Option<StringCombine>,
}

/// A patch, as written in a composition.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patch {
    /// The patch type.
    #[serde(rename = "type", default)]
    pub kind: PatchType,
    /// Source field (non-combine types).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_path"
    )]
    pub from_field_path: Option<FieldPath>,
    /// Destination field; defaults to `fromFieldPath` for non-combine types.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "optional_path"
    )]
    pub to_field_path: Option<FieldPath>,
    /// Combine configuration (combine types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub combine: Option<Combine>,
    /// Referenced PatchSet (type `PatchSet`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patch_set_name: Option<String>,
    /// Transforms applied in order to the value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transforms: Vec<Transform>,
    /// Patch policy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PatchPolicy>,
}

/// Reads an optional field path where `""` means absent.
fn optional_path<'de, D: Deserializer<'de>>(d: D) -> Result<Option<FieldPath>, D::Error> {
    let s: Option<String> = Option::deserialize(d)?;
    match s {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => FieldPath::parse(&s)
            .map(Some)
            .map_err(|e| serde::de::Error::custom(format_args!("invalid field path {s:?}: {e}"))),
    }
}

/// The result of applying a patch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchOutcome {
    /// The destination was written.
    Applied,
    /// The source field (or a combine variable) does not exist; nothing was written.
    MissingSource {
        /// The missing field path.
        path: String,
    },
}

impl Patch {
    /// The source field path of a non-combine patch.
    pub fn from_path(&self) -> Option<&FieldPath> {
        self.from_field_path.as_ref()
    }

    /// The destination: `toFieldPath`, or `fromFieldPath` for non-combine patches.
    pub fn to_path(&self) -> Option<&FieldPath> {
        match &self.to_field_path {
            Some(p) => Some(p),
            None if !self.kind.is_combine() => self.from_field_path.as_ref(),
            None => None,
        }
    }

    /// The missing-source policy (default `Optional`).
    pub fn from_policy(&self) -> FromFieldPathPolicy {
        self.policy
            .and_then(|p| p.from_field_path)
            .unwrap_or_default()
    }

    /// The merge policy (`toFieldPath` policy, else legacy merge options, else `Replace`).
    pub fn merge_policy(&self) -> MergePolicy {
        let Some(policy) = self.policy else {
            return MergePolicy::Replace;
        };
        if let Some(p) = policy.to_field_path {
            return p;
        }
        match policy.merge_options {
            None => MergePolicy::Replace,
            Some(mo) => match (
                mo.keep_map_values.unwrap_or(false),
                mo.append_slice.unwrap_or(false),
            ) {
                (true, true) => MergePolicy::MergeObjectsAppendArrays,
                (true, false) => MergePolicy::MergeObjects,
                (false, true) => MergePolicy::ForceMergeObjectsAppendArrays,
                (false, false) => MergePolicy::ForceMergeObjects,
            },
        }
    }

    /// Checks the patch; paths are relative to it (e.g. `transforms[0].math.multiply`).
    pub fn validate(&self) -> Result<(), ValidationError> {
        let kind = self.kind;
        let required =
            |field: &str| ValidationError::new(field, format!("required by patch type {kind}"));
        match kind {
            PatchType::PatchSet => {
                if self
                    .patch_set_name
                    .as_deref()
                    .unwrap_or_default()
                    .is_empty()
                {
                    return Err(required("patchSetName"));
                }
            }
            k if k.is_combine() => {
                let Some(combine) = &self.combine else {
                    return Err(required("combine"));
                };
                if combine.variables.is_empty() {
                    return Err(ValidationError::new(
                        "combine.variables",
                        "at least one variable is required",
                    ));
                }
                for (i, v) in combine.variables.iter().enumerate() {
                    if v.from_field_path.is_empty() {
                        return Err(ValidationError::new(
                            format!("combine.variables[{i}].fromFieldPath"),
                            "required",
                        ));
                    }
                }
                match combine.strategy {
                    CombineStrategy::String if combine.string.is_none() => {
                        return Err(ValidationError::new(
                            "combine.string",
                            "required by combine strategy string",
                        ));
                    }
                    CombineStrategy::String => {}
                }
                if self.to_field_path.is_none() {
                    return Err(required("toFieldPath"));
                }
            }
            _ => {
                if self.from_field_path.is_none() {
                    return Err(required("fromFieldPath"));
                }
            }
        }
        validate_transforms(&self.transforms)
    }

    /// Reads the source from `from`, transforms it and writes it into `to`.
    pub fn apply(&self, from: &Value, to: &mut Value) -> Result<PatchOutcome, PatchError> {
        let value = if self.kind.is_combine() {
            let combine = self.combine.as_ref().ok_or_else(|| {
                PatchError::Invalid(format!("combine is required by patch type {}", self.kind))
            })?;
            let mut args = Vec::with_capacity(combine.variables.len());
            for v in &combine.variables {
                match v.from_field_path.get(from) {
                    Some(value) => args.push(value),
                    None => {
                        return Ok(PatchOutcome::MissingSource {
                            path: v.from_field_path.to_string(),
                        });
                    }
                }
            }
            let combined = match (combine.strategy, &combine.string) {
                (CombineStrategy::String, Some(s)) => Value::String(s.fmt.format(&args)),
                (CombineStrategy::String, None) => {
                    return Err(PatchError::Invalid(
                        "given combine strategy string requires configuration".into(),
                    ));
                }
            };
            apply_transforms(&self.transforms, &combined)?
        } else {
            let path = self.from_path().ok_or_else(|| {
                PatchError::Invalid(format!(
                    "fromFieldPath is required by patch type {}",
                    self.kind
                ))
            })?;
            match path.get(from) {
                Some(v) => apply_transforms(&self.transforms, v)?,
                None => {
                    return Ok(PatchOutcome::MissingSource {
                        path: path.to_string(),
                    });
                }
            }
        };
        let to_path = self.to_path().ok_or_else(|| {
            PatchError::Invalid(format!(
                "toFieldPath is required by patch type {}",
                self.kind
            ))
        })?;
        to_path.set_with(to, value, self.merge_policy())?;
        Ok(PatchOutcome::Applied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(v: Value) -> Patch {
        let p: Patch = serde_json::from_value(v).unwrap();
        p.validate().unwrap();
        p
    }

    #[test]
    fn type_defaults_and_names() {
        let p = patch(json!({"fromFieldPath": "spec.size"}));
        assert_eq!(p.kind, PatchType::FromCompositeFieldPath);
        assert_eq!(p.to_path().unwrap().to_string(), "spec.size");
        let p = patch(json!({"type": null, "fromFieldPath": "a", "toFieldPath": ""}));
        assert_eq!(p.kind, PatchType::FromCompositeFieldPath);
        let p = patch(json!({"type": "", "fromFieldPath": "a", "toFieldPath": ""}));
        assert_eq!(p.kind, PatchType::FromCompositeFieldPath);
        assert_eq!(p.to_path().unwrap().to_string(), "a");
        let err = serde_json::from_value::<Patch>(json!({"type": "FromNowhere"})).unwrap_err();
        assert_eq!(err.to_string(), "unknown patch type \"FromNowhere\"");
        for t in PatchType::ALL {
            let back: PatchType = serde_json::from_value(json!(t.as_str())).unwrap();
            assert_eq!(back, t);
        }
    }

    #[test]
    fn field_path_patch_with_transforms() {
        let p = patch(json!({
            "fromFieldPath": "spec.size",
            "toFieldPath": "spec.forProvider.instanceClass",
            "transforms": [{"type": "map", "map": {"small": "db.t3.small"}}]
        }));
        let mut to = json!({"spec": {}});
        assert_eq!(
            p.apply(&json!({"spec": {"size": "small"}}), &mut to)
                .unwrap(),
            PatchOutcome::Applied
        );
        assert_eq!(
            to,
            json!({"spec": {"forProvider": {"instanceClass": "db.t3.small"}}})
        );
        assert_eq!(
            p.apply(&json!({"spec": {}}), &mut to).unwrap(),
            PatchOutcome::MissingSource {
                path: "spec.size".into()
            }
        );
        assert_eq!(
            p.apply(&json!({"spec": {"size": "large"}}), &mut to)
                .unwrap_err()
                .to_string(),
            "transform at index 0 returned error: map transform could not resolve: key large is not found in map"
        );
    }

    #[test]
    fn combine_patch() {
        let p = patch(json!({
            "type": "CombineFromComposite",
            "combine": {
                "variables": [{"fromFieldPath": "spec.region"}, {"fromFieldPath": "spec.size"}],
                "strategy": "string",
                "string": {"fmt": "%s-%d"}
            },
            "toFieldPath": "metadata.labels.tier"
        }));
        let mut to = json!({});
        p.apply(&json!({"spec": {"region": "eu", "size": 20}}), &mut to)
            .unwrap();
        assert_eq!(to, json!({"metadata": {"labels": {"tier": "eu-20"}}}));
        let mut untouched = json!({});
        assert_eq!(
            p.apply(&json!({"spec": {"region": "eu"}}), &mut untouched)
                .unwrap(),
            PatchOutcome::MissingSource {
                path: "spec.size".into()
            }
        );
        assert_eq!(untouched, json!({}));
    }

    #[test]
    fn policies() {
        let p = patch(
            json!({"fromFieldPath": "a", "policy": {"fromFieldPath": "Required", "toFieldPath": "MergeObjects"}}),
        );
        assert_eq!(p.from_policy(), FromFieldPathPolicy::Required);
        assert_eq!(p.merge_policy(), MergePolicy::MergeObjects);
        let mut to = json!({"a": {"x": 1, "y": 1}});
        p.apply(&json!({"a": {"y": 2, "z": 3}}), &mut to).unwrap();
        assert_eq!(to, json!({"a": {"x": 1, "y": 1, "z": 3}}));
        let legacy = patch(
            json!({"fromFieldPath": "a", "policy": {"mergeOptions": {"keepMapValues": true, "appendSlice": true}}}),
        );
        assert_eq!(legacy.merge_policy(), MergePolicy::MergeObjectsAppendArrays);
        assert_eq!(
            patch(json!({"fromFieldPath": "a", "policy": {"mergeOptions": {}}})).merge_policy(),
            MergePolicy::ForceMergeObjects
        );
        assert_eq!(
            patch(json!({"fromFieldPath": "a"})).merge_policy(),
            MergePolicy::Replace
        );
        assert_eq!(
            patch(json!({"fromFieldPath": "a"})).from_policy(),
            FromFieldPathPolicy::Optional
        );
    }

    #[test]
    fn wildcard_destination() {
        let p = patch(json!({"fromFieldPath": "spec.zone", "toFieldPath": "spec.subnets[*].zone"}));
        let mut to = json!({"spec": {"subnets": [{"cidr": "a"}, {"cidr": "b"}]}});
        p.apply(&json!({"spec": {"zone": "z1"}}), &mut to).unwrap();
        assert_eq!(
            to["spec"]["subnets"],
            json!([{"cidr": "a", "zone": "z1"}, {"cidr": "b", "zone": "z1"}])
        );
        let mut empty = json!({"spec": {"subnets": []}});
        assert_eq!(
            p.apply(&json!({"spec": {"zone": "z1"}}), &mut empty)
                .unwrap_err()
                .to_string(),
            "cannot patch to object: cannot expand ToFieldPath spec.subnets[*].zone"
        );
    }

    #[test]
    fn validation_messages() {
        let cases = [
            (
                json!({"type": "ToCompositeFieldPath"}),
                "fromFieldPath: required by patch type ToCompositeFieldPath",
            ),
            (
                json!({"type": "PatchSet"}),
                "patchSetName: required by patch type PatchSet",
            ),
            (
                json!({"type": "CombineToComposite", "toFieldPath": "a"}),
                "combine: required by patch type CombineToComposite",
            ),
            (
                json!({"type": "CombineToComposite", "toFieldPath": "a", "combine": {"variables": [], "strategy": "string", "string": {"fmt": "%s"}}}),
                "combine.variables: at least one variable is required",
            ),
            (
                json!({"type": "CombineToComposite", "toFieldPath": "a", "combine": {"variables": [{"fromFieldPath": "b"}], "strategy": "string"}}),
                "combine.string: required by combine strategy string",
            ),
            (
                json!({"type": "CombineToComposite", "combine": {"variables": [{"fromFieldPath": "b"}], "strategy": "string", "string": {"fmt": "%s"}}}),
                "toFieldPath: required by patch type CombineToComposite",
            ),
            (
                json!({"fromFieldPath": "a", "transforms": [{"type": "math", "math": {"type": "Multiply"}}]}),
                "transforms[0].math.multiply: required by math transform type Multiply",
            ),
        ];
        for (v, want) in cases {
            let p: Patch = serde_json::from_value(v.clone()).unwrap();
            assert_eq!(p.validate().unwrap_err().to_string(), want, "{v}");
        }
        let bad_path = serde_json::from_value::<Patch>(json!({"fromFieldPath": "metadata..name"}))
            .unwrap_err();
        assert_eq!(
            bad_path.to_string(),
            "invalid field path \"metadata..name\": unexpected '.' at position 9"
        );
    }
}
