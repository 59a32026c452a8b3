//! The Ansible filters copier templates use (copier loads `jinja2-ansible-filters`), added to
//! minijinja's built-in ones (`lower`, `upper`, `replace`, `default`, `join`, ...).

use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind};
use regex::RegexBuilder;

use super::json::python_json;
use super::yaml::to_block_yaml;

/// Adds every filter of this module to `env`.
pub fn add_filters(env: &mut Environment<'static>) {
    env.add_filter("regex_replace", regex_replace);
    env.add_filter("regex_search", regex_search);
    env.add_filter("regex_findall", regex_findall);
    env.add_filter("regex_escape", regex_escape);
    env.add_filter("to_json", |value: Value| {
        Ok::<_, Error>(python_json(&json(&value)?, None))
    });
    env.add_filter("to_nice_json", to_nice_json);
    env.add_filter("to_yaml", |value: Value| {
        Ok::<_, Error>(to_block_yaml(&json(&value)?, 2))
    });
    env.add_filter("to_nice_yaml", to_nice_yaml);
    env.add_filter("from_json", from_json);
    env.add_filter("from_yaml", from_yaml);
    env.add_filter("bool", to_bool);
    env.add_filter("ternary", ternary);
    env.add_filter("basename", |path: String| {
        path.rsplit('/').next().unwrap_or_default().to_owned()
    });
    env.add_filter("dirname", |path: String| match path.rfind('/') {
        Some(at) => path[..at].to_owned(),
        None => String::new(),
    });
    env.add_filter("quote", |text: String| {
        if !text.is_empty()
            && text
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "@%+=:,./-_".contains(c))
        {
            text
        } else {
            format!("'{}'", text.replace('\'', "'\"'\"'"))
        }
    });
    env.add_filter("mandatory", |value: Value| {
        if value.is_undefined() {
            Err(Error::new(
                ErrorKind::UndefinedError,
                "mandatory variable not defined",
            ))
        } else {
            Ok(value)
        }
    });
}

fn json(value: &Value) -> Result<serde_json::Value, Error> {
    serde_json::to_value(value)
        .map_err(|err| Error::new(ErrorKind::InvalidOperation, "not serializable").with_source(err))
}

fn bad_regex(err: regex::Error) -> Error {
    Error::new(ErrorKind::InvalidOperation, "invalid regular expression").with_source(err)
}

fn compile(pattern: &str, kwargs: &Kwargs) -> Result<regex::Regex, Error> {
    let ignorecase: Option<bool> = kwargs.get("ignorecase")?;
    let multiline: Option<bool> = kwargs.get("multiline")?;
    RegexBuilder::new(pattern)
        .case_insensitive(ignorecase.unwrap_or(false))
        .multi_line(multiline.unwrap_or(false))
        .build()
        .map_err(bad_regex)
}

/// Python's replacement syntax (`\1`, `\g<name>`) in Rust's (`${1}`, `${name}`).
fn python_replacement(replacement: &str) -> String {
    let mut out = String::new();
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' => match chars.peek().copied() {
                Some(d) if d.is_ascii_digit() => {
                    let mut group = String::new();
                    while let Some(d) = chars.peek().copied().filter(char::is_ascii_digit) {
                        group.push(d);
                        chars.next();
                    }
                    out.push_str(&format!("${{{group}}}"));
                }
                Some('g') => {
                    chars.next();
                    if chars.peek() == Some(&'<') {
                        chars.next();
                        let name: String = chars.by_ref().take_while(|c| *c != '>').collect();
                        out.push_str(&format!("${{{name}}}"));
                    } else {
                        out.push_str("\\g");
                    }
                }
                Some('n') => {
                    chars.next();
                    out.push('\n');
                }
                Some('\\') => {
                    chars.next();
                    out.push('\\');
                }
                _ => out.push('\\'),
            },
            c => out.push(c),
        }
    }
    out
}

fn regex_replace(
    value: String,
    pattern: String,
    replacement: Option<String>,
    kwargs: Kwargs,
) -> Result<String, Error> {
    let regex = compile(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    let replacement = python_replacement(&replacement.unwrap_or_default());
    Ok(regex.replace_all(&value, replacement.as_str()).into_owned())
}

fn regex_search(value: String, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let regex = compile(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(regex
        .find(&value)
        .map(|found| Value::from(found.as_str()))
        .unwrap_or(Value::from(())))
}

fn regex_findall(value: String, pattern: String, kwargs: Kwargs) -> Result<Value, Error> {
    let regex = compile(&pattern, &kwargs)?;
    kwargs.assert_all_used()?;
    Ok(Value::from(
        regex
            .find_iter(&value)
            .map(|found| found.as_str().to_owned())
            .collect::<Vec<_>>(),
    ))
}

fn regex_escape(value: String) -> String {
    regex::escape(&value)
}

fn to_nice_json(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    kwargs.assert_all_used()?;
    Ok(python_json(&json(&value)?, Some(indent.unwrap_or(4))))
}

fn to_nice_yaml(value: Value, kwargs: Kwargs) -> Result<String, Error> {
    let indent: Option<usize> = kwargs.get("indent")?;
    kwargs.assert_all_used()?;
    Ok(to_block_yaml(&json(&value)?, indent.unwrap_or(4)))
}

fn from_json(text: String) -> Result<Value, Error> {
    let parsed: serde_json::Value = serde_json::from_str(&text)
        .map_err(|err| Error::new(ErrorKind::InvalidOperation, "invalid JSON").with_source(err))?;
    Ok(Value::from(minijinja::value::Serde(&parsed)))
}

fn from_yaml(text: String) -> Result<Value, Error> {
    let parsed: serde_json::Value = serde_saphyr::from_str(&text)
        .map_err(|err| Error::new(ErrorKind::InvalidOperation, "invalid YAML").with_source(err))?;
    Ok(Value::from(minijinja::value::Serde(&parsed)))
}

/// Ansible's `bool`: strings `yes`, `on`, `1`, `true` (any case) are true.
fn to_bool(value: Value) -> bool {
    match value.as_str() {
        Some(text) => matches!(
            text.trim().to_lowercase().as_str(),
            "yes" | "on" | "1" | "true" | "y" | "t"
        ),
        None => value.is_true(),
    }
}

fn ternary(value: Value, yes: Value, no: Value, none: Option<Value>) -> Value {
    match none {
        Some(none) if value.is_none() || value.is_undefined() => none,
        _ if value.is_true() => yes,
        _ => no,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(source: &str) -> String {
        let mut env = Environment::new();
        add_filters(&mut env);
        env.render_str(source, minijinja::context! { name => "My Service" })
            .unwrap()
    }

    #[test]
    fn ansible_filters_behave_as_in_copier() {
        assert_eq!(
            render(r#"{{ name | lower | regex_replace('[^a-z0-9]+', '-') }}"#),
            "my-service"
        );
        assert_eq!(
            render(r#"{{ name | regex_replace('(\\w+) (\\w+)', '\\2 \\1') }}"#),
            "Service My"
        );
        assert_eq!(
            render(r#"{{ {"b": [1], "a": true} | to_json }}"#),
            r#"{"b": [1], "a": true}"#
        );
        assert_eq!(
            render(r#"{{ {"b": [1], "a": "x"} | to_nice_yaml }}"#),
            "a: x\nb:\n- 1\n"
        );
        assert_eq!(
            render(r#"{{ "yes" | bool }} {{ "no" | bool }}"#),
            "True False"
        );
        assert_eq!(
            render(r#"{{ name | upper | replace(" ", "_") }}"#),
            "MY_SERVICE"
        );
    }
}
