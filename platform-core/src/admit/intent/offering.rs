//! `Offering` documents: what a platform team can provide for a claim kind, its capacity,
//! availability and monthly price, and the spec fields it stands for.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::admit::header::read_header;
use crate::kinds::Need;
use crate::load::{Diagnostic, Document, Field, FieldReader};

/// The kind of an offering document.
pub const OFFERING_KIND: &str = "Offering";

/// Bound on any capacity value, so a typo of many digits is an error, not a choice.
const MAX_CAPACITY: f64 = 1e12;

/// One thing a platform team offers for a claim kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Offering {
    /// The offering's name, such as `pg-medium-ha`.
    pub name: String,
    /// The claim kind it serves, such as `DatabaseClaim`.
    pub claim_kind: String,
    /// When set, it serves only claims with this `spec.engine`.
    pub engine: Option<String>,
    /// The environments it exists in; empty means every environment.
    pub environments: Vec<String>,
    /// Capacity per need (availability is in [`Offering::availability`]).
    pub capacity: BTreeMap<Need, f64>,
    /// Availability in percent, such as 99.95.
    pub availability: Option<f64>,
    /// Monthly price in the price list's currency.
    pub monthly_price: f64,
    /// The spec fields this offering stands for, set on the claim when it is chosen.
    pub sets: Map<String, Value>,
    /// Where it was defined, `FILE:LINE:COL`.
    pub origin: Arc<str>,
}

impl Offering {
    /// What the offering provides for a need, if it says.
    pub fn offered(&self, need: Need) -> Option<f64> {
        match need {
            Need::Availability => self.availability,
            other => self.capacity.get(&other).copied(),
        }
    }

    /// Whether it serves a claim of `kind`, with `engine`, in `environment`.
    pub fn serves(&self, kind: &str, engine: Option<&str>, environment: &str) -> bool {
        self.claim_kind == kind
            && self.engine.as_deref().is_none_or(|e| Some(e) == engine)
            && (self.environments.is_empty() || self.environments.iter().any(|e| e == environment))
    }

    /// Reads an Offering document; every problem is reported, located.
    pub fn from_document(doc: &Document) -> Result<Offering, Vec<Diagnostic>> {
        let mut r = FieldReader::new(doc.file.clone());
        let name = read_header(&mut r, doc, 63).unwrap_or_default();
        let mut offering = Offering {
            name,
            claim_kind: String::new(),
            engine: None,
            environments: Vec::new(),
            capacity: BTreeMap::new(),
            availability: None,
            monthly_price: 0.0,
            sets: Map::new(),
            origin: Arc::from(doc.origin()),
        };
        let Some(spec) = r.required(Field::root(&doc.root).get("spec"), "a mapping") else {
            return Err(r.into_problems());
        };
        let known = [
            "claimKind",
            "engine",
            "environments",
            "capacity",
            "availability",
            "monthlyPrice",
            "sets",
        ];
        if r.mapping(&spec, &known).is_none() {
            return Err(r.into_problems());
        }
        if let Some(kind) = r.required(spec.get("claimKind"), "a claim kind such as DatabaseClaim")
        {
            offering.claim_kind = r.non_empty_string(&kind).unwrap_or_default();
        }
        let engine = spec.get("engine");
        if !engine.is_null() && engine.node().is_some() {
            offering.engine = r.non_empty_string(&engine);
        }
        let environments = spec.get("environments");
        if environments.node().is_some() {
            offering.environments = r.strings(&environments);
        }
        if let Some(capacity) = r.required(spec.get("capacity"), "a mapping of needs to values") {
            for (key, value) in r.entries(&capacity).unwrap_or_default() {
                match Need::from_name(&key.name) {
                    Some(Need::Availability) | None => r.report(
                        key.location,
                        value.path(),
                        format!(
                            "unknown capacity {:?}; expected one of: {}",
                            key.name,
                            Need::ALL[..7]
                                .iter()
                                .map(|n| n.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ),
                    Some(need) => match r.amount(&value) {
                        Some(v) if v <= MAX_CAPACITY => {
                            offering.capacity.insert(need, v);
                        }
                        Some(v) => r.fail(
                            &value,
                            format!("expected at most {MAX_CAPACITY:e}, found {v:e}"),
                        ),
                        None => {}
                    },
                }
            }
        }
        let availability = spec.get("availability");
        if availability.node().is_some()
            && let Some(text) = r.string(&availability)
        {
            match parse_availability(&text) {
                Ok(a) => offering.availability = Some(a),
                Err(message) => r.fail(&availability, message),
            }
        }
        if let Some(price) = r.required(spec.get("monthlyPrice"), "a monthly price") {
            offering.monthly_price = r.amount(&price).unwrap_or_default();
        }
        let sets = spec.get("sets");
        if sets.node().is_some() {
            match sets.to_json() {
                Value::Object(fields) => offering.sets = fields,
                _ => r.expected(
                    &sets,
                    "a mapping of the spec fields the offering stands for",
                ),
            }
        }
        r.finish(offering)
    }
}

/// An availability percentage such as `"99.95"`: a number from 0 to 100.
pub fn parse_availability(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(a) if a.is_finite() && (0.0..=100.0).contains(&a) && !text.starts_with(['+', '-']) => {
            Ok(a)
        }
        _ => Err(format!(
            "expected a percentage from 0 to 100 written as a string such as \"99.9\", found {text:?}"
        )),
    }
}

/// Reads the Offering documents among `documents`; others are left for their own readers.
pub fn offerings_from_documents(documents: &[Document]) -> Result<Vec<Offering>, Vec<Diagnostic>> {
    let mut offerings: Vec<Offering> = Vec::new();
    let mut problems = Vec::new();
    for doc in documents {
        if doc.top_str("kind") != Some(OFFERING_KIND) {
            continue;
        }
        match Offering::from_document(doc) {
            Ok(offering) => {
                if let Some(first) = offerings.iter().find(|o| o.name == offering.name) {
                    problems.push(Diagnostic::new(
                        doc.file.clone(),
                        doc.root.location,
                        "metadata.name",
                        format!(
                            "Offering {} is defined twice; first at {}",
                            offering.name, first.origin
                        ),
                    ));
                } else {
                    offerings.push(offering);
                }
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    if problems.is_empty() {
        Ok(offerings)
    } else {
        Err(problems)
    }
}

/// The example offerings shipped beside the example prices (`cost/example-offerings.yaml`).
pub const EXAMPLE_OFFERINGS: &str = include_str!("../cost/example-offerings.yaml");

/// The example offerings, read.
pub fn example_offerings() -> Vec<Offering> {
    let loaded = crate::load::Loader::new().load_str(
        Arc::from("(bundled) example-offerings.yaml"),
        EXAMPLE_OFFERINGS,
        crate::load::Format::Yaml,
    );
    // A constant of this crate; a test reads it without problems.
    offerings_from_documents(&loaded.documents).unwrap_or_default()
}
