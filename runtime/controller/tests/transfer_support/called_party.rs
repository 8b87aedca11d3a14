//! The party a transfer hands on (the customer, or whoever the phone called): a sipp
//! whose RTP is the test's own socket, so that the test hears whom it is bridged to.

use std::path::PathBuf;
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::task::JoinHandle;

use super::echoes::talk_and_time_echoes;
use super::parties::party;
use crate::support::{SippRun, run_sipp};

/// How long the test waits for the called party's sipp to say where the host's media is.
pub const HOST_RTP_WAIT: Duration = Duration::from_secs(15);

/// The called party's sipp and the socket that stands in for its RTP.
pub struct CalledParty {
    sipp: JoinHandle<SippRun>,
    media: UdpSocket,
    host_rtp_file: PathBuf,
    talk: Duration,
}

impl CalledParty {
    /// Starts the party's sipp on `port`: it answers, writes the host's RTP port to a
    /// file, and hangs up after `talk` plus a second.
    pub async fn answers(port: u16, talk: Duration, test_name: &str) -> CalledParty {
        let media = UdpSocket::bind("127.0.0.1:0").await.unwrap();
        let sink = media.local_addr().unwrap().port().to_string();
        let host_rtp_file: PathBuf = [
            env!("CARGO_TARGET_TMPDIR"),
            &format!("{test_name}-host-rtp"),
        ]
        .iter()
        .collect();
        // A file left by an earlier run would point at a leg long gone.
        let _ = std::fs::remove_file(&host_rtp_file);
        let mut args = party(
            "uas_customer_transferred.xml",
            port,
            false,
            &[
                ("rtp_sink", sink),
                ("host_rtp_file", host_rtp_file.display().to_string()),
            ],
        );
        args.extend(["-d".into(), (talk.as_millis() + 1_000).to_string()]);
        CalledParty {
            sipp: tokio::spawn(run_sipp(args)),
            media,
            host_rtp_file,
            talk,
        }
    }

    /// Talks to the host's leg once the call reached the party, and returns when each
    /// packet came back (echoed by whoever the party is bridged to), from the start.
    pub async fn talk(&mut self) -> Vec<Duration> {
        let host_port = self.host_rtp_port().await;
        talk_and_time_echoes(&self.media, host_port, self.talk).await
    }

    /// The party's sipp ran its script to the end.
    pub async fn assert_clean(self) {
        self.sipp.await.unwrap().assert_clean();
    }

    /// The host's RTP port for the party (bounded wait). A sipp that ended first (it
    /// could not bind, say) is reported with its output.
    async fn host_rtp_port(&mut self) -> u16 {
        let until = tokio::time::Instant::now() + HOST_RTP_WAIT;
        loop {
            if let Ok(text) = std::fs::read_to_string(&self.host_rtp_file)
                && let Ok(port) = text.trim().parse()
            {
                return port;
            }
            if self.sipp.is_finished() {
                (&mut self.sipp).await.unwrap().assert_clean();
                panic!("the called party's sipp ended before it was called");
            }
            assert!(
                tokio::time::Instant::now() < until,
                "the called party was not called"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}
