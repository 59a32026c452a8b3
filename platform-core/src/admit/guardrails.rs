//! Guardrails: the [`AdmissionHook`] that runs defaults, validations, exceptions and budgets.

use async_trait::async_trait;
use std::path::Path;
use std::sync::Arc;

use super::budget::{Budget, check_budgets};
use super::builtin::GuardrailSettings;
use super::cost::{PriceList, owner_of};
use super::exception::{ExceptionClaim, ExceptionRecord, exception_annotation};
use super::header::GUARDRAILS_API_VERSION;
use super::policy::{DeclarativePolicy, Mode, Policy, PolicyInput};
use super::{
    AdmissionContext, AdmissionHook, AdmissionOutcome, AdmissionRequest, Denial, Operation,
};
use crate::load::{Diagnostic, Document, Loader};
use crate::model::{ObjectRef, Resource};
use crate::store::{Event, EventType};

/// The label that names an object's owner unless the engine is told otherwise.
pub const DEFAULT_OWNER_LABEL: &str = "platform.dev/owner";

/// Reason of the events recorded by Audit-mode policies.
pub const AUDIT_EVENT_REASON: &str = "PolicyAudit";

/// Why policies, prices or budgets could not be added.
#[derive(Debug, thiserror::Error)]
pub enum GuardrailError {
    /// Located problems in policy, price list or budget files.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Invalid(Vec<Diagnostic>),
    /// Two policies share a name.
    #[error("policy {0:?} is defined twice: policy names must be unique")]
    DuplicatePolicy(String),
    /// Two budgets limit the same owner.
    #[error("owner {owner:?} has two budgets, {first:?} and {second:?}: keep one")]
    DuplicateBudget {
        /// The owner.
        owner: String,
        /// The budget already added.
        first: String,
        /// The budget refused.
        second: String,
    },
    /// Guardrail settings that cannot work.
    #[error("{0}")]
    Settings(String),
}

/// Admission by policies, guardrails, prices and budgets.
#[derive(Clone)]
pub struct Guardrails {
    policies: Vec<Arc<dyn Policy>>,
    prices: PriceList,
    prices_from: Option<String>,
    budgets: Vec<Budget>,
    owner_label: String,
}

impl std::fmt::Debug for Guardrails {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guardrails")
            .field(
                "policies",
                &self.policies.iter().map(|p| p.name()).collect::<Vec<_>>(),
            )
            .field("prices", &self.prices.name())
            .field("budgets", &self.budgets)
            .field("owner_label", &self.owner_label)
            .finish()
    }
}

impl Default for Guardrails {
    fn default() -> Self {
        Guardrails::new()
    }
}

impl Guardrails {
    /// An engine with no policy or budget, the example prices and the default owner label.
    pub fn new() -> Self {
        Guardrails {
            policies: Vec::new(),
            prices: PriceList::example(),
            prices_from: None,
            budgets: Vec::new(),
            owner_label: DEFAULT_OWNER_LABEL.to_owned(),
        }
    }

    /// Uses another label key to find owners (budgets, exception counts).
    pub fn with_owner_label(mut self, label: impl Into<String>) -> Self {
        self.owner_label = label.into();
        self
    }

    /// The label key that names owners.
    pub fn owner_label(&self) -> &str {
        &self.owner_label
    }

    /// The policies, in the order they run.
    pub fn policies(&self) -> &[Arc<dyn Policy>] {
        &self.policies
    }

    /// The price list in use.
    pub fn price_list(&self) -> &PriceList {
        &self.prices
    }

    /// The budgets.
    pub fn budgets(&self) -> &[Budget] {
        &self.budgets
    }

    /// Adds a policy; names must be unique.
    pub fn add_policy(&mut self, policy: Arc<dyn Policy>) -> Result<(), GuardrailError> {
        if self.policies.iter().any(|p| p.name() == policy.name()) {
            return Err(GuardrailError::DuplicatePolicy(policy.name().to_owned()));
        }
        self.policies.push(policy);
        Ok(())
    }

    /// Switches on the ready guardrails of the settings.
    pub fn add_guardrails(&mut self, settings: &GuardrailSettings) -> Result<(), GuardrailError> {
        for policy in settings.policies().map_err(GuardrailError::Settings)? {
            self.add_policy(policy)?;
        }
        Ok(())
    }

