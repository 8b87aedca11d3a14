use crate::api::{
    CallError, CallInfo, CollectOptions, DialOptions, DialOutcome, DialTarget, EnqueueOptions,
    HangupCause, Prompt, QueueOutcome, RecordOptions,
};
use crate::bindings::call_world::wasmphony::scenario::call::Host;
use crate::control::CallControl;
use crate::host::{Check, try_guest};
use crate::state::{CallState, Party};

const NO_CALL: &str = "this scenario runs without a call (timer world)";

impl CallState {
    fn call(&mut self) -> Result<&mut Box<dyn CallControl>, CallError> {
        match &mut self.party {
            Party::Call(call) => Ok(call),
            Party::Timer(_) => Err(CallError::Invalid(NO_CALL.into())),
        }
    }
}

fn check_prompts(check: &Check<'_>, prompts: &[Prompt]) -> Result<(), CallError> {
    check.list("prompts", prompts)?;
    for prompt in prompts {
        match prompt {
            Prompt::File(s) | Prompt::Digits(s) | Prompt::Text(s) => check.text("prompt", s)?,
            Prompt::Number(_) | Prompt::Silence(_) | Prompt::Beep => {}
        }
    }
    Ok(())
}

fn check_target(check: &Check<'_>, target: &DialTarget) -> Result<(), CallError> {
    match target {
        DialTarget::Extension(s) | DialTarget::Number(s) | DialTarget::SipUri(s) => {
            if s.is_empty() {
                return Err(CallError::Invalid("empty dial target".into()));
            }
            check.text("dial target", s)
        }
        DialTarget::AssignedManager => Ok(()),
    }
}

fn check_digits(what: &str, digits: &str) -> Result<(), CallError> {
    match digits
        .chars()
        .find(|c| !matches!(c, '0'..='9' | '*' | '#' | 'A'..='D'))
    {
        Some(bad) => Err(CallError::Invalid(format!(
            "{what} contains {bad:?}; DTMF keys are 0-9 * # A-D"
        ))),
        None => Ok(()),
    }
}

impl Host for CallState {
    async fn info(&mut self) -> wasmtime::Result<CallInfo> {
        self.meter.enter_host();
        Ok(match &self.party {
            Party::Call(call) => call.info(),
            Party::Timer(_) => return Err(wasmtime::Error::msg(NO_CALL)),
        })
    }

    async fn answer(&mut self) -> wasmtime::Result<Result<(), CallError>> {
        self.meter.enter_host();
        let call = try_guest!(self.call());
        Ok(call.answer().await)
    }

    async fn hangup(&mut self, cause: HangupCause) -> wasmtime::Result<()> {
        self.meter.enter_host();
        if let Party::Call(call) = &mut self.party {
            call.hangup(cause).await;
        }
        Ok(())
    }

    async fn play(
        &mut self,
        prompts: Vec<Prompt>,
        barge_in: bool,
    ) -> wasmtime::Result<Result<Option<String>, CallError>> {
        try_guest!(check_prompts(&self.enter(), &prompts));
        let call = try_guest!(self.call());
        Ok(call.play(prompts, barge_in).await)
    }

    async fn collect(
        &mut self,
        options: CollectOptions,
    ) -> wasmtime::Result<Result<String, CallError>> {
        let check = self.enter();
        try_guest!(check_prompts(&check, &options.prompt));
        try_guest!(check_digits("terminators", &options.terminators));
        if options.max_digits == 0 || options.min_digits > options.max_digits {
            return Ok(Err(CallError::Invalid(format!(
                "collect needs 0 < min-digits <= max-digits (got {}..{})",
                options.min_digits, options.max_digits
            ))));
        }
        let call = try_guest!(self.call());
        Ok(call.collect(options).await)
    }

    async fn record(
        &mut self,
        options: RecordOptions,
    ) -> wasmtime::Result<Result<String, CallError>> {
        self.meter.enter_host();
        try_guest!(check_digits("terminators", &options.terminators));
        if options.max_seconds == 0 {
            return Ok(Err(CallError::Invalid(
                "record needs max-seconds > 0".into(),
            )));
        }
        let call = try_guest!(self.call());
        Ok(call.record(options).await)
    }

    async fn dial(
        &mut self,
        options: DialOptions,
    ) -> wasmtime::Result<Result<DialOutcome, CallError>> {
        let check = self.enter();
        try_guest!(check.list("dial targets", &options.targets));
        for target in &options.targets {
            try_guest!(check_target(&check, target));
        }
        try_guest!(check.opt_text("caller id", &options.caller_id));
        if options.targets.is_empty() {
            return Ok(Err(CallError::Invalid(
                "dial needs at least one target".into(),
            )));
        }
        let call = try_guest!(self.call());
        Ok(call.dial(options).await)
    }

    async fn enqueue(
        &mut self,
        options: EnqueueOptions,
    ) -> wasmtime::Result<Result<QueueOutcome, CallError>> {
        let check = self.enter();
        try_guest!(check.text("queue", &options.queue));
        if let Some(key) = &options.callback_key {
            try_guest!(check_digits("callback key", key));
        }
        let call = try_guest!(self.call());
        Ok(call.enqueue(options).await)
    }

    async fn transfer(&mut self, target: DialTarget) -> wasmtime::Result<Result<(), CallError>> {
        try_guest!(check_target(&self.enter(), &target));
        let call = try_guest!(self.call());
        Ok(call.transfer(target).await)
    }

    async fn send_dtmf(&mut self, digits: String) -> wasmtime::Result<Result<(), CallError>> {
        try_guest!(self.enter().text("digits", &digits));
        try_guest!(check_digits("digits", &digits));
        let call = try_guest!(self.call());
        Ok(call.send_dtmf(digits).await)
    }

    async fn tag(&mut self, label: String) -> wasmtime::Result<Result<(), CallError>> {
        try_guest!(self.enter().text("tag", &label));
        let call = try_guest!(self.call());
        Ok(call.tag(label).await)
    }

    async fn set_var(
        &mut self,
        name: String,
        value: String,
    ) -> wasmtime::Result<Result<(), CallError>> {
        let check = self.enter();
        try_guest!(check.text("variable name", &name));
        try_guest!(check.text("variable value", &value));
        let max_vars = self.limits.max_vars;
        let call = try_guest!(self.call());
        if call.get_var(&name).is_none() && call.var_count() >= max_vars {
            return Ok(Err(CallError::Limit(format!(
                "a call holds at most {max_vars} variables"
            ))));
        }
        call.set_var(name, value);
        Ok(Ok(()))
    }

    async fn get_var(&mut self, name: String) -> wasmtime::Result<Option<String>> {
        self.meter.enter_host();
        Ok(match &self.party {
            Party::Call(call) => call.get_var(&name),
            Party::Timer(_) => None,
        })
    }
}
