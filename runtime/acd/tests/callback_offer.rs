//! The callback offer as tenants configure it: off unless asked for, key `1` by default,
//! and only phone keys count.

use wasmphony_acd::QueueConfig;

#[test]
fn the_callback_is_not_offered_unless_configured() {
    assert_eq!(QueueConfig::default().callback_key(), None);
}

#[test]
fn an_offered_callback_defaults_to_key_1() {
    let config: QueueConfig =
        serde_json::from_str(r#"{"offer_callback":true}"#).expect("valid config");
    assert_eq!(config.callback_key(), Some('1'));
}

#[test]
fn the_callback_key_is_configurable_but_must_be_a_phone_key() {
    let star: QueueConfig = serde_json::from_str(r#"{"offer_callback":true,"callback_key":"*"}"#)
        .expect("valid config");
    assert_eq!(star.callback_key(), Some('*'));
    let letter: QueueConfig = serde_json::from_str(r#"{"offer_callback":true,"callback_key":"x"}"#)
        .expect("valid config");
    assert_eq!(letter.callback_key(), None);
}
