//! Amounts of money: exact decimals rounded to the cent, so totals add up exactly.

use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Sub};

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::{Decimal, RoundingStrategy};

/// An amount of the price list's currency, in whole cents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(Decimal);

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(Decimal::ZERO);
    /// The largest amount; sums and products past it stop there.
    pub const MAX: Money = Money(Decimal::MAX);
    /// The smallest amount.
    pub const MIN: Money = Money(Decimal::MIN);

    /// An amount from whole cents.
    pub fn from_cents(cents: i64) -> Money {
        Money(Decimal::new(cents, 2))
    }

    /// An amount rounded to the nearest cent, halves away from zero.
    pub fn from_decimal(amount: Decimal) -> Money {
        let cents = amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
        // No "-0.00": a negative amount that rounds to zero is zero.
        Money(if cents.is_zero() {
            Decimal::ZERO
        } else {
            cents
        })
    }

    /// An amount from a number of currency units, rounded to the nearest cent (saturating;
    /// NaN is zero).
    pub fn from_units(units: f64) -> Money {
        Money::from_decimal(decimal(units))
    }

    /// The amount as a decimal number of currency units.
    pub fn amount(self) -> Decimal {
        self.0
    }

    /// The amount as a floating-point number, for JSON.
    pub fn to_f64(self) -> f64 {
        self.0.to_f64().unwrap_or_default()
    }
}

/// A float as a decimal: its shortest decimal form (0.1 is 0.1), saturating at the bounds of
/// [`Decimal`]; NaN is zero.
pub(crate) fn decimal(units: f64) -> Decimal {
    match Decimal::from_f64(units) {
        Some(d) => d,
        None if units.is_nan() => Decimal::ZERO,
        None if units > 0.0 => Decimal::MAX,
        None => Decimal::MIN,
    }
}

/// `a + b`, stopping at the bounds of [`Decimal`] instead of panicking.
pub(crate) fn saturating_add(a: Decimal, b: Decimal) -> Decimal {
    a.checked_add(b).unwrap_or(if b.is_sign_negative() {
        Decimal::MIN
    } else {
        Decimal::MAX
    })
}

/// `a × b`, stopping at the bounds of [`Decimal`] instead of panicking.
pub(crate) fn saturating_mul(a: Decimal, b: Decimal) -> Decimal {
    a.checked_mul(b)
        .unwrap_or(if a.is_sign_negative() != b.is_sign_negative() {
            Decimal::MIN
        } else {
            Decimal::MAX
        })
}

impl Add for Money {
    type Output = Money;
    fn add(self, other: Money) -> Money {
        Money(saturating_add(self.0, other.0))
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
        Money::from_decimal(saturating_add(self.0, -other.0))
    }
}

impl Sum for Money {
    fn sum<I: Iterator<Item = Money>>(iter: I) -> Money {
        iter.fold(Money::ZERO, Add::add)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.2}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_print_with_two_decimals_and_add_exactly() {
        assert_eq!(Money::from_units(0.1).to_string(), "0.10");
        assert_eq!(Money::from_units(1234.5).to_string(), "1234.50");
        assert_eq!(Money::from_cents(10240).to_string(), "102.40");
        assert_eq!(Money::ZERO.to_string(), "0.00");
        assert_eq!(
            (Money::from_units(0.1) - Money::from_units(0.35)).to_string(),
            "-0.25"
        );
        let total: Money = (0..10).map(|_| Money::from_units(0.1)).sum();
        assert_eq!(total, Money::from_units(1.0));
        assert_eq!(Money::from_units(0.005).to_string(), "0.01");
        assert_eq!(Money::from_units(-0.004).to_string(), "0.00");
        assert_eq!(Money::from_units(f64::NAN), Money::ZERO);
    }

    #[test]
    fn amounts_saturate_instead_of_overflowing() {
        assert_eq!(Money::from_units(f64::INFINITY), Money::MAX);
        assert_eq!(Money::from_units(f64::NEG_INFINITY), Money::MIN);
        assert_eq!(Money::MAX + Money::from_cents(1), Money::MAX);
        assert_eq!(Money::MIN - Money::from_cents(1), Money::MIN);
        assert_eq!(
            Money::from_cents(i64::MAX).to_f64(),
            i64::MAX as f64 / 100.0
        );
    }
}
