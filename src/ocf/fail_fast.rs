//! Fail fast: a mamori monitor started by an agent tells Pacemaker at
//! once that its service failed, instead of waiting for the next monitor
//! operation. The agent passes what is needed through the environment of
//! the applet it starts. [`declared`] is the event code's built-in
//! handler (`event::raise`): it runs for every CRITICAL event a monitor
//! raises (pcheck retry_over, clp_*mon failed, pmf gave_up), with or
//! without an events registry.

use std::fmt;

/// The resource to fail (`OCF_RESOURCE_INSTANCE` of the agent).
pub const RESOURCE_ENV: &str = "MAMORI_OCF_RESOURCE";
/// The node the resource runs on.
pub const NODE_ENV: &str = "MAMORI_OCF_NODE";
/// `1` when the agent's `fail_fast` parameter is true.
pub const FAIL_FAST_ENV: &str = "MAMORI_OCF_FAIL_FAST";
/// The crm_resource to run (tests; default from PATH).
pub const CRM_RESOURCE_ENV: &str = "MAMORI_OCF_CRM_RESOURCE";

/// The monitor declared its service failed because of `why`: outside an
/// agent nothing happens (and nothing is allocated); under one the
/// reason goes into the state file and, with fail_fast, the cluster is
/// told.
pub fn declared(why: fmt::Arguments<'_>) {
    let Some(resource) = std::env::var_os(RESOURCE_ENV) else {
        return;
    };
    if let Some(state) = std::env::var_os(super::state::STATE_ENV) {
        let file = super::state::StateFile { path: state.into() };
        file.set_failed(&why.to_string());
    }
    if std::env::var_os(FAIL_FAST_ENV).is_some_and(|v| v == "1") {
        let node = std::env::var(NODE_ENV).unwrap_or_default();
        let _ = notify(&resource.to_string_lossy(), &node);
    }
}

/// Runs `crm_resource --fail --resource RESOURCE --node NODE` detached
/// (its own session, no shell) and returns without waiting for it.
pub fn notify(resource: &str, node: &str) -> std::io::Result<i32> {
    let program = std::env::var(CRM_RESOURCE_ENV).unwrap_or_else(|_| "crm_resource".into());
    let mut words = vec![program.as_str(), "--fail", "--resource", resource];
    if !node.is_empty() {
        words.extend(["--node", node]);
    }
    let cmd = crate::sys::spawn::Command::new(words)
        .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::InvalidInput))?
        .new_session(true);
    cmd.spawn()
}
