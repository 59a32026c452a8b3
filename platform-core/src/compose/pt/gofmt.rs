//! Go-compatible text output for JSON values: a `fmt.Sprintf`-like formatter
//! ([`GoFormat`]), `%v` printing, Go type names for error messages, and Go's
//! `encoding/json` output (sorted keys, HTML escaping) used by hashing and `ToJson`.
//!
//! Difference from Go (deliberate): integers are kept as integers, so `%d`, `%v`
//! and `%s` of `5` print `5`. `%s` accepts any value and prints it like `%v`, and
//! `%d` accepts a float with an integral value (`5.0` prints `5`).

use std::fmt::Write as _;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Number, Value};

/// Go's `%T` name of the type a JSON value decodes to (`int64` for integers).
pub fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "<nil>",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float64",
        Value::Number(_) => "int64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

/// Prints a value like Go's `%v` (maps with sorted keys, `<nil>` for null).
pub fn format_v(v: &Value) -> String {
    let mut out = String::new();
    write_v(&mut out, v);
    out
}

fn write_v(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number_v(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_v(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push_str("map[");
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                out.push_str(k);
                out.push(':');
                if let Some(v) = map.get(k) {
                    write_v(out, v);
                }
            }
            out.push(']');
        }
    }
}

fn format_number_v(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        i.to_string()
    } else if let Some(u) = n.as_u64() {
        u.to_string()
    } else {
        format_float_g(n.as_f64().unwrap_or_default())
    }
}

/// Shortest decimal digits of `|f|` and the decimal exponent of the first digit.
fn shortest_digits(f: f64) -> (String, i32) {
    let s = format!("{:e}", f.abs());
    let (mantissa, exp) = s.split_once('e').unwrap_or((s.as_str(), "0"));
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().unwrap_or(0))
}

fn plain_from_digits(digits: &str, exp: i32) -> String {
    let mut out = String::new();
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(digits);
        return out;
    }
    let int_len = usize::try_from(exp).unwrap_or(0).saturating_add(1);
    if digits.len() <= int_len {
        out.push_str(digits);
        for _ in digits.len()..int_len {
            out.push('0');
        }
    } else {
        let (int_part, frac) = digits.split_at(int_len);
        out.push_str(int_part);
        out.push('.');
        out.push_str(frac);
    }
    out
}

fn go_exponent(exp: i32) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("e{sign}{:02}", exp.unsigned_abs())
}

fn sci_from_digits(digits: &str, exp: i32) -> String {
    let mut out = String::new();
    let mut chars = digits.chars();
    if let Some(first) = chars.next() {
        out.push(first);
    }
    let rest: String = chars.collect();
    if !rest.is_empty() {
        out.push('.');
        out.push_str(&rest);
    }
    out.push_str(&go_exponent(exp));
    out
}

/// Formats a float like Go's `%v` / `strconv.FormatFloat(f, 'g', -1, 64)`.
pub fn format_float_g(f: f64) -> String {
    let (digits, exp) = shortest_digits(f);
    let body = if f == 0.0 {
        "0".to_string()
    } else if !(-4..6).contains(&exp) {
        sci_from_digits(&digits, exp)
    } else {
        plain_from_digits(&digits, exp)
    };
    if f.is_sign_negative() && f != 0.0 {
        format!("-{body}")
    } else {
        body
    }
}

/// Formats a float like Go's `strconv.FormatFloat(f, 'f', -1, 64)` (no exponent).
pub fn format_float_plain(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let (digits, exp) = shortest_digits(f);
    let body = plain_from_digits(&digits, exp);
    if f.is_sign_negative() {
        format!("-{body}")
    } else {
        body
    }
}

/// Serialises a value like Go's `json.Marshal` of the decoded value: object keys
/// sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped, floats in Go's notation.
pub fn to_go_json(v: &Value) -> String {
    let mut out = String::new();
    write_go_json(&mut out, v);
    out
}

fn write_go_json(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.push_str(&i.to_string());
            } else if let Some(u) = n.as_u64() {
                out.push_str(&u.to_string());
            } else {
                out.push_str(&go_json_float(n.as_f64().unwrap_or_default()));
            }
        }
        Value::String(s) => write_go_json_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_go_json_string(out, k);
                out.push(':');
                if let Some(v) = map.get(k) {
                    write_go_json(out, v);
                }
            }
            out.push('}');
        }
    }
}

