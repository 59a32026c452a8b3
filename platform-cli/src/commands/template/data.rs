//! Answers given on the command line: `--data-file F` then each `--data KEY=VALUE`.

use std::path::Path;

use serde_json::{Map, Value};

use crate::error::CliError;

/// The given answers: the data file's mapping (typed YAML), overridden by each `KEY=VALUE`
/// (text, cast to the question's type later).
pub fn given_answers(
    data: &[String],
    data_file: Option<&Path>,
) -> Result<Map<String, Value>, CliError> {
    let mut given = Map::new();
    if let Some(path) = data_file {
        let text = std::fs::read_to_string(path).map_err(|e| CliError::Usage {
            message: format!("{}: {e}", path.display()),
            hint: None,
        })?;
        let value: Value = serde_saphyr::from_str(&text).map_err(|e| CliError::Usage {
            message: format!("{}: {e}", path.display()),
            hint: Some("the data file is a YAML mapping of question names to answers".into()),
        })?;
        match value {
            Value::Object(map) => given.extend(map),
            Value::Null => {}
            _ => {
                return Err(CliError::Usage {
                    message: format!("{}: expected a mapping of answers", path.display()),
                    hint: None,
                });
            }
        }
    }
    for pair in data {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(CliError::Usage {
                message: format!("--data {pair}: expected KEY=VALUE"),
                hint: None,
            });
        };
        given.insert(key.trim().to_owned(), Value::String(value.to_owned()));
    }
    Ok(given)
}
