//! SIP signalling for wasmphony: messages, transactions, transports, an endpoint for a call
//! controller, dialogs, digest authentication and a registrar.
//!
//! Layers, bottom up: [`message`] (parse/serialise, framing) → [`transaction`] (sans-IO RFC 3261
//! §17 state machines told the time) → [`transport`] (tokio UDP/TCP) → [`endpoint`] (the tokio
//! shell a call controller uses) → [`dialog`] (sans-IO dialog state). [`auth`] and
//! [`registrar`] are sans-IO too. [`registration`] registers the host to carriers (a sans-IO
//! machine plus a task over the endpoint). SDP is opaque here: bodies are bytes plus a
//! content type.
#![forbid(unsafe_code)]

pub mod auth;
pub mod dialog;
pub mod endpoint;
pub mod ids;
pub mod message;
pub mod registrar;
pub mod registration;
pub mod transaction;
pub mod transport;
