//! Driving a [`MenuTree`] with a real call.

use super::model::MenuTree;
use super::session::{MenuInput, MenuSession, MenuStep, Selection};
use crate::call::Call;
use crate::wit::types::CallError;

impl MenuTree {
    /// Offers the menus to the caller until they choose an action that leaves the menu (or run
    /// out of retries), and returns it for the scenario to carry out.
    ///
    /// ```no_run
    /// use wasmphony_guest::menu::{MenuAction, MenuTree};
    /// # fn demo(call: &wasmphony_guest::Call, tree: &MenuTree) -> wasmphony_guest::ScenarioResult {
    /// let selection = tree.run(call)?;
    /// match selection.action {
    ///     MenuAction::Queue { queue } => { call.enqueue(queue).run()?; }
    ///     MenuAction::Extension { extension } => { call.dial().extension(extension).run()?; }
    ///     _ => call.hangup(),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn run(&self, call: &Call) -> Result<Selection, CallError> {
        let mut session = MenuSession::new(self);
        loop {
            let request = session.request();
            let collected = call
                .collect()
                .min(1)
                .max(request.max_digits)
                .terminators("#")
                .timeout_ms(request.timeout_ms)
                .inter_digit_timeout_ms(request.inter_digit_timeout_ms)
                .prompt(&request.prompts)
                .run_optional()?;
            let input = collected.map_or(MenuInput::Timeout, MenuInput::Digits);
            if let MenuStep::Done(selection) = session.feed(input) {
                return Ok(selection);
            }
        }
    }
}