fn go_json_float(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (digits, exp) = shortest_digits(f);
        let mut s = sci_from_digits(&digits, exp);
        // Go trims "e-07" to "e-7".
        if let Some(pos) = s.find("e-0") {
            s.remove(pos + 2);
        }
        if f < 0.0 { format!("-{s}") } else { s }
    } else {
        format_float_plain(f)
    }
}

fn write_go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Quotes a string like Go's `strconv.Quote` (for `%q`).
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{b}' => out.push_str("\\v"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => {
                let code = u32::from(c);
                if code < 0x80 {
                    let _ = write!(out, "\\x{code:02x}");
                } else {
                    let _ = write!(out, "\\u{code:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Widths and precisions above this print `%!(BADWIDTH)` / `%!(BADPREC)`, as in Go.
const MAX_WIDTH: usize = 1_000_000;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Spec {
    minus: bool,
    plus: bool,
    sharp: bool,
    space: bool,
    zero: bool,
    width: Option<usize>,
    prec: Option<usize>,
    verb: char,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Literal(String),
    Verb(Spec),
    NoVerb,
    BadWidth,
    BadPrec,
}

/// A parsed Go format string (`fmt` of string transforms and combine patches).
///
/// Supported verbs: `%v %s %d %f %F %e %E %g %G %t %x %X %o %b %q %%`, flags
/// `- + # 0 space`, widths and precisions (`%5s`, `%-8v`, `%05d`, `%.2f`, `%.3s`).
/// Missing and extra arguments and wrong types print Go's `%!d(MISSING)`,
/// `%!(EXTRA string=x)` and `%!d(string=x)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoFormat {
    source: String,
    pieces: Vec<Piece>,
}

impl GoFormat {
    /// Parses a format string; every string is a valid format.
    pub fn parse(source: &str) -> Self {
        Self {
            source: source.to_string(),
            pieces: parse_format(source),
        }
    }

    /// The original format string.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Formats `args` like Go's `fmt.Sprintf(format, args...)`.
    pub fn format(&self, args: &[&Value]) -> String {
        let mut out = String::with_capacity(self.source.len() + 16);
        let mut next = 0usize;
        for piece in &self.pieces {
            match piece {
                Piece::Literal(s) => out.push_str(s),
                Piece::NoVerb => out.push_str("%!(NOVERB)"),
                Piece::BadWidth => out.push_str("%!(BADWIDTH)"),
                Piece::BadPrec => out.push_str("%!(BADPREC)"),
                Piece::Verb(spec) => match args.get(next) {
                    Some(arg) => {
                        next += 1;
                        format_arg(&mut out, spec, arg);
                    }
                    None => {
                        let _ = write!(out, "%!{}(MISSING)", spec.verb);
                    }
                },
            }
        }
        if let Some(extra) = args.get(next..).filter(|e| !e.is_empty()) {
            out.push_str("%!(EXTRA ");
            for (i, arg) in extra.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if arg.is_null() {
                    out.push_str("<nil>");
                } else {
                    let _ = write!(out, "{}={}", type_name(arg), format_v(arg));
                }
            }
            out.push(')');
        }
        out
    }
}

impl Serialize for GoFormat {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for GoFormat {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self::parse(&s))
    }
}

fn parse_number(chars: &[char], i: &mut usize) -> Option<usize> {
    let start = *i;
    let mut n: usize = 0;
    while let Some(d) = chars.get(*i).and_then(|c| c.to_digit(10)) {
        n = n
            .saturating_mul(10)
            .saturating_add(usize::try_from(d).unwrap_or(0));
        *i += 1;
    }
    (*i > start).then_some(n)
}

