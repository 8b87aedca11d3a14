//! sipp parties that answer one call each, started in the background.

use tokio::task::JoinHandle;

use crate::queue_support::uas_args;
use crate::support::{SippRun, run_sipp, wait_until_listening};

/// sipp answering one call on `port` with `xml`, its RTP echoed when `echo`.
pub fn party(xml: &str, port: u16, echo: bool, keys: &[(&str, String)]) -> Vec<String> {
    let mut args = uas_args(xml, port);
    if echo {
        args.push("-rtp_echo".into());
    }
    for (key, value) in keys {
        args.extend(["-key".to_string(), key.to_string(), value.clone()]);
    }
    args
}

/// [`party`], running in the background.
pub fn spawn_party(
    xml: &str,
    port: u16,
    echo: bool,
    keys: &[(&str, String)],
) -> JoinHandle<SippRun> {
    tokio::spawn(run_sipp(party(xml, port, echo, keys)))
}

/// [`spawn_party`], once its sipp has bound `port`. For a party that a transfer (or a
/// direct call) reaches: an INVITE sent while its sipp still starts is lost, and under
/// load RFC 3261's back-off carries the retry past the party's scripted hang-up.
pub async fn listening_party(
    xml: &str,
    port: u16,
    echo: bool,
    keys: &[(&str, String)],
) -> JoinHandle<SippRun> {
    let sipp = spawn_party(xml, port, echo, keys);
    wait_until_listening(port).await;
    sipp
}
