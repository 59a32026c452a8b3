//! The price catalog: `kind: PriceList`, a monthly price by kind and spec fields.
//!
//! ```yaml
//! apiVersion: platform.dev/v1alpha1
//! kind: PriceList
//! metadata: {name: acme-prices}
//! spec:
//!   currency: EUR
//!   prices:
//!     - kind: DatabaseClaim
//!       base: 5                                   # flat monthly price (optional)
//!       size: {field: spec.size, default: small, prices: {small: 25, medium: 100}}
//!       storage: {field: spec.storageGiB, default: 20, perUnit: 0.12}
//!       highAvailability: {field: spec.highAvailability, multiplier: 2}
//! ```
//!
//! A claim's monthly price is `(base + size price + storage × perUnit) × multiplier` when high
//! availability is on. Fields default to `spec.size`, `spec.storageGiB` and
//! `spec.highAvailability`; a kind absent from the list costs nothing.

use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

use rust_decimal::Decimal;

use super::Money;
use super::money::{decimal, saturating_add, saturating_mul};
use crate::admit::defaults::parse_path;
use crate::admit::header::read_header;
use crate::load::{Diagnostic, Document, Field, FieldReader, Format, Loader};

const EXAMPLE_PRICES: &str = include_str!("example-prices.yaml");

/// A field of the spec read by a price rule, such as `spec.size`.
#[derive(Debug, Clone, PartialEq)]
struct SpecField {
    path: String,
    keys: Vec<String>,
}

impl SpecField {
    fn new(path: &str) -> Result<Self, String> {
        let keys = parse_path(path)?;
        match keys.split_first() {
            Some((first, rest)) if first == "spec" && !rest.is_empty() => Ok(SpecField {
                path: path.to_owned(),
                keys: rest.to_vec(),
            }),
            _ => Err(format!(
                "expected a path under spec such as spec.size, found {path:?}"
            )),
        }
    }

    fn read<'a>(&self, spec: &'a Value) -> Option<&'a Value> {
        let mut node = spec;
        for key in &self.keys {
            node = node.get(key)?;
        }
        (!node.is_null()).then_some(node)
    }
}

/// Price by size class.
#[derive(Debug, Clone, PartialEq)]
struct SizePrice {
    field: SpecField,
    default: Option<String>,
    prices: BTreeMap<String, Decimal>,
}

/// Price per unit of a numeric field (GiB of storage).
#[derive(Debug, Clone, PartialEq)]
struct StoragePrice {
    field: SpecField,
    default: Decimal,
    per_unit: Decimal,
}

/// A multiplier when a boolean field is true.
#[derive(Debug, Clone, PartialEq)]
struct HighAvailability {
    field: SpecField,
    multiplier: Decimal,
}

/// How one kind is priced.
#[derive(Debug, Clone, PartialEq)]
pub struct KindPrice {
    kind: String,
    base: Decimal,
    size: Option<SizePrice>,
    storage: Option<StoragePrice>,
    high_availability: Option<HighAvailability>,
}

/// One part of an estimate, for people to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EstimateLine {
    /// What is priced, such as `size large` or `storage 100 GiB`.
    pub item: String,
    /// Its monthly price.
    pub amount: Money,
}

/// The monthly price of one object, with its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Estimate {
    /// The monthly total.
    pub monthly: Money,
    /// How the total is made up.
    pub lines: Vec<EstimateLine>,
}

/// Monthly prices by kind and spec fields.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceList {
    name: String,
    currency: String,
    prices: Vec<KindPrice>,
}

impl PriceList {
    /// The example prices shipped with the SDK (USD, roughly a public cloud's).
    pub fn example() -> PriceList {
        let loaded = Loader::new().load_str(
            Arc::from("example-prices.yaml"),
            EXAMPLE_PRICES,
            Format::Yaml,
        );
        loaded
            .documents
            .first()
            .and_then(|doc| PriceList::from_document(doc).ok())
            .unwrap_or_else(|| PriceList {
                name: "empty".into(),
                currency: "USD".into(),
                prices: Vec::new(),
            })
    }

    /// Reads a PriceList document; every problem is reported, located.
    pub fn from_document(doc: &Document) -> Result<PriceList, Vec<Diagnostic>> {
        let mut r = FieldReader::new(doc.file.clone());
        let name = read_header(&mut r, doc, 63).unwrap_or_default();
        let mut list = PriceList {
            name,
            currency: String::new(),
            prices: Vec::new(),
        };
        let Some(spec) = r.required(Field::root(&doc.root).get("spec"), "a mapping") else {
            return Err(r.into_problems());
        };
        if r.mapping(&spec, &["currency", "prices"]).is_none() {
            return Err(r.into_problems());
        }
        if let Some(currency) = r.required(spec.get("currency"), "a currency code such as USD") {
            list.currency = r.non_empty_string(&currency).unwrap_or_default();
        }
        if let Some(prices) = r.required(spec.get("prices"), "a list of kinds and prices") {
            for entry in r.sequence(&prices).unwrap_or_default() {
                if let Some(price) = read_kind_price(&mut r, &entry) {
                    if list.prices.iter().any(|p| p.kind == price.kind) {
                        r.report(
                            entry.location(),
                            entry.get("kind").path(),
                            format!("expected each kind once, found {} again", price.kind),
                        );
                    }
                    list.prices.push(price);
                }
            }
        }
        r.finish(list)
    }

    /// The list's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The currency of every amount, such as `USD`.
    pub fn currency(&self) -> &str {
        &self.currency
    }

