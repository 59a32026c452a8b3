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

use super::Money;
use crate::admit::defaults::parse_path;
use crate::admit::reader::{Reader, child, item};
use crate::load::{Diagnostic, Document, Format, Loader, Node, PathSegment};

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
    prices: BTreeMap<String, f64>,
}

/// Price per unit of a numeric field (GiB of storage).
#[derive(Debug, Clone, PartialEq)]
struct StoragePrice {
    field: SpecField,
    default: f64,
    per_unit: f64,
}

/// A multiplier when a boolean field is true.
#[derive(Debug, Clone, PartialEq)]
struct HighAvailability {
    field: SpecField,
    multiplier: f64,
}

/// How one kind is priced.
#[derive(Debug, Clone, PartialEq)]
pub struct KindPrice {
    kind: String,
    base: f64,
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

fn key(k: &str) -> PathSegment {
    PathSegment::Key(k.to_owned())
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
        let mut r = Reader::new(doc);
        let name = r.header(doc, 63).unwrap_or_default();
        let spec_path = [key("spec")];
        let mut list = PriceList {
            name,
            currency: String::new(),
            prices: Vec::new(),
        };
        let Some(spec) = r.required(&doc.root, &[], "spec", "a mapping") else {
            return Err(r.problems);
        };
        if r.mapping(spec, &spec_path, &["currency", "prices"])
            .is_none()
        {
            return Err(r.problems);
        }
        if let Some(c) = r.required(spec, &spec_path, "currency", "a currency code such as USD") {
            list.currency = r
                .string(c, &child(&spec_path, "currency"))
                .unwrap_or_default();
        }
        let prices_path = child(&spec_path, "prices");
        if let Some(prices) = r.required(spec, &spec_path, "prices", "a list of kinds and prices") {
            for (i, entry) in r
                .sequence(prices, &prices_path)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let path = item(&prices_path, i);
                if let Some(price) = read_kind_price(&mut r, entry, &path) {
                    if list.prices.iter().any(|p| p.kind == price.kind) {
                        r.fail(
                            entry.location,
                            &child(&path, "kind"),
                            format!("expected each kind once, found {} again", price.kind),
                        );
                    }
                    list.prices.push(price);
                }
            }
        }
        if r.problems.is_empty() {
            Ok(list)
        } else {
            Err(r.problems)
        }
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
        if price.base != 0.0 {
            lines.push(EstimateLine {
                item: "base".into(),
                amount: Money::from_units(price.base),
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
                subtotal += amount;
                lines.push(EstimateLine {
                    item: format!("size {chosen}"),
                    amount: Money::from_units(*amount),
                });
            }
        }
        if let Some(storage) = &price.storage {
            let units = match storage.field.read(spec) {
                Some(v) => v
                    .as_f64()
                    .filter(|n| n.is_finite() && *n >= 0.0)
                    .unwrap_or(0.0),
                None => storage.default,
            };
            let amount = units * storage.per_unit;
            if amount != 0.0 {
                subtotal += amount;
                let field = storage.field.keys.last().map_or("", String::as_str);
                lines.push(EstimateLine {
                    item: format!("{field} {units}"),
                    amount: Money::from_units(amount),
                });
            }
        }
        if let Some(ha) = &price.high_availability
            && ha.field.read(spec) == Some(&Value::Bool(true))
        {
            let extra = subtotal * (ha.multiplier - 1.0);
            lines.push(EstimateLine {
                item: format!("high availability ×{}", ha.multiplier),
                amount: Money::from_units(extra),
            });
        }
        Some(Estimate {
            // Parts are rounded one by one; the total is the sum of the rounded parts.
            monthly: lines.iter().map(|l| l.amount).sum(),
            lines,
        })
    }
}

fn read_kind_price(r: &mut Reader, entry: &Node, path: &[PathSegment]) -> Option<KindPrice> {
    r.mapping(
        entry,
        path,
        &["kind", "base", "size", "storage", "highAvailability"],
    )?;
    let kind_node = r.required(entry, path, "kind", "a kind name such as DatabaseClaim")?;
    let kind = r.string(kind_node, &child(path, "kind"))?;
    let mut price = KindPrice {
        kind,
        base: 0.0,
        size: None,
        storage: None,
        high_availability: None,
    };
    if let Some(base) = entry.get("base") {
        price.base = r.amount(base, &child(path, "base")).unwrap_or(0.0);
    }
    let field = |r: &mut Reader, node: &Node, path: &[PathSegment], default: &str| {
        let Some(f) = node.get("field") else {
            return SpecField::new(default).ok();
        };
        let field_path = child(path, "field");
        let text = r.string(f, &field_path)?;
        match SpecField::new(&text) {
            Ok(field) => Some(field),
            Err(message) => {
                r.fail(f.location, &field_path, message);
                None
            }
        }
    };
    if let Some(size) = entry.get("size") {
        let size_path = child(path, "size");
        if r.mapping(size, &size_path, &["field", "default", "prices"])
            .is_some()
        {
            let f = field(r, size, &size_path, "spec.size");
            let default = size
                .get("default")
                .and_then(|d| r.string(d, &child(&size_path, "default")));
            let mut prices = BTreeMap::new();
            let prices_path = child(&size_path, "prices");
            if let Some(p) = r.required(size, &size_path, "prices", "a price per size")
                && let Some(entries) = r.entries(p, &prices_path)
            {
                for (k, v) in entries {
                    if let Some(amount) = r.amount(v, &child(&prices_path, &k.name)) {
                        prices.insert(k.name.clone(), amount);
                    }
                }
            }
            if let (Some(field), Some(d)) = (&f, &default)
                && !prices.contains_key(d)
            {
                let at = size.get("default").map_or(size.location, |n| n.location);
                r.fail(
                    at,
                    &child(&size_path, "default"),
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
    }
    if let Some(storage) = entry.get("storage") {
        let storage_path = child(path, "storage");
        if r.mapping(storage, &storage_path, &["field", "default", "perUnit"])
            .is_some()
        {
            let f = field(r, storage, &storage_path, "spec.storageGiB");
            let default = storage
                .get("default")
                .and_then(|d| r.amount(d, &child(&storage_path, "default")))
                .unwrap_or(0.0);
            let per_unit = r
                .required(
                    storage,
                    &storage_path,
                    "perUnit",
                    "the monthly price of one unit",
                )
                .and_then(|n| r.amount(n, &child(&storage_path, "perUnit")));
            if let (Some(field), Some(per_unit)) = (f, per_unit) {
                price.storage = Some(StoragePrice {
                    field,
                    default,
                    per_unit,
                });
            }
        }
    }
    if let Some(ha) = entry.get("highAvailability") {
        let ha_path = child(path, "highAvailability");
        if r.mapping(ha, &ha_path, &["field", "multiplier"]).is_some() {
            let f = field(r, ha, &ha_path, "spec.highAvailability");
            let multiplier = r
                .required(ha, &ha_path, "multiplier", "a factor such as 2")
                .and_then(|n| r.amount(n, &child(&ha_path, "multiplier")));
            if let Some(m) = multiplier
                && m < 1.0
            {
                let at = ha.get("multiplier").map_or(ha.location, |n| n.location);
                r.fail(
                    at,
                    &child(&ha_path, "multiplier"),
                    format!("expected a factor of 1 or more, found {m}"),
                );
            }
            if let (Some(field), Some(multiplier)) = (f, multiplier) {
                price.high_availability = Some(HighAvailability { field, multiplier });
            }
        }
    }
    Some(price)
}
