//! A light static check of a parsed expression, run once at load time: every variable is one of
//! the four bindings (or a macro's own), every function exists, operands of known types fit their
//! operator, and the result can be a boolean. What only the data can tell stays dynamic.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue, operators};
use std::fmt;
use std::sync::Arc;

use super::VARIABLES;

/// What the checker knows of a value's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ty {
    Bool,
    Int,
    UInt,
    Double,
    String,
    Bytes,
    Null,
    List,
    Map,
    Type,
    Dyn,
}

impl Ty {
    fn numeric(self) -> bool {
        matches!(self, Ty::Int | Ty::UInt | Ty::Double)
    }

    fn scalar(self) -> bool {
        matches!(
            self,
            Ty::Bool | Ty::Int | Ty::UInt | Ty::Double | Ty::String | Ty::Bytes | Ty::Type
        )
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ty::Bool => "bool",
            Ty::Int => "int",
            Ty::UInt => "uint",
            Ty::Double => "double",
            Ty::String => "string",
            Ty::Bytes => "bytes",
            Ty::Null => "null",
            Ty::List => "list",
            Ty::Map => "map",
            Ty::Type => "type",
            Ty::Dyn => "dyn",
        })
    }
}

const TYPE_NAMES: [&str; 13] = [
    "bool",
    "int",
    "uint",
    "double",
    "string",
    "bytes",
    "list",
    "map",
    "null_type",
    "type",
    "dyn",
    "duration",
    "timestamp",
];

struct Checker<'a> {
    program: &'a cel::Program,
    env: &'a Arc<cel::Env>,
    scope: Vec<String>,
    errors: Vec<String>,
}

/// Checks a program; the error lists every problem found.
pub(super) fn check(program: &cel::Program, env: &Arc<cel::Env>) -> Result<(), String> {
    let mut checker = Checker {
        program,
        env,
        scope: Vec::new(),
        errors: Vec::new(),
    };
    let root = program.expression();
    let ty = checker.expr(root);
    if !matches!(ty, Ty::Bool | Ty::Dyn) {
        checker.fail(root, format!("expected a boolean expression, found {ty}"));
    }
    if checker.errors.is_empty() {
        Ok(())
    } else {
        Err(checker.errors.join("; "))
    }
}

