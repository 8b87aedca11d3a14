//! Every tenant's trunk plan, shared by the calls of one controller.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use parking_lot::RwLock;

use super::plan::{Trunk, TrunkPlan};

/// Trunk plans by tenant; replaced whole when the route table changes.
#[derive(Default)]
pub(crate) struct Trunks {
    plans: RwLock<HashMap<String, Arc<TrunkPlan>>>,
}

impl Trunks {
    /// Replaces every tenant's plan.
    pub(crate) fn set_plans(&self, plans: HashMap<String, Arc<TrunkPlan>>) {
        *self.plans.write() = plans;
    }

    /// `tenant`'s trunks for `number`, primary first.
    pub(crate) fn for_number(&self, tenant: &str, number: &str) -> Vec<Arc<Trunk>> {
        self.plans
            .read()
            .get(tenant)
            .map(|plan| plan.for_number(number))
            .unwrap_or_default()
    }

    /// The tenants (with their trunk) whose carrier sends from `source`: exact
    /// address matches if there are any, else same-host ones. Several tenants
    /// may share one carrier; an INVITE from a carrier may only reach the
    /// numbers of a tenant it serves.
    pub(crate) fn carriers_at(&self, source: SocketAddr) -> Vec<(String, Arc<Trunk>)> {
        let plans = self.plans.read();
        let mut exact = Vec::new();
        let mut same_host = Vec::new();
        for (tenant, plan) in plans.iter() {
            match plan.carrier_at(source) {
                Some((trunk, true)) => exact.push((tenant.clone(), trunk.clone())),
                Some((trunk, false)) => same_host.push((tenant.clone(), trunk.clone())),
                None => {}
            }
        }
        if exact.is_empty() { same_host } else { exact }
    }
}
