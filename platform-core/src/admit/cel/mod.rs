//! CEL expressions of declarative policies: compiled and checked once when policies load,
//! evaluated with one short-lived `cel::Context` per evaluation (it is not `Send`).

mod bindings;
mod check;

pub use bindings::CelBindings;

use std::sync::{Arc, LazyLock};

/// The standard CEL environment every policy expression compiles and runs in.
static ENV: LazyLock<Arc<cel::Env>> = LazyLock::new(|| Arc::new(cel::Env::stdlib()));

/// The variables an expression may use.
pub const VARIABLES: [&str; 4] = ["object", "oldObject", "environment", "request"];

/// Why an expression cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CelError {
    /// The text is not CEL.
    #[error("syntax error: {0}")]
    Syntax(String),
    /// The text is CEL but cannot work: unknown variable or function, operands of the wrong type,
    /// or a result that is not a boolean.
    #[error("type error: {0}")]
    Type(String),
}

/// A compiled and checked CEL expression that gives a boolean.
#[derive(Debug)]
pub struct CelExpression {
    source: String,
    program: cel::Program,
}

impl CelExpression {
    /// Compiles an expression and checks its variables, functions and operand types.
    pub fn compile(source: &str) -> Result<Self, CelError> {
        let program = ENV.compile(source).map_err(|errors| {
            CelError::Syntax(
                errors
                    .errors
                    .iter()
                    .map(|e| format!("at column {}: {}", e.pos.1.max(1), e.msg))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
        })?;
        check::check(&program, &ENV).map_err(CelError::Type)?;
        Ok(CelExpression {
            source: source.to_owned(),
            program,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates against the bindings of one request: `Ok(true)` when the rule holds.
    pub fn evaluate(&self, bindings: &CelBindings) -> Result<bool, String> {
        let mut context = cel::Context::with_env(ENV.clone());
        context.set_variable_resolver(bindings);
        match self.program.execute(&context) {
            Ok(cel::Value::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "expected the expression to give a boolean, found {}",
                other.type_of()
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests;
