//! Where a caller finds its queue's task: one task per (tenant, queue), started on first
//! use; a changed definition starts a new task for new callers (the old one serves its
//! callers until they leave).

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};
use tokio::sync::mpsc;

use super::QueueDefinition;
use super::task::{QUEUE_COMMANDS, QueueCommand, run_queue};
use crate::context::ControllerContext;

struct Running {
    definition: QueueDefinition,
    commands: mpsc::Sender<QueueCommand>,
}

/// The queues of a controller: their definitions (from the route table) and tasks.
#[derive(Default)]
pub(crate) struct QueueHub {
    definitions: RwLock<HashMap<(String, String), QueueDefinition>>,
    queues: Mutex<HashMap<(String, String), Running>>,
}

impl QueueHub {
    /// Replaces the definitions; a running queue picks up a changed definition when a
    /// caller next joins.
    pub(crate) fn set_definitions(&self, definitions: HashMap<(String, String), QueueDefinition>) {
        *self.definitions.write() = definitions;
    }

    /// The command channel of `tenant`'s queue `name`, starting its task when none runs
    /// (or the running one has stopped, or runs an older definition); `None` for a queue
    /// the tenant does not have.
    pub(crate) fn queue(
        &self,
        context: &Arc<ControllerContext>,
        tenant: &str,
        name: &str,
    ) -> Option<mpsc::Sender<QueueCommand>> {
        let key = (tenant.to_string(), name.to_string());
        let definition = self.definitions.read().get(&key).cloned()?;
        let mut queues = self.queues.lock();
        if let Some(running) = queues.get(&key)
            && !running.commands.is_closed()
            && running.definition == definition
        {
            return Some(running.commands.clone());
        }
        let (commands, receiver) = mpsc::channel(QUEUE_COMMANDS);
        let weak: Weak<ControllerContext> = Arc::downgrade(context);
        tokio::spawn(run_queue(
            weak,
            tenant.to_string(),
            definition.clone(),
            receiver,
        ));
        queues.insert(
            key,
            Running {
                definition,
                commands: commands.clone(),
            },
        );
        Some(commands)
    }
}