    /// Replaces the price list.
    pub fn set_price_list(&mut self, prices: PriceList) {
        self.prices = prices;
    }

    /// Adds a budget; one per owner.
    pub fn add_budget(&mut self, budget: Budget) -> Result<(), GuardrailError> {
        if let Some(first) = self.budgets.iter().find(|b| b.owner == budget.owner) {
            return Err(GuardrailError::DuplicateBudget {
                owner: budget.owner,
                first: first.name.clone(),
                second: budget.name,
            });
        }
        self.budgets.push(budget);
        Ok(())
    }

    /// Reads Policy, PriceList and Budget documents from files or folders (a config's `policies`).
    pub fn load_paths<P: AsRef<Path>>(&mut self, paths: &[P]) -> Result<(), GuardrailError> {
        let loaded = Loader::new().load_paths(paths);
        let mut problems = loaded.diagnostics;
        match self.add_documents(&loaded.documents) {
            Ok(()) => {}
            Err(GuardrailError::Invalid(more)) => problems.extend(more),
            Err(other) => return Err(other),
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(GuardrailError::Invalid(problems))
        }
    }

    /// Adds Policy, PriceList and Budget documents; nothing is added unless all of them are valid.
    pub fn add_documents(&mut self, documents: &[Document]) -> Result<(), GuardrailError> {
        let mut problems = Vec::new();
        let mut next = self.clone();
        for doc in documents {
            let kind = doc.top_str("kind").unwrap_or("");
            let located = |field: &str, message: String| {
                let at = doc
                    .root
                    .get(field)
                    .map_or(doc.root.location, |n| n.location);
                Diagnostic::new(doc.file.clone(), at, field, message)
            };
            match kind {
                "Policy" => match DeclarativePolicy::from_document(doc) {
                    Ok(policy) => {
                        if let Err(e) = next.add_policy(Arc::new(policy)) {
                            problems.push(located("metadata", e.to_string()));
                        }
                    }
                    Err(found) => problems.extend(found),
                },
                "PriceList" => match PriceList::from_document(doc) {
                    Ok(prices) => {
                        if let Some(first) = &next.prices_from {
                            problems.push(located(
                                "kind",
                                format!("expected one PriceList, found a second one (the first is in {first})"),
                            ));
                        }
                        next.prices = prices;
                        next.prices_from = Some(doc.file.to_string());
                    }
                    Err(found) => problems.extend(found),
                },
                "Budget" => match Budget::from_document(doc) {
                    Ok(budget) => {
                        if let Err(e) = next.add_budget(budget) {
                            problems.push(located("spec", e.to_string()));
                        }
                    }
                    Err(found) => problems.extend(found),
                },
                _ => problems.push(located(
                    "kind",
                    format!(
                        "expected a Policy, PriceList or Budget ({GUARDRAILS_API_VERSION}), found {}",
                        if kind.is_empty() { "no kind".to_owned() } else { format!("{kind:?}") }
                    ),
                )),
            }
        }
        if problems.is_empty() {
            *self = next;
            Ok(())
        } else {
            Err(GuardrailError::Invalid(problems))
        }
    }

