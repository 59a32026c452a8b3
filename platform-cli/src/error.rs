//! Errors of the command-line tool, each one readable paragraph.

use std::path::PathBuf;

use platform_core::engine::EngineError;
use platform_core::kinds::RegistryError;
use platform_core::load::Diagnostic;
use platform_core::model::ObjectRef;
use platform_core::store::StoreError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The config file has problems; each is located.
    #[error("invalid config:\n{}", lines(.0))]
    Config(Vec<Diagnostic>),
    /// Input files have problems; each is located.
    #[error("invalid input:\n{}", lines(.0))]
    Input(Vec<Diagnostic>),
    /// Rendering a composite failed.
    #[error("cannot render: {0}")]
    Render(String),
    /// A kind could not be registered or found.
    #[error(transparent)]
    Registry(#[from] RegistryError),
    /// Output could not be written or encoded.
    #[error("cannot write output: {0}")]
    Output(String),
    /// The command was asked for something that cannot be done as asked.
    #[error("{message}")]
    Usage {
        /// What is wrong.
        message: String,
        /// What to do about it.
        hint: Option<String>,
    },
    /// The state file cannot be opened.
    #[error("cannot open the state file {}", path.display())]
    State {
        /// The state file.
        path: PathBuf,
        /// Why.
        #[source]
        source: Box<StoreError>,
    },
    /// No object of that kind and name is in the namespace asked for.
    #[error("{object} not found")]
    NotFound {
        /// The object asked for.
        object: Box<ObjectRef>,
        /// Other namespaces that hold an object of that kind and name.
        elsewhere: Vec<String>,
    },
    /// The delete was not confirmed at the terminal's prompt.
    #[error("delete cancelled; nothing was deleted")]
    Cancelled,
    /// The engine refused or failed an operation.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The state store failed.
    #[error("state store: {0}")]
    Store(#[from] StoreError),
    /// A template could not be read, answered, rendered, written or upgraded.
    #[error(transparent)]
    Template(#[from] platform_template::TemplateError),
}

impl CliError {
    /// A hint for the user, when one helps.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::Usage { hint, .. } => hint.clone(),
            CliError::Registry(_) => Some("`platformctl kinds` lists the known kinds".into()),
            CliError::NotFound { elsewhere, .. } => Some(match elsewhere.as_slice() {
                [] => "`platformctl get -A` lists what is applied".into(),
                [namespace] => format!("it exists in namespace {namespace}: add `-n {namespace}`"),
                several => format!(
                    "it exists in namespaces {}: add `-n NAMESPACE`",
                    several.join(", ")
                ),
            }),
            CliError::Engine(EngineError::NotFound(_)) => {
                Some("`platformctl get -A` lists what is applied".into())
            }
            CliError::Engine(EngineError::Selection { .. }) => {
                Some("check the environment (`--env`) and the config's `compositions`".into())
            }
            CliError::Template(platform_template::TemplateError::MissingAnswers(_)) => Some(
                "answer on a terminal, or pass --data KEY=VALUE (or --data-file) for each".into(),
            ),
            _ => None,
        }
    }
}

fn lines(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The error with its cause chain (`: cause: cause`) and its hint on a last line.
pub fn paragraph(err: &CliError) -> String {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    if let Some(hint) = err.hint() {
        text.push_str("\nhint: ");
        text.push_str(&hint);
    }
    text
}