impl Checker<'_> {
    fn fail(&mut self, at: &IdedExpr, message: String) {
        let message = match self.program.source_info().offset_for(at.id) {
            Some((start, _)) => format!("at column {}: {message}", start + 1),
            None => message,
        };
        self.errors.push(message);
    }

    fn function_exists(&self, name: &str) -> bool {
        // The environment's overloads are not listed publicly; adding a function of the same
        // name to a throwaway context is refused exactly when the environment declares it.
        let mut probe = cel::Context::with_env(self.env.clone());
        probe.add_function(name, || true).is_err()
    }

    fn expr(&mut self, e: &IdedExpr) -> Ty {
        match &e.expr {
            Expr::Unspecified => Ty::Dyn,
            Expr::Literal(literal) => match literal {
                LiteralValue::Boolean(_) => Ty::Bool,
                LiteralValue::Bytes(_) => Ty::Bytes,
                LiteralValue::Double(_) => Ty::Double,
                LiteralValue::Int(_) => Ty::Int,
                LiteralValue::Null => Ty::Null,
                LiteralValue::String(_) => Ty::String,
                LiteralValue::UInt(_) => Ty::UInt,
            },
            Expr::Ident(name) => {
                if self.scope.iter().any(|s| s == name) {
                    Ty::Dyn
                } else if VARIABLES.contains(&name.as_str()) {
                    match name.as_str() {
                        "oldObject" => Ty::Dyn,
                        _ => Ty::Map,
                    }
                } else if TYPE_NAMES.contains(&name.as_str()) {
                    Ty::Type
                } else {
                    self.fail(
                        e,
                        format!(
                            "unknown variable '{name}': expected object, oldObject, environment or request"
                        ),
                    );
                    Ty::Dyn
                }
            }
            Expr::Select(select) => {
                let operand = self.expr(&select.operand);
                if operand.scalar() || operand == Ty::Null {
                    self.fail(
                        e,
                        format!("cannot select field '{}' of a {operand}", select.field),
                    );
                }
                if select.test { Ty::Bool } else { Ty::Dyn }
            }
            Expr::List(list) => {
                for item in &list.elements {
                    self.expr(item);
                }
                Ty::List
            }
            Expr::Map(map) => {
                for entry in &map.entries {
                    if let EntryExpr::MapEntry(m) = &entry.expr {
                        self.expr(&m.key);
                        self.expr(&m.value);
                    }
                }
                Ty::Map
            }
            Expr::Struct(s) => {
                self.fail(
                    e,
                    format!(
                        "message construction ({}{{...}}) is not supported",
                        s.type_name
                    ),
                );
                Ty::Dyn
            }
            Expr::Comprehension(c) => {
                self.expr(&c.iter_range);
                self.expr(&c.accu_init);
                let depth = self.scope.len();
                self.scope.push(c.iter_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.scope.push(v.clone());
                }
                self.scope.push(c.accu_var.clone());
                self.expr(&c.loop_cond);
                self.expr(&c.loop_step);
                let result = self.expr(&c.result);
                self.scope.truncate(depth);
                result
            }
            Expr::Call(call) => self.call(e, &call.func_name, call.target.as_deref(), &call.args),
        }
    }

    fn call(
        &mut self,
        e: &IdedExpr,
        name: &str,
        target: Option<&IdedExpr>,
        args: &[IdedExpr],
    ) -> Ty {
        // `optional.of(x)` parses as a call on the identifier `optional`.
        if let Some(IdedExpr {
            expr: Expr::Ident(namespace),
            ..
        }) = target
            && !self.scope.iter().any(|s| s == namespace)
            && !VARIABLES.contains(&namespace.as_str())
            && self.function_exists(&format!("{namespace}.{name}"))
        {
            for a in args {
                self.expr(a);
            }
            return Ty::Dyn;
        }
        let receiver = target.map(|t| self.expr(t));
        let types: Vec<Ty> = args.iter().map(|a| self.expr(a)).collect();
        let all = |pred: fn(Ty) -> bool| types.iter().all(|t| pred(*t));
        match name {
            operators::LOGICAL_AND | operators::LOGICAL_OR | operators::LOGICAL_NOT => {
                for (arg, ty) in args.iter().zip(&types) {
                    if !matches!(ty, Ty::Bool | Ty::Dyn) {
                        self.fail(arg, format!("expected a bool operand, found {ty}"));
                    }
                }
                Ty::Bool
            }
            operators::CONDITIONAL => {
                if let (Some(cond), Some(ty)) = (args.first(), types.first())
                    && !matches!(ty, Ty::Bool | Ty::Dyn)
                {
                    self.fail(cond, format!("expected a bool condition, found {ty}"));
                }
                match (types.get(1), types.get(2)) {
                    (Some(a), Some(b)) if a == b => *a,
                    _ => Ty::Dyn,
                }
            }
            operators::EQUALS
            | operators::NOT_EQUALS
            | operators::IN
            | operators::NOT_STRICTLY_FALSE => Ty::Bool,
            operators::LESS
            | operators::LESS_EQUALS
            | operators::GREATER
            | operators::GREATER_EQUALS => {
                if let [a, b] = types[..]
                    && a != Ty::Dyn
                    && b != Ty::Dyn
                    && a != b
                    && !(a.numeric() && b.numeric())
                {
                    self.fail(e, format!("cannot compare a {a} with a {b}"));
                }
                Ty::Bool
            }
            operators::ADD => match types[..] {
                [a, b] if a == Ty::Dyn || b == Ty::Dyn => Ty::Dyn,
                [a, b]
                    if a == b
                        && matches!(
                            a,
                            Ty::Int | Ty::UInt | Ty::Double | Ty::String | Ty::Bytes | Ty::List
                        ) =>
                {
                    a
                }
                [a, b] => {
                    self.fail(e, format!("cannot add a {a} and a {b}"));
                    Ty::Dyn
                }
                _ => Ty::Dyn,
            },
            operators::SUBSTRACT
            | operators::MULTIPLY
            | operators::DIVIDE
            | operators::MODULO
            | operators::NEGATE => {
                if !all(|t| t.numeric() || t == Ty::Dyn) {
                    let found: Vec<String> = types.iter().map(ToString::to_string).collect();
                    self.fail(
                        e,
                        format!("expected numbers, found {}", found.join(" and ")),
                    );
                    return Ty::Dyn;
                }
                match types[..] {
                    [a] => a,
                    [a, b] if a == b => a,
                    _ => Ty::Dyn,
                }
            }
            operators::INDEX | operators::OPT_INDEX => {
                if let Some(ty) = types.first()
                    && (ty.scalar() || *ty == Ty::Null)
                {
                    self.fail(e, format!("cannot index a {ty}"));
                }
                Ty::Dyn
            }
            operators::OPT_SELECT => Ty::Dyn,
            _ if name.starts_with('_') || name.starts_with('@') => Ty::Dyn,
            _ => {
                if !self.function_exists(name) {
                    self.fail(e, format!("unknown function '{name}'"));
                    return Ty::Dyn;
                }
                let subject = receiver.or(types.first().copied());
                match name {
                    "size" => {
                        if let Some(ty) = subject
                            && !matches!(ty, Ty::String | Ty::Bytes | Ty::List | Ty::Map | Ty::Dyn)
                        {
                            self.fail(
                                e,
                                format!("size() expects a string, bytes, list or map, found {ty}"),
                            );
                        }
                        Ty::Int
                    }
                    "contains" | "startsWith" | "endsWith" | "matches" => {
                        if let Some(ty) = subject
                            && !matches!(ty, Ty::String | Ty::Dyn)
                        {
                            self.fail(e, format!("{name}() expects a string, found {ty}"));
                        }
                        Ty::Bool
                    }
                    "int" => Ty::Int,
                    "uint" => Ty::UInt,
                    "double" => Ty::Double,
                    "string" => Ty::String,
                    "bool" => Ty::Bool,
                    "bytes" => Ty::Bytes,
                    "type" => Ty::Type,
                    _ => Ty::Dyn,
                }
            }
        }
    }
}