fn parse_format(source: &str) -> Vec<Piece> {
    let chars: Vec<char> = source.chars().collect();
    let mut pieces = Vec::new();
    let mut lit = String::new();
    let mut i = 0usize;
    while let Some(&c) = chars.get(i) {
        if c != '%' {
            lit.push(c);
            i += 1;
            continue;
        }
        i += 1;
        let mut spec = Spec::default();
        while let Some(&f) = chars.get(i) {
            match f {
                '-' => spec.minus = true,
                '+' => spec.plus = true,
                '#' => spec.sharp = true,
                ' ' => spec.space = true,
                '0' => spec.zero = true,
                _ => break,
            }
            i += 1;
        }
        let mut bad = None;
        spec.width = parse_number(&chars, &mut i);
        if spec.width.is_some_and(|w| w > MAX_WIDTH) {
            bad = Some(Piece::BadWidth);
            spec.width = None;
        }
        if chars.get(i) == Some(&'.') {
            i += 1;
            let p = parse_number(&chars, &mut i).unwrap_or(0);
            if p > MAX_WIDTH {
                bad = Some(Piece::BadPrec);
            } else {
                spec.prec = Some(p);
            }
        }
        let Some(&verb) = chars.get(i) else {
            flush(&mut lit, &mut pieces);
            pieces.push(Piece::NoVerb);
            break;
        };
        i += 1;
        if verb == '%' {
            lit.push('%');
            continue;
        }
        flush(&mut lit, &mut pieces);
        if let Some(b) = bad {
            pieces.push(b);
        }
        spec.verb = verb;
        pieces.push(Piece::Verb(spec));
    }
    flush(&mut lit, &mut pieces);
    pieces
}

fn flush(lit: &mut String, pieces: &mut Vec<Piece>) {
    if !lit.is_empty() {
        pieces.push(Piece::Literal(std::mem::take(lit)));
    }
}

fn bad_verb(out: &mut String, verb: char, arg: &Value) {
    if arg.is_null() {
        let _ = write!(out, "%!{verb}(<nil>)");
    } else {
        let _ = write!(out, "%!{verb}({}={})", type_name(arg), format_v(arg));
    }
}

enum Num {
    Int(i128),
    Float(f64),
}

fn as_num(v: &Value) -> Option<Num> {
    let Value::Number(n) = v else { return None };
    if let Some(i) = n.as_i64() {
        Some(Num::Int(i128::from(i)))
    } else if let Some(u) = n.as_u64() {
        Some(Num::Int(i128::from(u)))
    } else {
        n.as_f64().map(Num::Float)
    }
}

fn sign_prefix(spec: &Spec, negative: bool) -> &'static str {
    if negative {
        "-"
    } else if spec.plus {
        "+"
    } else if spec.space {
        " "
    } else {
        ""
    }
}

/// Pads `body` (without sign) to the spec's width, zero padding after the sign when asked.
fn pad_number(out: &mut String, spec: &Spec, sign: &str, body: &str) {
    let len = sign.chars().count() + body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(sign);
        out.push_str(body);
    } else if spec.minus {
        out.push_str(sign);
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', width - len));
    } else if spec.zero {
        out.push_str(sign);
        out.extend(std::iter::repeat_n('0', width - len));
        out.push_str(body);
    } else {
        out.extend(std::iter::repeat_n(' ', width - len));
        out.push_str(sign);
        out.push_str(body);
    }
}

fn pad_text(out: &mut String, spec: &Spec, body: &str) {
    let len = body.chars().count();
    let width = spec.width.unwrap_or(0);
    if len >= width {
        out.push_str(body);
    } else if spec.minus {
        out.push_str(body);
        out.extend(std::iter::repeat_n(' ', width - len));
    } else {
        let fill = if spec.zero { '0' } else { ' ' };
        out.extend(std::iter::repeat_n(fill, width - len));
        out.push_str(body);
    }
}

fn format_int(out: &mut String, spec: &Spec, i: i128) {
    let digits = match spec.verb {
        'x' => format!("{:x}", i.unsigned_abs()),
        'X' => format!("{:X}", i.unsigned_abs()),
        'o' => format!("{:o}", i.unsigned_abs()),
        'b' => format!("{:b}", i.unsigned_abs()),
        _ => i.unsigned_abs().to_string(),
    };
    let mut body = match spec.prec {
        Some(p) if digits.len() < p => format!("{}{digits}", "0".repeat(p - digits.len())),
        _ => digits,
    };
    if spec.sharp {
        match spec.verb {
            'x' => body.insert_str(0, "0x"),
            'X' => body.insert_str(0, "0X"),
            'o' if !body.starts_with('0') => body.insert(0, '0'),
            _ => {}
        }
    }
    pad_number(out, spec, sign_prefix(spec, i < 0), &body);
}

