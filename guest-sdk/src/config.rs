//! The route's configuration (JSON) read into the scenario's own serde type.

use serde::de::DeserializeOwned;

use crate::error::Error;

/// The configuration text the route gives this scenario (`{}` when none).
pub fn raw() -> String {
    crate::wit::host::config()
}

/// Reads the route configuration into `T`.
///
/// ```no_run
/// #[derive(serde::Deserialize, Default)]
/// #[serde(default)]
/// struct MyConfig { queue: String }
///
/// # fn demo() -> wasmphony_guest::ScenarioResult {
/// let config: MyConfig = wasmphony_guest::config::load()?;
/// # Ok(()) }
/// ```
pub fn load<T: DeserializeOwned>() -> Result<T, Error> {
    parse(&raw())
}

/// Reads the route configuration into `T`, or `default_json` when the route gives none.
///
/// Scenarios ship a default configuration (`include_str!("../config.json")`) so that they
/// work on a route that configures nothing.
pub fn load_or<T: DeserializeOwned>(default_json: &str) -> Result<T, Error> {
    parse_or(&raw(), default_json)
}

/// Parses configuration text into `T` (pure; what [`load`] does with the host's text).
pub fn parse<T: DeserializeOwned>(text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|error| Error::Config(error.to_string()))
}

/// Parses `text`, or `default_json` when `text` is empty or `{}` (what [`load_or`] does).
pub fn parse_or<T: DeserializeOwned>(text: &str, default_json: &str) -> Result<T, Error> {
    if is_unset(text) {
        parse(default_json)
    } else {
        parse(text)
    }
}

fn is_unset(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    compact.is_empty() || compact == "{}" || compact == "null"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Routing {
        queue: String,
        #[serde(default)]
        retries: u8,
    }

    #[test]
    fn parses_into_the_scenario_type() {
        let routing: Routing = parse(r#"{"queue": "kitchen", "retries": 2}"#).unwrap();
        assert_eq!(
            routing,
            Routing {
                queue: "kitchen".into(),
                retries: 2
            }
        );
    }

    #[test]
    fn empty_configuration_falls_back_to_the_default() {
        let default = r#"{"queue": "reception"}"#;
        for unset in ["", "{}", " { } ", "null"] {
            let routing: Routing = parse_or(unset, default).unwrap();
            assert_eq!(routing.queue, "reception");
        }
        let routing: Routing = parse_or(r#"{"queue": "bar"}"#, default).unwrap();
        assert_eq!(routing.queue, "bar");
    }

    #[test]
    fn errors_name_the_problem() {
        let error = parse::<Routing>(r#"{"retries": 1}"#).unwrap_err();
        assert!(
            matches!(&error, Error::Config(message) if message.contains("queue")),
            "{error}"
        );
    }
}
