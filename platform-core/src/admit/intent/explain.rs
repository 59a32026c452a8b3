//! The explanation of a choice as data: every candidate with its verdict per need.

use serde_json::{Value, json};

use super::choose::Choice;

/// One `explain -o json` item: `{"claim", "chosen", "candidates": [{"offering",
/// "monthlyPrice", "feasible", "unmet": [{"need", "required", "offered"}]}]}`.
pub fn explain_item(claim: &str, choice: &Choice<'_>) -> Value {
    let candidates: Vec<Value> = choice
        .candidates()
        .iter()
        .map(|c| {
            json!({
                "offering": c.offering.name,
                "monthlyPrice": number(c.offering.monthly_price),
                "feasible": c.feasible(),
                "unmet": c.unmet.iter().map(|u| json!({
                    "need": u.need.name(),
                    "required": number(u.required),
                    "offered": u.offered.map(number),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "claim": claim,
        "chosen": choice.chosen.map(|o| o.name.clone()),
        "candidates": candidates,
    })
}

/// A whole number as an integer (`3000`, not `3000.0`), anything else as it is.
fn number(value: f64) -> Value {
    if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 {
        Value::from(value as i64)
    } else {
        Value::from(value)
    }
}

/// The explanation as lines: every candidate with pass or fail per need, its price, and why
/// the pick won.
pub fn explain_text(
    claim: &str,
    needs: &[(crate::kinds::Need, f64)],
    choice: &Choice<'_>,
) -> String {
    let mut out = format!("{claim}\n");
    for c in &choice.candidates() {
        let mark = if choice.chosen.is_some_and(|o| o.name == c.offering.name) {
            "*"
        } else if c.feasible() {
            "+"
        } else {
            "-"
        };
        out.push_str(&format!(
            "  {mark} {} {:.2}/month {}\n",
            c.offering.name,
            c.offering.monthly_price,
            if c.feasible() {
                "feasible"
            } else {
                "infeasible"
            }
        ));
        for &(need, required) in needs {
            let failed = c.unmet.iter().find(|u| u.need == need);
            match failed {
                Some(u) => out.push_str(&format!("      fail {u}\n")),
                None => out.push_str(&format!(
                    "      pass {} requires {} {required}, offers {}\n",
                    need.name(),
                    if need.at_most() {
                        "at most"
                    } else {
                        "at least"
                    },
                    c.offering.offered(need).unwrap_or_default()
                )),
            }
        }
    }
    out.push_str(&format!("  {}\n", choice.explanation()));
    out
}
