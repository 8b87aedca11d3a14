//! A tenant's trunks and the rule that picks them for a number.

use std::sync::Arc;

use wasmphony_sip::auth::ClientCredentials;
use wasmphony_sip::endpoint::Target;
use wasmphony_sip::message::HostPort;

/// One carrier connection of a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trunk {
    /// The tenant's name for it (unique within the tenant).
    pub name: String,
    /// The carrier's host, written into Request-URIs (`sip:<number>@host`).
    pub host: HostPort,
    /// Where its requests go (resolved when the table is built).
    pub target: Target,
    /// Answers to the carrier's 401/407 challenges; `None`: the carrier trusts our address.
    pub credentials: Option<ClientCredentials>,
    /// Caller id presented on calls it carries; `None`: the caller's number.
    pub caller_id: Option<String>,
    /// Destination prefixes it carries; empty: every number.
    pub prefixes: Vec<String>,
    /// Lower is tried first among trunks matching equally well.
    pub priority: i64,
    /// Keep a registration with the carrier.
    pub register: bool,
}

impl Trunk {
    /// Length of the longest of its prefixes `number` starts with: `Some(0)` for a
    /// trunk that carries every number, `None` when it does not carry this one.
    fn matches(&self, number: &str) -> Option<usize> {
        if self.prefixes.is_empty() {
            return Some(0);
        }
        self.prefixes
            .iter()
            .filter(|prefix| number.starts_with(prefix.as_str()))
            .map(String::len)
            .max()
    }
}

/// A tenant's trunks.
#[derive(Debug, Clone, Default)]
pub struct TrunkPlan {
    trunks: Vec<Arc<Trunk>>,
}

impl TrunkPlan {
    /// No trunks: numbers cannot be dialled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a trunk.
    pub fn add(&mut self, trunk: Trunk) {
        self.trunks.push(Arc::new(trunk));
    }

    /// Every trunk.
    pub fn trunks(&self) -> &[Arc<Trunk>] {
        &self.trunks
    }

    /// The trunks that carry `number`, in the order to try them: the longest
    /// matching prefix first (a catch-all trunk after every specific one), then
    /// by priority, then by name. The first is the primary, the rest failover.
    pub fn for_number(&self, number: &str) -> Vec<Arc<Trunk>> {
        let mut matching: Vec<(usize, &Arc<Trunk>)> = self
            .trunks
            .iter()
            .filter_map(|trunk| trunk.matches(number).map(|len| (len, trunk)))
            .collect();
        matching.sort_by(|(len_a, a), (len_b, b)| {
            len_b
                .cmp(len_a)
                .then(a.priority.cmp(&b.priority))
                .then(a.name.cmp(&b.name))
        });
        matching.into_iter().map(|(_, t)| t.clone()).collect()
    }

    /// The trunk whose carrier sends from `source`: the exact address first, else
    /// the same host from another port (carriers often answer from a pool).
    pub(crate) fn carrier_at(&self, source: std::net::SocketAddr) -> Option<(&Arc<Trunk>, bool)> {
        let exact = self.trunks.iter().find(|t| t.target.addr == source);
        exact.map(|t| (t, true)).or_else(|| {
            self.trunks
                .iter()
                .find(|t| t.target.addr.ip() == source.ip())
                .map(|t| (t, false))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trunk(name: &str, prefixes: &[&str], priority: i64) -> Trunk {
        Trunk {
            name: name.into(),
            host: "127.0.0.1:5060"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
            target: Target::udp("127.0.0.1:5060".parse().unwrap()),
            credentials: None,
            caller_id: None,
            prefixes: prefixes.iter().map(|p| p.to_string()).collect(),
            priority,
            register: false,
        }
    }

    fn names(plan: &TrunkPlan, number: &str) -> Vec<String> {
        plan.for_number(number)
            .iter()
            .map(|t| t.name.clone())
            .collect()
    }

    #[test]
    fn longest_prefix_first_then_priority_then_catch_all() {
        let mut plan = TrunkPlan::new();
        plan.add(trunk("any-cheap", &[], 1));
        plan.add(trunk("bg", &["+359"], 5));
        plan.add(trunk("bg-mobile", &["+35988", "+35989"], 9));
        plan.add(trunk("bg-backup", &["+359"], 7));
        plan.add(trunk("de", &["+49"], 0));
        assert_eq!(
            names(&plan, "+359888123456"),
            ["bg-mobile", "bg", "bg-backup", "any-cheap"]
        );
        assert_eq!(
            names(&plan, "+35929000000"),
            ["bg", "bg-backup", "any-cheap"]
        );
        assert_eq!(names(&plan, "+4930123"), ["de", "any-cheap"]);
        assert_eq!(names(&plan, "+1555"), ["any-cheap"]);
    }

    #[test]
    fn no_trunk_for_a_number_outside_every_prefix() {
        let mut plan = TrunkPlan::new();
        plan.add(trunk("de", &["+49"], 0));
        assert!(plan.for_number("+359888").is_empty());
        assert!(TrunkPlan::new().for_number("+49").is_empty());
    }

    #[test]
    fn equal_rules_are_ordered_by_name_so_the_order_is_stable() {
        let mut plan = TrunkPlan::new();
        plan.add(trunk("b", &[], 0));
        plan.add(trunk("a", &[], 0));
        assert_eq!(names(&plan, "+1"), ["a", "b"]);
    }

    #[test]
    fn carrier_is_found_by_address() {
        let mut plan = TrunkPlan::new();
        plan.add(trunk("x", &[], 0));
        let exact = plan.carrier_at("127.0.0.1:5060".parse().unwrap());
        assert!(matches!(exact, Some((_, true))));
        let same_host = plan.carrier_at("127.0.0.1:5099".parse().unwrap());
        assert!(matches!(same_host, Some((_, false))));
        assert!(plan.carrier_at("127.0.0.2:5060".parse().unwrap()).is_none());
    }
}
