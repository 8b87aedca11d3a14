use crate::api::{CallError, CallbackRequest, OriginateRequest};
use crate::bindings::call_world::wasmphony::scenario::outbound::Host;
use crate::host::try_guest;
use crate::services::CallbackFiling;
use crate::state::{CallState, Party};

impl Host for CallState {
    async fn schedule_callback(
        &mut self,
        request: CallbackRequest,
    ) -> wasmtime::Result<Result<String, CallError>> {
        let check = self.enter();
        try_guest!(check.text("number", &request.number));
        try_guest!(check.opt_text("queue", &request.queue));
        try_guest!(check.text("reason", &request.reason));
        if request.number.trim().is_empty() {
            return Ok(Err(CallError::Invalid("a callback needs a number".into())));
        }
        // Filed under the call's own dialled number; a timer has no call.
        let filing = match &self.party {
            Party::Call(call) => {
                let info = call.info();
                CallbackFiling::on_call(request, info.dialed, info.id)
            }
            Party::Timer(_) => CallbackFiling::without_call(request),
        };
        Ok(self.services.schedule_callback(filing).await)
    }

    async fn originate(
        &mut self,
        request: OriginateRequest,
    ) -> wasmtime::Result<Result<String, CallError>> {
        let check = self.enter();
        try_guest!(check.text("to", &request.to));
        try_guest!(check.opt_text("caller id", &request.caller_id));
        try_guest!(check.opt_text("scenario", &request.scenario));
        try_guest!(check.fields(&request.vars));
        if request.to.trim().is_empty() {
            return Ok(Err(CallError::Invalid("originate needs a target".into())));
        }
        Ok(self.services.originate(request).await)
    }
}
