//! Where a caller finds its queue's task: one task per (tenant, queue), started on first
//! use; a changed definition starts a new task for new callers (the old one serves its
//! callers and callback tasks until they leave).

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use parking_lot::{Mutex, RwLock};
use tokio::sync::mpsc;
use wasmphony_engine::TenantServices;

use super::sizes::{QueueGauges, QueueSize};
use super::task::{QUEUE_COMMANDS, QueueCommand, run_queue};
use super::{HostedQueue, QueueDefinition};
use crate::context::ControllerContext;

struct Running {
    definition: QueueDefinition,
    commands: mpsc::Sender<QueueCommand>,
    gauges: Arc<QueueGauges>,
}

/// What a caller joining a queue gets: the queue's command channel, the tenant's
/// services (where a callback request is filed) and the queue's callback key.
pub(crate) struct QueueHandle {
    pub(crate) commands: mpsc::Sender<QueueCommand>,
    pub(crate) services: Arc<dyn TenantServices>,
    /// The key that asks for a callback, when the queue offers one.
    pub(crate) callback_key: Option<char>,
}

/// The queues of a controller: their definitions (from the route table) and tasks.
#[derive(Default)]
pub(crate) struct QueueHub {
    definitions: RwLock<HashMap<(String, String), HostedQueue>>,
    queues: Mutex<HashMap<(String, String), Running>>,
}

impl QueueHub {
    /// Replaces the definitions; a running queue picks up a changed definition when a
    /// caller next joins.
    pub(crate) fn set_definitions(&self, definitions: HashMap<(String, String), HostedQueue>) {
        *self.definitions.write() = definitions;
    }

    /// The handle of `tenant`'s queue `name`, starting its task when none runs (or the
    /// running one has stopped, or runs an older definition); `None` for a queue the
    /// tenant does not have.
    pub(crate) fn queue(
        &self,
        context: &Arc<ControllerContext>,
        tenant: &str,
        name: &str,
    ) -> Option<QueueHandle> {
        let key = (tenant.to_string(), name.to_string());
        let hosted = self.definitions.read().get(&key).cloned()?;
        let handle = |commands: mpsc::Sender<QueueCommand>| QueueHandle {
            commands,
            services: hosted.tenant.services.clone(),
            callback_key: hosted.definition.config.callback_key(),
        };
        let mut queues = self.queues.lock();
        if let Some(running) = queues.get(&key)
            && !running.commands.is_closed()
            && running.definition == hosted.definition
        {
            return Some(handle(running.commands.clone()));
        }
        let (commands, receiver) = mpsc::channel(QUEUE_COMMANDS);
        let weak: Weak<ControllerContext> = Arc::downgrade(context);
        let gauges = Arc::new(QueueGauges::default());
        tokio::spawn(run_queue(
            weak,
            tenant.to_string(),
            hosted.clone(),
            receiver,
            gauges.clone(),
        ));
        queues.insert(
            key,
            Running {
                definition: hosted.definition.clone(),
                commands: commands.clone(),
                gauges,
            },
        );
        Some(handle(commands))
    }

    /// Every defined queue's size, sorted by (tenant, queue); a queue no caller has
    /// joined yet (no task) is empty with no agent counted.
    pub(crate) fn sizes(&self) -> Vec<QueueSize> {
        let running = self.queues.lock();
        let mut sizes: Vec<QueueSize> = self
            .definitions
            .read()
            .keys()
            .map(|key| {
                let (waiting, agents_available) = running
                    .get(key)
                    .filter(|queue| !queue.commands.is_closed())
                    .map_or((0, 0), |queue| queue.gauges.read());
                QueueSize {
                    tenant: key.0.clone(),
                    queue: key.1.clone(),
                    waiting,
                    agents_available,
                }
            })
            .collect();
        sizes.sort_by(|a, b| (&a.tenant, &a.queue).cmp(&(&b.tenant, &b.queue)));
        sizes
    }
}
