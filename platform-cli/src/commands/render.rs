//! `platformctl render XR COMPOSITION [--observed-resources PATH] [--environment-config FILE] [-o yaml|json]`
//!
//! Pure: no store and no provider. The composite's kind need not be registered; it is
//! validated when it is.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use platform_core::compose::{
    ComposeRequest, CompositionLibrary, EnvironmentConfig, LibraryError, ObservedResources,
    composite_view,
};
use platform_core::kinds::KindRegistry;
use platform_core::load::{Diagnostic, Document, Loader};
use platform_core::validate::Validator;

use crate::error::CliError;
use crate::output::OutputFormat;

const RESOURCE_NAME_ANNOTATION: &str = "crossplane.io/composition-resource-name";

/// What `render` reads.
#[derive(Debug)]
pub struct RenderArgs {
    /// The composite (claim) file.
    pub composite: PathBuf,
    /// The Composition file.
    pub composition: PathBuf,
    /// Observed composed resources, matched by their composition-resource-name annotation.
    pub observed: Option<PathBuf>,
    /// An EnvironmentConfig file.
    pub environment: Option<PathBuf>,
    /// Output format.
    pub output: OutputFormat,
}

fn load(path: &Path) -> Result<Vec<Document>, CliError> {
    let loaded = Loader::new().load_paths(&[path]);
    if !loaded.diagnostics.is_empty() {
        return Err(CliError::Input(loaded.diagnostics));
    }
    Ok(loaded.documents)
}

fn one(path: &Path, what: &str) -> Result<Document, CliError> {
    let mut documents = load(path)?;
    if documents.len() != 1 {
        return Err(CliError::Input(vec![Diagnostic::new(
            path.display().to_string().into(),
            documents
                .get(1)
                .map_or(Default::default(), |d| d.root.location),
            "",
            format!(
                "expected exactly one {what} document, found {}",
                documents.len()
            ),
        )]));
    }
    Ok(documents.remove(0))
}

/// Renders the composite through the composition and prints the composite, then each resource.
pub fn run(registry: &KindRegistry, args: RenderArgs) -> Result<ExitCode, CliError> {
    let xr_doc = one(&args.composite, "composite")?;
    let api_version = xr_doc.top_str("apiVersion").unwrap_or_default();
    let kind = xr_doc.top_str("kind").unwrap_or_default();
    if registry.resolve(api_version, kind).is_ok() {
        let report = Validator::new(registry).validate(std::slice::from_ref(&xr_doc));
        if !report.is_ok() {
            return Err(CliError::Input(report.diagnostics));
        }
    }
    // Offline there is no record of how the claim's resources were first named: show the
    // names a new claim gets.
    let composite = composite_view(&xr_doc.root.to_json(), &ObservedResources::new());

    let composition_doc = one(&args.composition, "Composition")?;
    let mut library = CompositionLibrary::new();
    library
        .add_documents(std::slice::from_ref(&composition_doc))
        .map_err(|e| match e {
            LibraryError::Invalid(d) => CliError::Input(d),
            other => CliError::Render(other.to_string()),
        })?;
    let composition = library
        .compositions()
        .first()
        .cloned()
        .ok_or_else(|| CliError::Render("the composition file holds no Composition".into()))?;
    let wanted = composition.composite_type();
    if wanted.api_version != api_version || wanted.kind != kind {
        return Err(CliError::Render(format!(
            "composition {:?} is for {wanted}, but the composite is {api_version} {kind}",
            composition.name()
        )));
    }

    let mut observed = ObservedResources::new();
    if let Some(path) = &args.observed {
        for doc in load(path)? {
            let object = doc.root.to_json();
            match object["metadata"]["annotations"][RESOURCE_NAME_ANNOTATION].as_str() {
                Some(name) => {
                    observed.insert(name.to_owned(), object.clone());
                }
                None => {
                    return Err(CliError::Input(vec![Diagnostic::new(
                        doc.file.clone(),
                        doc.root.location,
                        "metadata.annotations",
                        format!(
                            "expected the annotation {RESOURCE_NAME_ANNOTATION} naming the composed resource"
                        ),
                    )]));
                }
            }
        }
    }
    let environment = match &args.environment {
        Some(path) => {
            let doc = one(path, "EnvironmentConfig")?;
            Some(
                EnvironmentConfig::from_document(&doc)
                    .map_err(|d| CliError::Input(vec![d]))?
                    .data,
            )
        }
        None => None,
    };

    let composed = composition
        .compose(&ComposeRequest {
            composite: &composite,
            observed: &observed,
            environment: environment.as_ref(),
        })
        .map_err(|e| CliError::Render(e.to_string()))?;
    for warning in composed.all_warnings() {
        eprintln!("warning: {warning}");
    }
    let mut documents: Vec<Value> = vec![composed.read_back.composite];
    documents.extend(composed.resources.into_iter().map(|r| r.object));
    crate::output::print_documents(&documents, args.output)?;
    Ok(ExitCode::SUCCESS)
}
