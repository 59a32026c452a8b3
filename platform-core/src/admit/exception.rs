//! The escape hatch: `platform.dev/policy-exception.<policy>: "<reason>"` lets an object through a
//! policy that allows exceptions. Every use becomes an event, and the events can be counted.

use std::collections::BTreeMap;

use crate::model::{DynamicObject, ObjectRef};
use crate::store::{Event, EventType};

/// Prefix of the annotation that claims an exception; the policy name follows.
pub const EXCEPTION_ANNOTATION_PREFIX: &str = "platform.dev/policy-exception.";

/// Reason of the event recorded when an exception lets an object through.
pub const EXCEPTION_EVENT_REASON: &str = "PolicyException";

/// Owner recorded when the object has no owner label.
pub const NO_OWNER: &str = "(none)";

/// The annotation key that claims an exception to a policy.
pub fn exception_annotation(policy: &str) -> String {
    format!("{EXCEPTION_ANNOTATION_PREFIX}{policy}")
}

/// What an object says about an exception to one policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionClaim {
    /// No annotation for this policy.
    None,
    /// The annotation is there but its reason is empty.
    NoReason,
    /// The annotation gives a reason.
    Reason(String),
}

impl ExceptionClaim {
    /// Reads the exception annotation of an object for a policy.
    pub fn of(object: &DynamicObject, policy: &str) -> ExceptionClaim {
        match object
            .metadata
            .annotations
            .get(&exception_annotation(policy))
        {
            None => ExceptionClaim::None,
            Some(reason) if reason.trim().is_empty() => ExceptionClaim::NoReason,
            Some(reason) => ExceptionClaim::Reason(reason.trim().to_owned()),
        }
    }
}

/// One use of the escape hatch, as recorded in an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExceptionRecord {
    /// The object let through.
    pub object: ObjectRef,
    /// The policy it was let through.
    pub policy: String,
    /// The object's owner, [`NO_OWNER`] when it has none.
    pub owner: String,
    /// The reason written in the annotation.
    pub reason: String,
}

impl ExceptionRecord {
    /// The event that records this exception.
    pub fn to_event(&self) -> Event {
        Event {
            object: self.object.clone(),
            type_: EventType::Warning,
            reason: EXCEPTION_EVENT_REASON.to_owned(),
            message: format!(
                "policy {}, owner {:?}, reason {:?}",
                self.policy, self.owner, self.reason
            ),
            time: crate::model::time::now_rfc3339(),
        }
    }

    /// Reads an exception back from its event; `None` for any other event.
    pub fn from_event(event: &Event) -> Option<ExceptionRecord> {
        if event.reason != EXCEPTION_EVENT_REASON {
            return None;
        }
        let rest = event.message.strip_prefix("policy ")?;
        let (policy, rest) = rest.split_once(", owner ")?;
        let (owner, rest) = unquote(rest)?;
        let rest = rest.strip_prefix(", reason ")?;
        let (reason, rest) = unquote(rest)?;
        if !rest.is_empty() {
            return None;
        }
        Some(ExceptionRecord {
            object: event.object.clone(),
            policy: policy.to_owned(),
            owner,
            reason,
        })
    }
}

/// Reads a string written with `{:?}` at the start of `text`; returns it and what follows.
fn unquote(text: &str) -> Option<(String, &str)> {
    let body = text.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &body[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                'u' => {
                    let (open, _) = chars.next()?;
                    let start = open + 1;
                    let end = body[start..].find('}')? + start;
                    let code = u32::from_str_radix(&body[start..end], 16).ok()?;
                    out.push(char::from_u32(code)?);
                    while chars.next().is_some_and(|(j, _)| j < end) {}
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
    None
}

/// How often the escape hatch was used through one policy by one owner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ExceptionCount {
    /// The policy.
    pub policy: String,
    /// The owner.
    pub owner: String,
    /// Number of recorded exceptions.
    pub count: usize,
}

/// Counts recorded exceptions per policy and owner, sorted by policy then owner; other events are
/// ignored.
pub fn exception_counts<'a>(events: impl IntoIterator<Item = &'a Event>) -> Vec<ExceptionCount> {
    let mut counts: BTreeMap<(String, String), usize> = BTreeMap::new();
    for record in events.into_iter().filter_map(ExceptionRecord::from_event) {
        *counts.entry((record.policy, record.owner)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((policy, owner), count)| ExceptionCount {
            policy,
            owner,
            count,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(policy: &str, owner: &str, reason: &str) -> ExceptionRecord {
        ExceptionRecord {
            object: ObjectRef::new("DatabaseClaim", "default", "orders"),
            policy: policy.into(),
            owner: owner.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn a_recorded_exception_reads_back_whatever_its_reason_says() {
        for reason in [
            "migration window",
            "quotes \" and, owner \"x\", reason \"y\"",
            "line\nbreak\tand \u{1b} escape and é",
        ] {
            let r = record("production-databases", "team-a", reason);
            let event = r.to_event();
            assert_eq!(event.reason, EXCEPTION_EVENT_REASON);
            assert_eq!(ExceptionRecord::from_event(&event), Some(r));
        }
    }

    #[test]
    fn counts_group_by_policy_and_owner_and_ignore_other_events() {
        let mut events = vec![
            record("no-public-buckets", "team-b", "static site").to_event(),
            record("require-backups", "team-a", "scratch data").to_event(),
            record("require-backups", "team-a", "again").to_event(),
            record("require-backups", NO_OWNER, "orphan").to_event(),
        ];
        let mut other = events[0].clone();
        other.reason = "Created".into();
        events.push(other);
        let counts = exception_counts(&events);
        let flat: Vec<(&str, &str, usize)> = counts
            .iter()
            .map(|c| (c.policy.as_str(), c.owner.as_str(), c.count))
            .collect();
        assert_eq!(
            flat,
            vec![
                ("no-public-buckets", "team-b", 1),
                ("require-backups", NO_OWNER, 1),
                ("require-backups", "team-a", 2),
            ]
        );
    }
}
