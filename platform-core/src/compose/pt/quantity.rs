//! Kubernetes resource quantities (`1Gi`, `500m`, `1.5e3`) for the `quantity`
//! format of convert transforms.

/// The error text Kubernetes gives for a malformed quantity.
pub const QUANTITY_FORMAT_ERROR: &str =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

/// A parsed quantity: `sign * mantissa * 10^exp10 * 2^exp2`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parsed {
    negative: bool,
    digits: String,
    exp10: i64,
    exp2: u32,
}

fn parse(s: &str) -> Result<Parsed, String> {
    let err = || QUANTITY_FORMAT_ERROR.to_string();
    let (negative, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    let num_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b'.')
        .count();
    let (num, suffix) = rest.split_at(num_len);
    let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
    if frac_part.contains('.') || (int_part.is_empty() && frac_part.is_empty()) {
        return Err(err());
    }
    let (exp10_suffix, exp2): (i64, u32) = match suffix {
        "" => (0, 0),
        "Ki" => (0, 10),
        "Mi" => (0, 20),
        "Gi" => (0, 30),
        "Ti" => (0, 40),
        "Pi" => (0, 50),
        "Ei" => (0, 60),
        "n" => (-9, 0),
        "u" => (-6, 0),
        "m" => (-3, 0),
        "k" => (3, 0),
        "M" => (6, 0),
        "G" => (9, 0),
        "T" => (12, 0),
        "P" => (15, 0),
        "E" => (18, 0),
        other => {
            let exp = other
                .strip_prefix(['e', 'E'])
                .filter(|e| {
                    let digits = e.strip_prefix(['+', '-']).unwrap_or(e);
                    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
                })
                .and_then(|e| e.parse::<i64>().ok())
                .ok_or_else(err)?;
            (exp, 0)
        }
    };
    let frac_len = i64::try_from(frac_part.len()).map_err(|_| err())?;
    let digits = format!("{int_part}{frac_part}");
    let mut digits = digits.trim_start_matches('0').to_string();
    let mut exp10 = exp10_suffix.saturating_sub(frac_len);
    if digits.is_empty() {
        digits.push('0');
        exp10 = 0;
    }
    while digits.len() > 1 && digits.ends_with('0') {
        digits.pop();
        exp10 = exp10.saturating_add(1);
    }
    Ok(Parsed {
        negative,
        digits,
        exp10,
        exp2,
    })
}

/// Parses a quantity into an approximate float, like `Quantity.AsApproximateFloat64()`.
pub fn parse_quantity_f64(s: &str) -> Result<f64, String> {
    let q = parse(s)?;
    let base: f64 = format!("{}e{}", q.digits, q.exp10)
        .parse()
        .map_err(|_| QUANTITY_FORMAT_ERROR.to_string())?;
    let v = base * 2f64.powi(i32::try_from(q.exp2).unwrap_or(0));
    if !v.is_finite() {
        return Err(format!("quantity {s} is out of range"));
    }
    Ok(if q.negative { -v } else { v })
}

/// Parses a quantity into an integer rounded up (away from zero), like `Quantity.Value()`.
pub fn parse_quantity_i64(s: &str) -> Result<i64, String> {
    let q = parse(s)?;
    let range = || format!("quantity {s} is out of range for int64");
    let mut value: i128 = q.digits.parse().map_err(|_| range())?;
    if value == 0 {
        return Ok(0);
    }
    if q.exp10 >= 0 {
        for _ in 0..q.exp10 {
            value = value.checked_mul(10).ok_or_else(range)?;
        }
    } else {
        let mut divisor: i128 = 1;
        let mut shift = q.exp10.saturating_neg();
        while shift > 0 && divisor <= value {
            divisor *= 10;
            shift -= 1;
        }
        if shift > 0 {
            // The divisor exceeds the value: a non-zero value rounds up to 1.
            value = i128::from(value != 0);
        } else {
            value = value / divisor + i128::from(value % divisor != 0);
        }
    }
    value = value.checked_mul(1i128 << q.exp2).ok_or_else(range)?;
    if q.negative {
        value = -value;
    }
    i64::try_from(value).map_err(|_| range())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_quantities() {
        let cases = [
            ("1Gi", 1_073_741_824.0),
            ("500m", 0.5),
            ("1.5Ki", 1536.0),
            ("2k", 2000.0),
            ("1e3", 1000.0),
            ("1E-3", 0.001),
            ("-1M", -1_000_000.0),
            ("+.5", 0.5),
            ("100", 100.0),
            ("3n", 3e-9),
        ];
        for (s, want) in cases {
            assert_eq!(parse_quantity_f64(s).unwrap(), want, "{s}");
        }
    }

    #[test]
    fn int_quantities_round_up() {
        assert_eq!(parse_quantity_i64("1Gi").unwrap(), 1_073_741_824);
        assert_eq!(parse_quantity_i64("500m").unwrap(), 1);
        assert_eq!(parse_quantity_i64("1500m").unwrap(), 2);
        assert_eq!(parse_quantity_i64("2000m").unwrap(), 2);
        assert_eq!(parse_quantity_i64("0").unwrap(), 0);
        assert_eq!(parse_quantity_i64("1n").unwrap(), 1);
        assert_eq!(parse_quantity_i64("-2k").unwrap(), -2000);
        assert!(parse_quantity_i64("100Ei").is_err());
        assert_eq!(parse_quantity_i64("1e-9223372036854775808").unwrap(), 1);
        assert!(parse_quantity_i64("1e9223372036854775807").is_err());
        assert_eq!(parse_quantity_f64("1e-9223372036854775808").unwrap(), 0.0);
        assert!(parse_quantity_f64("1e9223372036854775807").is_err());
        assert!(parse_quantity_f64("1e99999999999999999999").is_err());
    }

    #[test]
    fn malformed_quantities() {
        for s in ["", "abc", "1Gb", "1..2", "1e", "1e+", ".", "1 Gi", "Gi"] {
            assert_eq!(
                parse_quantity_f64(s).unwrap_err(),
                QUANTITY_FORMAT_ERROR,
                "{s:?}"
            );
        }
    }
}
