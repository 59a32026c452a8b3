//! Asking questions on a terminal, one line each.

use std::io::{BufRead, Write};

use platform_template::config::{Question, QuestionType};
use platform_template::{AnswerSource, TemplateError};
use serde_json::Value;

/// Reads answers from standard input, showing each question's help, choices and default.
pub struct TerminalPrompt;

impl AnswerSource for TerminalPrompt {
    fn ask(
        &mut self,
        question: &Question,
        default: Option<&Value>,
    ) -> Result<Value, TemplateError> {
        let mut stderr = std::io::stderr();
        let io = |e| TemplateError::Io {
            path: "(terminal)".into(),
            source: e,
        };
        if let Some(help) = &question.help {
            writeln!(stderr, "{help}").map_err(io)?;
        }
        for (index, choice) in question.choices.iter().enumerate() {
            writeln!(stderr, "  {}) {}", index + 1, choice.label).map_err(io)?;
        }
        let shown_default = match (default, question.secret) {
            (Some(_), true) => " [****]".to_owned(),
            (Some(Value::String(text)), _) => format!(" [{text}]"),
            (Some(other), _) => format!(" [{other}]"),
            (None, _) => String::new(),
        };
        let kind = match question.kind {
            QuestionType::Str => String::new(),
            other => format!(" ({})", other.name()),
        };
        write!(stderr, "{}{kind}{shown_default}: ", question.name).map_err(io)?;
        stderr.flush().map_err(io)?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).map_err(io)?;
        let line = line.trim_end_matches(['\n', '\r']);
        if line.is_empty() {
            return Ok(default.cloned().unwrap_or(Value::String(String::new())));
        }
        // A choice may be picked by its number or its label.
        if !question.choices.is_empty() && !question.multiselect {
            if let Ok(number) = line.trim().parse::<usize>()
                && let Some(choice) = question.choices.get(number.wrapping_sub(1))
            {
                return Ok(choice.value.clone());
            }
            if let Some(choice) = question.choices.iter().find(|c| c.label == line.trim()) {
                return Ok(choice.value.clone());
            }
        }
        Ok(Value::String(line.to_owned()))
    }

    fn rejected(&mut self, question: &Question, message: &str) {
        eprintln!("{}: {message}", question.name);
    }
}
