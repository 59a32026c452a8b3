//! The outcome of a conformance suite: every check with its failure, if any.

use std::fmt;

/// One check of a suite and why it failed, if it did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckOutcome {
    /// Name of the check, such as `create_is_idempotent`.
    pub name: &'static str,
    /// What was expected and found, when the check failed.
    pub failure: Option<String>,
}

/// Every check a suite ran, in order; `Display` prints one line per check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConformanceReport {
    subject: String,
    checks: Vec<CheckOutcome>,
}

impl ConformanceReport {
    pub(crate) fn new(subject: impl Into<String>) -> Self {
        ConformanceReport {
            subject: subject.into(),
            checks: Vec::new(),
        }
    }

    pub(crate) fn record(&mut self, name: &'static str, result: Result<(), String>) {
        self.checks.push(CheckOutcome {
            name,
            failure: result.err(),
        });
    }

    /// What was tested, such as `provider fake`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// Every check, in the order run.
    pub fn checks(&self) -> &[CheckOutcome] {
        &self.checks
    }

    /// The checks that failed.
    pub fn failures(&self) -> Vec<&CheckOutcome> {
        self.checks.iter().filter(|c| c.failure.is_some()).collect()
    }

    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.failure.is_none())
    }

    /// Panics with the whole report unless every check passed.
    #[track_caller]
    pub fn assert_passed(&self) {
        if !self.passed() {
            panic!("{self}");
        }
    }
}

impl fmt::Display for ConformanceReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let passed = self.checks.iter().filter(|c| c.failure.is_none()).count();
        write!(
            f,
            "conformance of {}: {passed} of {} checks passed",
            self.subject,
            self.checks.len()
        )?;
        for check in &self.checks {
            match &check.failure {
                None => write!(f, "\n  ok   {}", check.name)?,
                Some(why) => write!(f, "\n  FAIL {}: {why}", check.name)?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_report_names_each_failing_check() {
        let mut report = ConformanceReport::new("provider fake");
        report.record("create_is_idempotent", Ok(()));
        report.record(
            "drift_is_detected",
            Err("expected a diff, found none".into()),
        );
        assert!(!report.passed());
        assert_eq!(report.failures().len(), 1);
        assert_eq!(
            report.to_string(),
            "conformance of provider fake: 1 of 2 checks passed\n  ok   create_is_idempotent\n  FAIL drift_is_detected: expected a diff, found none"
        );
        let panic = std::panic::catch_unwind(|| report.assert_passed()).unwrap_err();
        assert!(
            panic
                .downcast_ref::<String>()
                .unwrap()
                .contains("FAIL drift_is_detected")
        );
    }
}
