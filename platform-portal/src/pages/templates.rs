//! `/templates`: the golden paths, each a form of its questions; POST creates the
//! repository and registers its component. Also the fleet view.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use minijinja::value::Serde;
use platform_template::TemplateConfig;
use serde::Serialize;
use serde_json::{Map, Value};

use super::{Chrome, authorize_write, render, writes_refused};
use crate::data::fleet::fleet;
use crate::data::scaffold::{ScaffoldError, scaffold};
use crate::error::PortalError;
use crate::handles::GoldenPath;
use crate::state::PortalState;

/// The most questions a form may answer; a longer form is refused.
const MAX_FIELDS: usize = 200;

/// One question as the form shows it.
#[derive(Debug, Serialize)]
struct Field {
    name: String,
    #[serde(rename = "type")]
    type_: &'static str,
    help: Option<String>,
    choices: Vec<(String, String)>,
    value: String,
    secret: bool,
    required: bool,
}

#[derive(Debug, Serialize)]
struct ChoiceView {
    label: String,
    value: String,
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The questions of a template with what the form shows in them: the answer given, else
/// the default (a default that is a template is left empty: it is computed on create).
fn fields(config: &TemplateConfig, given: &BTreeMap<String, String>) -> Vec<Field> {
    config
        .questions
        .iter()
        .filter(|q| q.when != Some(Value::Bool(false)))
        .map(|q| {
            let default = q.default.as_ref().map(text).unwrap_or_default();
            let default = if default.contains("{{") || default.contains("{%") {
                String::new()
            } else {
                default
            };
            Field {
                name: q.name.clone(),
                type_: q.kind.name(),
                help: q.help.clone(),
                choices: q
                    .choices
                    .iter()
                    .map(|c| (c.label.clone(), text(&c.value)))
                    .collect(),
                value: given.get(&q.name).cloned().unwrap_or(default),
                secret: q.secret,
                required: q.default.is_none(),
            }
        })
        .collect()
}

fn find<'a>(state: &'a PortalState, name: &str) -> Result<&'a GoldenPath, PortalError> {
    state
        .handles
        .templates
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| PortalError::NotFound(format!("no golden path named {name:?}")))
}

/// The golden paths and the fleet.
pub async fn list(
    State(state): State<PortalState>,
    chrome: Chrome,
) -> Result<Html<String>, PortalError> {
    let view = state.catalog().await?;
    let templates: Vec<_> = state
        .handles
        .templates
        .iter()
        .map(|t| minijinja::context! { name => t.name.clone(), latest => t.latest.clone() })
        .collect();
    render(
        &state,
        &chrome,
        "templates.html",
        "Golden paths",
        minijinja::context! {
            templates => templates,
            fleet => Serde(fleet(&view, &state.handles.templates)),
        },
    )
}

fn form_page(
    state: &PortalState,
    chrome: &Chrome,
    template: &GoldenPath,
    given: &BTreeMap<String, String>,
    errors: &[String],
) -> Result<Html<String>, PortalError> {
    let config = TemplateConfig::from_template(&template.files)
        .map_err(|e| PortalError::BadRequest(format!("template {}: {e}", template.name)))?;
    let questions: Vec<_> = fields(&config, given)
        .into_iter()
        .map(|f| {
            let choices: Vec<ChoiceView> = f
                .choices
                .iter()
                .map(|(label, value)| ChoiceView {
                    label: label.clone(),
                    value: value.clone(),
                })
                .collect();
            minijinja::context! {
                name => f.name, kind => f.type_, help => f.help, choices => Serde(&choices),
                value => f.value, secret => f.secret, required => f.required,
            }
        })
        .collect();
    let why_not = writes_refused(state).or_else(|| {
        state
            .settings
            .scaffold_root
            .is_none()
            .then(|| "the portal has no folder to scaffold into".to_owned())
    });
    render(
        state,
        chrome,
        "template.html",
        &format!("New from {}", template.name),
        minijinja::context! {
            name => template.name.clone(),
            questions => questions,
            errors => Serde(errors),
            writable => why_not.is_none(),
            why_not => why_not,
        },
    )
}

/// The form of one golden path.
pub async fn form(
    State(state): State<PortalState>,
    chrome: Chrome,
    Path(name): Path<String>,
) -> Result<Html<String>, PortalError> {
    let template = find(&state, &name)?;
    form_page(&state, &chrome, template, &BTreeMap::new(), &[])
}

/// Create: checks the token and CSRF token, validates the answers as `platformctl new`
/// does, scaffolds and registers; the form again with every error otherwise (422).
pub async fn create(
    State(state): State<PortalState>,
    chrome: Chrome,
    headers: HeaderMap,
    Path(name): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PortalError> {
    if fields.len() > MAX_FIELDS {
        return Err(PortalError::BadRequest(format!(
            "the form has {} fields, more than {MAX_FIELDS}",
            fields.len()
        )));
    }
    let field = |key: &str| {
        fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    authorize_write(&state, &headers, &chrome, field("csrf"), field("token"))?;
    let template = find(&state, &name)?;
    let Some(root) = state.settings.scaffold_root.clone() else {
        return Err(PortalError::Forbidden(
            "the portal has no folder to scaffold into".into(),
        ));
    };
    let config = TemplateConfig::from_template(&template.files)
        .map_err(|e| PortalError::BadRequest(format!("template {}: {e}", template.name)))?;
    let given: BTreeMap<String, String> = fields
        .iter()
        .filter(|(k, v)| config.question(k).is_some() && !v.is_empty())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let answers: Map<String, Value> = given
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let _one_at_a_time = state.scaffolding.lock().await;
    match scaffold(&state.handles, template, &root, &answers).await {
        Ok(created) => {
            let registered: Vec<_> = created
                .registered
                .iter()
                .map(|r| {
                    minijinja::context! {
                        reference => r.to_string(), kind => r.kind.clone(), namespace => r.namespace.clone(), name => r.name.clone(),
                    }
                })
                .collect();
            let page = render(
                &state,
                &chrome,
                "created.html",
                "Created",
                minijinja::context! {
                    written => created.written,
                    dest => created.dest.display().to_string(),
                    registered => registered,
                },
            )?;
            Ok((StatusCode::CREATED, page).into_response())
        }
        Err(ScaffoldError::Invalid(errors)) => {
            let page = form_page(&state, &chrome, template, &given, &errors)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(ScaffoldError::Failed(e)) => Err(e),
    }
}