    /// Admits a request: defaults of every matching policy first, then every validation, then
    /// budgets, claim by claim in request order so that each claim that would push its owner
    /// over a limit is named with its own figures ([`check_budgets`]); every violation of the
    /// request is reported at once.
    pub fn evaluate(
        &self,
        context: &AdmissionContext<'_>,
        mut requests: Vec<AdmissionRequest>,
    ) -> AdmissionOutcome {
        let mut outcome = AdmissionOutcome::default();
        let env = context.environment;
        let env_data = context.environment_data;

        for request in &mut requests {
            if request.operation == Operation::Delete {
                continue;
            }
            let matched: Vec<&Arc<dyn Policy>> = {
                let input = PolicyInput::new(
                    request.operation,
                    &request.object,
                    request.old_object.as_deref(),
                    env,
                    env_data,
                );
                self.policies
                    .iter()
                    .filter(|p| !p.defaults().is_empty() && p.matches(&input))
                    .collect()
            };
            for policy in matched {
                for default in policy.defaults() {
                    if policy.mode() != Mode::Audit {
                        default.apply(&mut request.object);
                    } else if default.applies_to(&request.object) {
                        outcome.events.push(event(
                            request.object.object_ref(),
                            AUDIT_EVENT_REASON,
                            format!("policy {} would set {default}", policy.name()),
                        ));
                    }
                }
            }
        }

        for request in &requests {
            let input = PolicyInput::new(
                request.operation,
                &request.object,
                request.old_object.as_deref(),
                env,
                env_data,
            );
            for policy in &self.policies {
                if !policy.matches(&input) {
                    continue;
                }
                let violations = policy.validate(&input);
                if violations.is_empty() {
                    continue;
                }
                self.report(&mut outcome, request, policy.as_ref(), violations);
            }
        }

        let exceeded = check_budgets(
            &self.budgets,
            &self.prices,
            &self.owner_label,
            context.stored,
            &requests,
        );
        for found in exceeded {
            let origin = requests.get(found.index).and_then(|r| r.origin.clone());
            let policy = format!("budget/{}", found.budget);
            match found.mode {
                Mode::Enforce => outcome.denials.push(Denial {
                    object: found.object,
                    origin,
                    policy,
                    message: found.message,
                }),
                Mode::Warn | Mode::Audit => outcome.warnings.push(located(
                    origin.as_deref(),
                    &found.object,
                    &policy,
                    &found.message,
                )),
            }
        }

        if outcome.denials.is_empty() {
            outcome.admitted = requests.into_iter().map(|r| r.object).collect();
        }
        outcome
    }

    /// Turns the violations of one policy into denials, warnings or events, honouring exceptions.
    fn report(
        &self,
        outcome: &mut AdmissionOutcome,
        request: &AdmissionRequest,
        policy: &dyn Policy,
        violations: Vec<String>,
    ) {
        let object = request.object.object_ref();
        let origin = request.origin.as_deref();
        let name = policy.name();
        let claim = ExceptionClaim::of(&request.object, name);
        let suffix = match (&claim, policy.allows_exceptions()) {
            (ExceptionClaim::Reason(reason), true) => {
                outcome.warnings.push(located(
                    origin,
                    &object,
                    name,
                    &format!(
                        "let through by exception ({reason}): {}",
                        violations.join("; ")
                    ),
                ));
                outcome.events.push(
                    ExceptionRecord {
                        object,
                        policy: name.to_owned(),
                        owner: owner_of(&request.object, &self.owner_label).to_owned(),
                        reason: reason.clone(),
                    }
                    .to_event(),
                );
                return;
            }
            (ExceptionClaim::NoReason, true) => format!(
                " (exception refused: annotation {} needs a reason)",
                exception_annotation(name)
            ),
            (ExceptionClaim::None, _) => String::new(),
            (_, false) => format!(
                " (policy {name} allows no exceptions: annotation {} ignored)",
                exception_annotation(name)
            ),
        };
        for violation in violations {
            let message = format!("{violation}{suffix}");
            match policy.mode() {
                Mode::Enforce => outcome.denials.push(Denial {
                    object: object.clone(),
                    origin: request.origin.clone(),
                    policy: name.to_owned(),
                    message,
                }),
                Mode::Warn => outcome
                    .warnings
                    .push(located(origin, &object, name, &message)),
                Mode::Audit => outcome.events.push(event(
                    object.clone(),
                    AUDIT_EVENT_REASON,
                    format!("policy {name}: {message}"),
                )),
            }
        }
    }
}

fn event(object: ObjectRef, reason: &str, message: String) -> Event {
    Event {
        object,
        type_: EventType::Warning,
        reason: reason.to_owned(),
        message,
        time: crate::model::time::now_rfc3339(),
    }
}

/// `FILE:LINE:COL: Kind ns/name: policy "p": message`, the shape of a denial's text.
fn located(origin: Option<&str>, object: &ObjectRef, policy: &str, message: &str) -> String {
    let prefix = origin.map(|o| format!("{o}: ")).unwrap_or_default();
    format!("{prefix}{object}: policy {policy:?}: {message}")
}

#[async_trait]
impl AdmissionHook for Guardrails {
    async fn admit(
        &self,
        context: &AdmissionContext<'_>,
        requests: Vec<AdmissionRequest>,
    ) -> AdmissionOutcome {
        self.evaluate(context, requests)
    }
}
