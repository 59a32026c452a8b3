//! Intent in platformctl: the offerings a command chooses from (the config's `offerings`,
//! else the example offerings, plus any among the `-f` inputs) and the resolution of the
//! claims' intents that plan and apply share.

use platform_core::admit::intent::{
    IntentNote, IntentResolver, Offering, example_offerings, offerings_from_documents,
};
use platform_core::load::{Document, Loader};
use platform_core::model::DynamicObject;
use platform_core::validate::Checked;

use crate::config::Config;
use crate::error::CliError;

/// The offerings of the config (the example ones when it lists none) and of the inputs.
pub fn offerings(config: &Config, inputs: &[Document]) -> Result<Vec<Offering>, CliError> {
    let mut documents = Vec::new();
    let mut problems = Vec::new();
    if !config.offerings.is_empty() {
        let loaded = Loader::new().load_paths(&config.offerings);
        problems.extend(loaded.diagnostics);
        for doc in loaded.documents {
            if doc.top_str("kind") == Some(platform_core::admit::intent::OFFERING_KIND) {
                documents.push(doc);
            } else {
                problems.push(platform_core::load::Diagnostic::new(
                    doc.file.clone(),
                    doc.root.location,
                    "kind",
                    "expected an Offering in a file the config lists under offerings",
                ));
            }
        }
    }
    documents.extend(inputs.iter().cloned());
    if !problems.is_empty() {
        return Err(CliError::Config(problems));
    }
    let mut offerings = if config.offerings.is_empty() {
        example_offerings()
    } else {
        Vec::new()
    };
    let mut read = offerings_from_documents(&documents).map_err(CliError::Input)?;
    // An input offering of an example's name replaces the example.
    offerings.retain(|o| !read.iter().any(|r| r.name == o.name));
    offerings.append(&mut read);
    Ok(offerings)
}

/// Resolves the intents of `checked` against the offerings, keeping each stored claim's
/// offering while it satisfies (unless `reoptimize`); prints what was chosen on stderr.
pub fn resolve(
    offerings: &[Offering],
    environment: &str,
    reoptimize: bool,
    checked: Vec<Checked>,
    stored: &[DynamicObject],
) -> Result<Vec<Checked>, CliError> {
    let (resolved, notes) = IntentResolver::new(offerings, environment, reoptimize)
        .resolve(checked, stored)
        .map_err(|problems| CliError::Usage {
            message: format!("no offering serves these intents:\n{}", problems.join("\n")),
            hint: Some(
                "`platformctl explain -f FILE` shows every candidate with each need it fails"
                    .into(),
            ),
        })?;
    print_notes(&notes);
    Ok(resolved)
}

/// One line per resolved intent: the offering, its price and why.
fn print_notes(notes: &[IntentNote]) {
    for note in notes {
        eprintln!(
            "offering: {} -> {} ({:.2} a month): {}",
            note.claim, note.offering, note.monthly_price, note.explanation
        );
    }
}
