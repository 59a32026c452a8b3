//! Amounts of money in whole cents, so totals add up exactly.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

/// An amount in cents of the price list's currency.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// An amount from whole cents.
    pub fn from_cents(cents: i64) -> Money {
        Money(cents)
    }

    /// An amount from a number of currency units, rounded to the nearest cent (saturating).
    pub fn from_units(units: f64) -> Money {
        let cents = (units * 100.0).round();
        if cents.is_nan() {
            Money(0)
        } else {
            // `as` saturates at the bounds of i64.
            Money(cents as i64)
        }
    }

    /// The amount in cents.
    pub fn cents(self) -> i64 {
        self.0
    }
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl AddAssign for Money {
    fn add_assign(&mut self, other: Money) {
        *self = *self + other;
    }
}

impl Sub for Money {
    type Output = Money;
    fn sub(self, other: Money) -> Money {
        Money(self.0.saturating_sub(other.0))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_with_two_decimals_and_add_exactly() {
        assert_eq!(Money::from_units(0.1).to_string(), "0.10");
        assert_eq!(Money::from_units(1234.5).to_string(), "1234.50");
        assert_eq!(
            (Money::from_units(0.1) - Money::from_units(0.35)).to_string(),
            "-0.25"
        );
        let total: Money = (0..10).map(|_| Money::from_units(0.1)).sum();
        assert_eq!(total, Money::from_units(1.0));
        assert_eq!(
            Money::from_units(f64::INFINITY),
            Money::from_cents(i64::MAX)
        );
    }
}
