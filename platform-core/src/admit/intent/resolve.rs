//! Resolving the intents of checked claims before they are planned or applied: the chosen
//! offering's `sets` become spec fields, and the claim is annotated with the offering and its
//! price (which cost estimates and budgets use).

use serde_json::Value;

use super::choose::{Choice, Reason, choose};
use super::offering::Offering;
use crate::kinds::Intent;
use crate::model::{DynamicObject, Resource};
use crate::validate::Checked;

/// The annotation naming the offering chosen for a claim's intent.
pub const OFFERING_ANNOTATION: &str = "platform.dev/offering";

/// The annotation holding the chosen offering's monthly price, such as `"410.00"`.
pub const OFFERING_PRICE_ANNOTATION: &str = "platform.dev/offering-price";

/// The needs a claim's `spec.intent` states, when it has one.
pub fn intent_needs(
    object: &DynamicObject,
) -> Option<Result<Vec<(crate::kinds::Need, f64)>, String>> {
    let intent = object.spec.get("intent")?;
    Some(
        serde_json::from_value::<Intent>(intent.clone())
            .map(|i| i.needs())
            .map_err(|e| format!("spec.intent: {e}")),
    )
}

/// Chooses offerings for claims' intents in one environment.
#[derive(Debug, Clone, Copy)]
pub struct IntentResolver<'o> {
    offerings: &'o [Offering],
    environment: &'o str,
    reoptimize: bool,
}

/// What resolving one claim's intent decided, for people to read.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentNote {
    /// `KIND/NAMESPACE/NAME` of the claim.
    pub claim: String,
    /// The chosen offering.
    pub offering: String,
    /// Its monthly price.
    pub monthly_price: f64,
    /// Why it was chosen, naming a cheaper one that is not moved to.
    pub explanation: String,
    /// Whether a cheaper feasible offering exists (the claim stays; `--reoptimize` moves it).
    pub cheaper_exists: bool,
}

impl<'o> IntentResolver<'o> {
    /// A resolver over `offerings` for `environment`; with `reoptimize` the current offering
    /// of a claim is not kept just because it still satisfies the intent.
    pub fn new(offerings: &'o [Offering], environment: &'o str, reoptimize: bool) -> Self {
        IntentResolver {
            offerings,
            environment,
            reoptimize,
        }
    }

    /// The decision for one claim; `None` when it states no intent. `stored` is the claim as
    /// stored, whose offering is kept while it still satisfies the intent.
    pub fn decide(
        &self,
        object: &DynamicObject,
        stored: Option<&DynamicObject>,
    ) -> Option<Result<Choice<'o>, String>> {
        let needs = match intent_needs(object)? {
            Ok(needs) => needs,
            Err(e) => return Some(Err(e)),
        };
        let engine = object.spec.get("engine").and_then(Value::as_str);
        let current = if self.reoptimize {
            None
        } else {
            stored.and_then(|s| s.metadata.annotations.get(OFFERING_ANNOTATION))
        };
        let serving = self
            .offerings
            .iter()
            .filter(|o| o.serves(&object.kind, engine, self.environment));
        Some(Ok(choose(&needs, serving, current.map(String::as_str))))
    }

    /// Resolves every claim with an intent: the chosen offering's fields are set and the
    /// claim annotated. Every claim no offering can serve is reported, located at its origin.
    pub fn resolve(
        &self,
        checked: Vec<Checked>,
        stored: &[DynamicObject],
    ) -> Result<(Vec<Checked>, Vec<IntentNote>), Vec<String>> {
        let mut out = Vec::with_capacity(checked.len());
        let mut notes = Vec::new();
        let mut problems = Vec::new();
        for item in checked {
            let (mut object, origin) = item.into_parts();
            let key = object.object_ref();
            let previous = stored.iter().find(|s| s.object_ref() == key);
            let claim = format!("{}/{}/{}", object.kind, key.namespace, key.name);
            let at = origin.clone().unwrap_or_else(|| claim.clone());
            // A requested claim is made by the engine from the Application, after this step:
            // its intent could not be resolved, and is refused rather than silently ignored.
            if let Some(requests) = object.spec.get("resources").and_then(Value::as_object) {
                for (name, request) in requests {
                    if request.pointer("/spec/intent").is_some() {
                        problems.push(format!(
                            "{at}: spec.resources.{name}.spec.intent: {claim} requests a claim with an intent, which is resolved only on claims written on their own; state a size here or write the claim as its own document"
                        ));
                    }
                }
            }
            match self.decide(&object, previous) {
                None => {}
                Some(Err(e)) => problems.push(format!("{at}: {e}")),
                Some(Ok(choice)) => match choice.chosen {
                    Some(offering) => {
                        if let Some(spec) = object.spec.as_object_mut() {
                            for (field, value) in &offering.sets {
                                spec.insert(field.clone(), value.clone());
                            }
                        }
                        object
                            .metadata
                            .annotations
                            .insert(OFFERING_ANNOTATION.to_owned(), offering.name.clone());
                        object.metadata.annotations.insert(
                            OFFERING_PRICE_ANNOTATION.to_owned(),
                            format!("{:.2}", offering.monthly_price),
                        );
                        notes.push(IntentNote {
                            claim,
                            offering: offering.name.clone(),
                            monthly_price: offering.monthly_price,
                            explanation: choice.explanation(),
                            cheaper_exists: choice.reason == Reason::Kept
                                && choice.cheaper.is_some(),
                        });
                    }
                    None => problems.push(format!(
                        "{at}: spec.intent: {claim}: {}",
                        choice.explanation()
                    )),
                },
            }
            out.push(Checked::new(object, origin));
        }
        if problems.is_empty() {
            Ok((out, notes))
        } else {
            Err(problems)
        }
    }
}