fn format_float(out: &mut String, spec: &Spec, f: f64) {
    let abs = f.abs();
    let body = match spec.verb {
        'f' | 'F' => format!("{abs:.*}", spec.prec.unwrap_or(6)),
        'e' | 'E' => {
            let s = format!("{abs:.*e}", spec.prec.unwrap_or(6));
            let (m, e) = s.split_once('e').unwrap_or((s.as_str(), "0"));
            let s = format!("{m}{}", go_exponent(e.parse().unwrap_or(0)));
            if spec.verb == 'E' {
                s.to_uppercase()
            } else {
                s
            }
        }
        _ => {
            let s = format_float_g(abs);
            if spec.verb == 'G' {
                s.to_uppercase()
            } else {
                s
            }
        }
    };
    pad_number(
        out,
        spec,
        sign_prefix(spec, f.is_sign_negative() && f != 0.0),
        &body,
    );
}

fn truncate(s: &str, prec: Option<usize>) -> &str {
    match prec {
        Some(p) => match s.char_indices().nth(p) {
            Some((idx, _)) => s.get(..idx).unwrap_or(s),
            None => s,
        },
        None => s,
    }
}

fn format_arg(out: &mut String, spec: &Spec, arg: &Value) {
    match spec.verb {
        'v' | 's' => match as_num(arg) {
            Some(Num::Int(i)) if spec.verb == 'v' => {
                let spec = Spec {
                    verb: 'd',
                    ..spec.clone()
                };
                format_int(out, &spec, i);
            }
            Some(Num::Float(f)) if spec.verb == 'v' => {
                let spec = Spec {
                    verb: 'g',
                    prec: None,
                    ..spec.clone()
                };
                format_float(out, &spec, f);
            }
            _ => {
                let s = format_v(arg);
                pad_text(out, spec, truncate(&s, spec.prec));
            }
        },
        'd' | 'o' | 'b' => match as_num(arg) {
            Some(Num::Int(i)) => format_int(out, spec, i),
            Some(Num::Float(f)) if f.fract() == 0.0 && f.abs() < 1e38 => {
                // Deliberate: integral floats format as integers.
                format_int(out, spec, f as i128);
            }
            _ => bad_verb(out, spec.verb, arg),
        },
        'x' | 'X' => match (as_num(arg), arg) {
            (Some(Num::Int(i)), _) => format_int(out, spec, i),
            (_, Value::String(s)) => {
                let hex: String = s
                    .bytes()
                    .map(|b| {
                        if spec.verb == 'x' {
                            format!("{b:02x}")
                        } else {
                            format!("{b:02X}")
                        }
                    })
                    .collect();
                pad_text(out, spec, &hex);
            }
            _ => bad_verb(out, spec.verb, arg),
        },
        'f' | 'F' | 'e' | 'E' | 'g' | 'G' => match as_num(arg) {
            Some(Num::Int(i)) => format_float(out, spec, i as f64),
            Some(Num::Float(f)) => format_float(out, spec, f),
            None => bad_verb(out, spec.verb, arg),
        },
        't' => match arg {
            Value::Bool(b) => pad_text(out, spec, if *b { "true" } else { "false" }),
            _ => bad_verb(out, 't', arg),
        },
        'q' => {
            let s = match arg {
                Value::String(s) => truncate(s, spec.prec).to_string(),
                other => format_v(other),
            };
            pad_text(out, spec, &go_quote(&s));
        }
        verb => bad_verb(out, verb, arg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f1(fmt: &str, v: Value) -> String {
        GoFormat::parse(fmt).format(&[&v])
    }

    #[test]
    fn go_format_table() {
        let cases: Vec<(&str, Value, &str)> = vec![
            ("%s", json!("abc"), "abc"),
            ("%s", json!(5), "5"),
            ("%v", json!(5), "5"),
            ("%d", json!(5), "5"),
            ("%d", json!(5.0), "5"),
            ("%d", json!(1.5), "%!d(float64=1.5)"),
            ("%d", json!("x"), "%!d(string=x)"),
            ("%v", json!(2.5), "2.5"),
            ("%v", json!(1000000.0), "1e+06"),
            ("%v", json!(123456.0), "123456"),
            ("%v", json!(0.00001), "1e-05"),
            ("%v", json!(0.0001), "0.0001"),
            ("%v", json!(-3.25), "-3.25"),
            ("%f", json!(1.5), "1.500000"),
            ("%.2f", json!(1.23456), "1.23"),
            ("%.2f", json!(3), "3.00"),
            ("%8.2f", json!(-1.23456), "   -1.23"),
            ("%e", json!(123456.0), "1.234560e+05"),
            ("%t", json!(true), "true"),
            ("%t", json!("x"), "%!t(string=x)"),
            ("%x", json!(255), "ff"),
            ("%X", json!("hi"), "6869"),
            ("%#x", json!(255), "0xff"),
            ("%q", json!("a\"b"), "\"a\\\"b\""),
            ("%%", json!(1), "%%!(EXTRA int64=1)"),
            ("100%% %d", json!(7), "100% 7"),
            ("%5s|", json!("ab"), "   ab|"),
            ("%-5s|", json!("ab"), "ab   |"),
            ("%05d", json!(-42), "-0042"),
            ("%+d", json!(3), "+3"),
            ("%.3s", json!("abcdef"), "abc"),
            ("%v", json!(null), "<nil>"),
            ("%v", json!(["a", 1, true]), "[a 1 true]"),
            ("%v", json!({"b": 1, "a": "x"}), "map[a:x b:1]"),
            ("%s", json!({"b": 1, "a": "x"}), "map[a:x b:1]"),
            ("%z", json!(1), "%!z(int64=1)"),
            ("tail %", json!(1), "tail %!(NOVERB)%!(EXTRA int64=1)"),
            ("none", json!("x"), "none%!(EXTRA string=x)"),
            ("%d-%d", json!(1), "1-%!d(MISSING)"),
            ("%v", json!(18446744073709551615u64), "18446744073709551615"),
            ("%o", json!(8), "10"),
            ("%b", json!(5), "101"),
        ];
        for (fmt, v, want) in cases {
            assert_eq!(f1(fmt, v.clone()), want, "format {fmt:?} with {v}");
        }
    }

    #[test]
    fn go_format_multiple_args() {
        let f = GoFormat::parse("%s-%s-%d");
        assert_eq!(f.format(&[&json!("a"), &json!("b"), &json!(3)]), "a-b-3");
        assert_eq!(f.as_str(), "%s-%s-%d");
        assert_eq!(
            GoFormat::parse("%999999999s").format(&[&json!("x")]),
            "%!(BADWIDTH)x"
        );
    }

    #[test]
    fn floats_like_go() {
        assert_eq!(format_float_plain(1e21), "1000000000000000000000");
        assert_eq!(format_float_plain(0.000001), "0.000001");
        assert_eq!(format_float_plain(-2.5), "-2.5");
        assert_eq!(format_float_g(1234567.0), "1.234567e+06");
        assert_eq!(format_float_g(0.0), "0");
        assert_eq!(format_float_g(1e100), "1e+100");
    }

    #[test]
    fn go_json_output() {
        let v = json!({"z": [1, 2.5, "<a&b>"], "a": {"y": null, "b": true}, "f": 1e-7, "g": 1e21});
        assert_eq!(
            to_go_json(&v),
            r#"{"a":{"b":true,"y":null},"f":1e-7,"g":1e+21,"z":[1,2.5,"\u003ca\u0026b\u003e"]}"#
        );
        assert_eq!(to_go_json(&json!("tab\tnl\n\u{1}")), r#""tab\tnl\n\u0001""#);
        assert_eq!(to_go_json(&json!(3.0)), "3");
    }

    #[test]
    fn type_names() {
        assert_eq!(type_name(&json!(1)), "int64");
        assert_eq!(type_name(&json!(1.5)), "float64");
        assert_eq!(type_name(&json!("s")), "string");
        assert_eq!(type_name(&json!(null)), "<nil>");
        assert_eq!(type_name(&json!([])), "[]interface {}");
        assert_eq!(type_name(&json!({})), "map[string]interface {}");
        assert_eq!(go_quote("é\u{7}"), "\"é\\a\"");
    }
}