    /// The kinds that have a price.
    pub fn kinds(&self) -> impl Iterator<Item = &str> {
        self.prices.iter().map(|p| p.kind.as_str())
    }

    /// The monthly price of a kind with a spec; `None` when the kind has no price.
    pub fn estimate_spec(&self, kind: &str, spec: &Value) -> Option<Estimate> {
        let price = self.prices.iter().find(|p| p.kind == kind)?;
        let mut lines = Vec::new();
        let mut subtotal = price.base;
        if !price.base.is_zero() {
            lines.push(EstimateLine {
                item: "base".into(),
                amount: Money::from_decimal(price.base),
            });
        }
        if let Some(size) = &price.size {
            let chosen = match size.field.read(spec) {
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => None,
                None => size.default.as_deref(),
            };
            if let Some(chosen) = chosen
                && let Some(amount) = size.prices.get(chosen)
            {
                subtotal = saturating_add(subtotal, *amount);
                lines.push(EstimateLine {
                    item: format!("size {chosen}"),
                    amount: Money::from_decimal(*amount),
                });
            }
        }
        if let Some(storage) = &price.storage {
            let units = match storage.field.read(spec) {
                Some(v) => v
                    .as_f64()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .map_or(Decimal::ZERO, decimal),
                None => storage.default,
            };
            let amount = saturating_mul(units, storage.per_unit);
            if !amount.is_zero() {
                subtotal = saturating_add(subtotal, amount);
                let field = storage.field.keys.last().map_or("", String::as_str);
                lines.push(EstimateLine {
                    item: format!("{field} {}", units.normalize()),
                    amount: Money::from_decimal(amount),
                });
            }
        }
        if let Some(ha) = &price.high_availability
            && ha.field.read(spec) == Some(&Value::Bool(true))
        {
            let extra = saturating_mul(subtotal, ha.multiplier - Decimal::ONE);
            lines.push(EstimateLine {
                item: format!("high availability ×{}", ha.multiplier.normalize()),
                amount: Money::from_decimal(extra),
            });
        }
        Some(Estimate {
            // Parts are rounded one by one; the total is the sum of the rounded parts.
            monthly: lines.iter().map(|l| l.amount).sum(),
            lines,
        })
    }
}

fn read_kind_price(r: &mut FieldReader, entry: &Field<'_>) -> Option<KindPrice> {
    r.mapping(
        entry,
        &["kind", "base", "size", "storage", "highAvailability"],
    )?;
    let kind = r.required(entry.get("kind"), "a kind name such as DatabaseClaim")?;
    let mut price = KindPrice {
        kind: r.non_empty_string(&kind)?,
        base: amount(r, &entry.get("base")).unwrap_or(Decimal::ZERO),
        size: None,
        storage: None,
        high_availability: None,
    };
    let spec_field = |r: &mut FieldReader, rule: &Field<'_>, default: &str| {
        let field = rule.get("field");
        if field.node().is_none() {
            return SpecField::new(default).ok();
        }
        match SpecField::new(&r.non_empty_string(&field)?) {
            Ok(spec_field) => Some(spec_field),
            Err(message) => {
                r.fail(&field, message);
                None
            }
        }
    };
    let size = entry.get("size");
    if r.mapping(&size, &["field", "default", "prices"]).is_some() {
        let f = spec_field(r, &size, "spec.size");
        let default = r.non_empty_string(&size.get("default"));
        let mut prices = BTreeMap::new();
        if let Some(p) = r.required(size.get("prices"), "a price per size") {
            for (k, v) in r.entries(&p).unwrap_or_default() {
                if let Some(amount) = amount(r, &v) {
                    prices.insert(k.name.clone(), amount);
                }
            }
        }
        if let (Some(field), Some(d)) = (&f, &default)
            && !prices.contains_key(d)
        {
            r.fail(
                &size.get("default"),
                format!(
                    "expected one of the priced sizes ({}), found {d:?} for {}",
                    prices.keys().cloned().collect::<Vec<_>>().join(", "),
                    field.path
                ),
            );
        }
        if let Some(field) = f {
            price.size = Some(SizePrice {
                field,
                default,
                prices,
            });
        }
    }
    let storage = entry.get("storage");
    if r.mapping(&storage, &["field", "default", "perUnit"])
        .is_some()
    {
        let f = spec_field(r, &storage, "spec.storageGiB");
        let default = amount(r, &storage.get("default")).unwrap_or(Decimal::ZERO);
        let per_unit = r
            .required(storage.get("perUnit"), "the monthly price of one unit")
            .and_then(|n| amount(r, &n));
        if let (Some(field), Some(per_unit)) = (f, per_unit) {
            price.storage = Some(StoragePrice {
                field,
                default,
                per_unit,
            });
        }
    }
    let ha = entry.get("highAvailability");
    if r.mapping(&ha, &["field", "multiplier"]).is_some() {
        let f = spec_field(r, &ha, "spec.highAvailability");
        let multiplier = r
            .required(ha.get("multiplier"), "a factor such as 2")
            .and_then(|n| amount(r, &n));
        if let Some(m) = multiplier
            && m < Decimal::ONE
        {
            r.fail(
                &ha.get("multiplier"),
                format!("expected a factor of 1 or more, found {}", m.normalize()),
            );
        }
        if let (Some(field), Some(multiplier)) = (f, multiplier) {
            price.high_availability = Some(HighAvailability { field, multiplier });
        }
    }
    Some(price)
}

/// A price read as a number of zero or more, as an exact decimal.
fn amount(r: &mut FieldReader, field: &Field<'_>) -> Option<Decimal> {
    r.amount(field).map(decimal)
}
