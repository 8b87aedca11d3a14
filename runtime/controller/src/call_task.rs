//! One call's task: runs the scenario (and its fallback), makes sure the call
//! ends, and sends its record to the sink.

use std::sync::Arc;

use tokio::sync::OwnedSemaphorePermit;
use wasmphony_engine::api::HangupCause;
use wasmphony_engine::{
    CallControl, CallRun, CompiledScenario, Fallback, FallbackOutcome, TenantServices,
};

use crate::call_book::{CallIdentity, SharedBook};
use crate::controller::Controller;
use crate::journal::CallJournal;
use crate::live_calls::{LiveGuard, ParkedBye};
use crate::voicemail::voicemail_left;

/// Everything the call task needs besides the call itself.
pub(crate) struct CallTask {
    pub(crate) identity: CallIdentity,
    pub(crate) book: SharedBook,
    /// Keeps the call in the live table while the task runs.
    pub(crate) guard: Option<LiveGuard>,
    /// The caller's BYE, answered once the record is journalled.
    pub(crate) parked_bye: ParkedBye,
    pub(crate) scenario: Arc<CompiledScenario>,
    pub(crate) services: Arc<dyn TenantServices>,
    pub(crate) config_json: Arc<str>,
    pub(crate) fallback: Fallback,
    /// The call's capacity slot, released when the task ends.
    pub(crate) slot: OwnedSemaphorePermit,
}

pub(crate) async fn run_call_task(
    controller: Arc<Controller>,
    task: CallTask,
    call: Box<dyn CallControl>,
) {
    let host = controller.registry.host().clone();
    let journal = controller.context.journal.clone();
    journal
        .started(task.identity.start(task.scenario.hash().to_string()))
        .await;
    let run = host
        .run_call(
            &task.identity.tenant,
            &task.scenario,
            call,
            task.services.clone(),
            task.config_json.clone(),
            &task.fallback,
        )
        .await;
    // Boxed: the end of a call (a BYE transaction to answer, the record) is large and
    // lasts a moment, while this task's future is kept at its largest state's size for
    // the whole call, thousands of calls at once.
    Box::pin(finish_call(task, run, journal)).await;
}

/// After the scenario (and its fallback): ends the call, notes a voicemail, journals the
/// record and then answers the caller's BYE.
async fn finish_call(task: CallTask, run: CallRun, journal: Arc<dyn CallJournal>) {
    let mut call = run.call;
    // A scenario that returned without hanging up leaves the call to us.
    call.hangup(HangupCause::Normal).await;
    drop(call);
    let voicemail = voicemail_left(
        &task.identity,
        &task.book.lock(),
        &task.fallback,
        run.fallback.as_ref(),
    );
    if let Some(voicemail) = voicemail {
        // Before the record is taken: the message makes the call a voicemail.
        task.book.lock().voicemail = Some(voicemail.recording.clone());
        journal.voicemail_left(voicemail).await;
    }
    let fallback = run.fallback.map(|outcome| match outcome {
        FallbackOutcome::Served => format!("{:?}: served", task.fallback),
        FallbackOutcome::Failed(error) => format!("{:?}: failed ({})", task.fallback, error.kind()),
    });
    let record = {
        let mut book = task.book.lock();
        if let Some(failure) = &run.failure {
            book.failure = Some(format!("{}: {failure}", failure.kind()));
        }
        task.identity
            .record(&book, run.component_hash.to_string(), fallback)
    };
    journal.finished(record).await;
    task.parked_bye.answer().await;
    drop(task.guard);
    drop(task.slot);
}
