//! The platform's own settings carried in a state URL: `?schema=NAME&pool_size=N`, taken out
//! before the rest (a libpq URL) reaches the driver.

use platform_core::store::StoreError;

use super::{PostgresOptions, check_schema_name};

/// Takes `schema` and `pool_size` out of the query of a `postgres://` URL into `options`;
/// returns the URL without them. Other parameters (`sslmode`, `connect_timeout`, ...) stay.
/// Errors name the parameter, never the URL (it may hold a password).
///
/// ```
/// use platform_providers::store::postgres::{PostgresOptions, split_state_url};
///
/// let mut options = PostgresOptions::default();
/// let url = split_state_url("postgres://db/app?schema=team_a&pool_size=4&sslmode=disable", &mut options).unwrap();
/// assert_eq!(url, "postgres://db/app?sslmode=disable");
/// assert_eq!((options.schema.as_str(), options.pool_size), ("team_a", 4));
/// ```
pub fn split_state_url(url: &str, options: &mut PostgresOptions) -> Result<String, StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok(url.to_owned());
    };
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        match name {
            "schema" => {
                check_schema_name(value)?;
                options.schema = value.to_owned();
            }
            "pool_size" => {
                options.pool_size = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| {
                        StoreError::Unavailable(format!(
                            "state URL: pool_size: expected a number from 1 to 1000, found \
                             {value:?}"
                        ))
                    })?;
            }
            _ => kept.push(pair),
        }
    }
    Ok(if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_settings_are_taken_out_and_bad_ones_named() {
        let mut options = PostgresOptions::default();
        assert_eq!(
            split_state_url("postgres://u:pw@h/db", &mut options).unwrap(),
            "postgres://u:pw@h/db"
        );
        assert_eq!(options, PostgresOptions::default());
        assert_eq!(
            split_state_url("postgres://u:pw@h/db?schema=prod_state", &mut options).unwrap(),
            "postgres://u:pw@h/db"
        );
        assert_eq!(options.schema, "prod_state");
        let e = split_state_url("postgres://u:pw@h/db?pool_size=0", &mut options)
            .unwrap_err()
            .to_string();
        assert!(e.contains("pool_size") && !e.contains("pw@"), "{e}");
        let e = split_state_url("postgres://u:pw@h/db?schema=Prod", &mut options)
            .unwrap_err()
            .to_string();
        assert!(e.contains("lowercase"), "{e}");
    }
}
