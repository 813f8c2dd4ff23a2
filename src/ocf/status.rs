//! The OCF exit codes (OCF Resource Agent API 1.0 §5, and
//! resource-agents' ocf-returncodes).

crate::exit_statuses! {
    /// The status an agent action exits with.
    pub enum Status {
        Success = 0,
        /// OCF_ERR_GENERIC: the action failed (a soft error).
        Generic = 1,
        /// OCF_ERR_ARGS: the arguments of the agent itself are wrong.
        Args = 2,
        /// OCF_ERR_UNIMPLEMENTED: the action is not supported.
        Unimplemented = 3,
        /// OCF_ERR_PERM: not allowed.
        Perm = 4,
        /// OCF_ERR_INSTALLED: a program or file the agent needs is missing.
        NotInstalled = 5,
        /// OCF_ERR_CONFIGURED: the resource's parameters are wrong.
        NotConfigured = 6,
        /// OCF_NOT_RUNNING: cleanly stopped.
        NotRunning = 7,
    }
}
