//! The `meta-data` XML (OCF RA API 1.0 §4; validated against
//! resource-agents' ra-api-1.dtd by the tests).

use std::fmt::Write as _;

use super::Agent;
use super::params::Default;

/// The whole document for `agent`.
pub fn xml(agent: &Agent) -> String {
    let mut x = String::new();
    let _ = writeln!(x, "<?xml version=\"1.0\"?>");
    let _ = writeln!(x, "<!DOCTYPE resource-agent SYSTEM \"ra-api-1.dtd\">");
    let _ = writeln!(
        x,
        "<resource-agent name=\"{}\" version=\"{}\">",
        agent.name,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(x, "<version>1.0</version>");
    let _ = writeln!(
        x,
        "<longdesc lang=\"en\">{}</longdesc>",
        escape(agent.longdesc)
    );
    let _ = writeln!(
        x,
        "<shortdesc lang=\"en\">{}</shortdesc>",
        escape(agent.shortdesc)
    );
    let _ = writeln!(x, "<parameters>");
    for p in agent.params {
        let _ = writeln!(
            x,
            "<parameter name=\"{}\" unique=\"{}\" required=\"{}\">",
            p.name,
            u8::from(p.unique),
            u8::from(p.required)
        );
        let _ = writeln!(x, "<longdesc lang=\"en\">{}</longdesc>", escape(p.longdesc));
        let _ = writeln!(
            x,
            "<shortdesc lang=\"en\">{}</shortdesc>",
            escape(p.shortdesc)
        );
        match p.default {
            Default::Value(d) => {
                let _ = writeln!(
                    x,
                    "<content type=\"{}\" default=\"{}\"/>",
                    p.kind.name(),
                    escape(d)
                );
            }
            _ => {
                let _ = writeln!(x, "<content type=\"{}\"/>", p.kind.name());
            }
        }
        let _ = writeln!(x, "</parameter>");
    }
    let _ = writeln!(x, "</parameters>");
    let t = agent.timeouts;
    let _ = writeln!(x, "<actions>");
    let _ = writeln!(x, "<action name=\"start\" timeout=\"{}s\"/>", t.start);
    let _ = writeln!(x, "<action name=\"stop\" timeout=\"{}s\"/>", t.stop);
    let _ = writeln!(
        x,
        "<action name=\"monitor\" depth=\"0\" timeout=\"{}s\" interval=\"{}s\"/>",
        t.monitor, t.interval
    );
    if agent.name == "sambamon" || agent.name == "nfsmon" {
        let _ = writeln!(
            x,
            "<action name=\"monitor\" depth=\"10\" timeout=\"{}s\" interval=\"{}s\"/>",
            t.monitor.max(t.start),
            t.interval * 2
        );
    }
    let _ = writeln!(x, "<action name=\"status\" timeout=\"{}s\"/>", t.monitor);
    if agent.reload {
        let _ = writeln!(x, "<action name=\"reload\" timeout=\"{}s\"/>", t.start);
    }
    let _ = writeln!(x, "<action name=\"meta-data\" timeout=\"5s\"/>");
    let _ = writeln!(x, "<action name=\"validate-all\" timeout=\"5s\"/>");
    let _ = writeln!(x, "</actions>");
    let _ = writeln!(x, "</resource-agent>");
    x
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
