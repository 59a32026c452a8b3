//! The page templates, compiled into the crate. Their names end in `.html`, so minijinja
//! escapes every value put into them: catalog fields are user input.

use minijinja::Environment;

/// The templates, by name.
const VIEWS: &[(&str, &str)] = &[
    ("base.html", include_str!("views/base.html")),
    ("home.html", include_str!("views/home.html")),
    ("catalog.html", include_str!("views/catalog.html")),
    ("results.html", include_str!("views/results.html")),
    ("entity.html", include_str!("views/entity.html")),
    ("claims.html", include_str!("views/claims.html")),
    ("claim.html", include_str!("views/claim.html")),
    ("templates.html", include_str!("views/templates.html")),
    ("template.html", include_str!("views/template.html")),
    ("created.html", include_str!("views/created.html")),
    ("metrics.html", include_str!("views/metrics.html")),
    ("login.html", include_str!("views/login.html")),
];

/// The environment holding every page template.
pub fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    for (name, text) in VIEWS {
        // The templates are part of the crate; the tests render each one.
        env.add_template(name, text)
            .unwrap_or_else(|e| panic!("view {name} does not compile: {e}"));
    }
    env
}
