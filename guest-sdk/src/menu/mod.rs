//! Data-driven multi-level IVR menus.
//!
//! A [`MenuTree`] is read from the route configuration (JSON). [`MenuTree::run`] plays the
//! menus, collects keys, walks submenus, handles invalid input and silence, and returns the
//! [`Selection`] that leaves the menu (dial, extension, queue, a scenario-specific action or
//! hangup) for the scenario to carry out. The navigation itself is the pure
//! [`MenuSession`], so it is unit-testable without a host.
//!
//! ```
//! use wasmphony_guest::menu::{MenuAction, MenuTree};
//! let tree: MenuTree = serde_json::from_str(r#"{
//!     "retries": 2,
//!     "invalid_prompt": "invalid",
//!     "extension_digits": 3,
//!     "on_failure": { "action": "queue", "queue": "reception" },
//!     "root": {
//!         "prompt": "menu-main",
//!         "options": {
//!             "1": { "action": "queue", "queue": "bookings" },
//!             "2": { "action": "submenu", "menu": {
//!                 "prompt": ["menu-delivery"],
//!                 "options": { "1": { "action": "scenario", "name": "order" } }
//!             } },
//!             "9": { "action": "repeat" }
//!         }
//!     }
//! }"#).unwrap();
//! assert_eq!(tree.validate(), Ok(()));
//! assert!(matches!(tree.root.options.get("1"), Some(MenuAction::Queue { .. })));
//! ```

mod model;
mod run;
mod session;

pub use model::{
    DEFAULT_INTER_DIGIT_TIMEOUT_MS, DEFAULT_RETRIES, DEFAULT_TIMEOUT_MS, MAX_DEPTH, MenuAction,
    MenuNode, MenuTree, Strategy,
};
pub use session::{MenuInput, MenuRequest, MenuSession, MenuStep, Selection, SelectionReason};
