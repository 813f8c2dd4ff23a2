//! The agents inside a real one-node Pacemaker cluster (PEERS.md):
//! corosync + pacemakerd in their own network, mount and IPC namespaces
//! (so the default registry keys, /run/resource-agents and loopback are
//! the cluster's own), one cluster shared by the tests of this binary.
//! It ends by itself when the test process exits.

mod common;
#[path = "servers/smbd.rs"]
mod smbd;

use std::os::fd::AsFd;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{MAMORI, World, wait_until};

struct Cluster {
    holder: u32,
}

const INNER: &str = r#"
set -e
ip link set lo up
for d in /etc/corosync /var/lib/pacemaker /var/lib/corosync /run /dev/shm /var/log/pacemaker /var/log/cluster; do
  mkdir -p $d; mount -t tmpfs t $d
done
mkdir -p /var/lib/pacemaker/cib /var/lib/pacemaker/pengine /var/lib/pacemaker/blackbox /var/lib/pacemaker/cores /run/crm /run/pacemaker /etc/corosync/uidgid.d
chown -R hacluster:haclient /var/lib/pacemaker /run/crm /run/pacemaker /var/log/pacemaker
chmod 750 /var/lib/pacemaker/cib
cat > /etc/corosync/corosync.conf <<C
totem {
  version: 2
  cluster_name: mamoritest
  transport: knet
  crypto_cipher: none
  crypto_hash: none
}
nodelist {
  node {
    ring0_addr: 127.0.0.1
    name: node1
    nodeid: 1
  }
}
quorum {
  provider: corosync_votequorum
}
logging {
  to_logfile: yes
  logfile: /var/log/cluster/corosync.log
  to_syslog: no
  to_stderr: no
}
C
printf 'uidgid {\n uid: hacluster\n gid: haclient\n}\n' > /etc/corosync/uidgid.d/hacluster
cat > /var/lib/pacemaker/cib/cib.xml <<C
<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
        <nvpair id="o1" name="stonith-enabled" value="false"/>
        <nvpair id="o2" name="no-quorum-policy" value="ignore"/>
        <nvpair id="o3" name="dc-deadtime" value="2s"/>
        <nvpair id="o4" name="cluster-recheck-interval" value="5s"/>
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
C
chown hacluster:haclient /var/lib/pacemaker/cib/cib.xml
corosync -f > /var/log/cluster/corosync.out 2>&1 &
PCMK_logfile=/var/log/pacemaker/pacemaker.log pacemakerd > /var/log/pacemaker/pacemakerd.out 2>&1 &
while kill -0 $TESTPID 2>/dev/null; do sleep 1; done
kill -TERM 0
"#;

fn cluster() -> &'static Cluster {
    static C: OnceLock<Cluster> = OnceLock::new();
    C.get_or_init(|| {
        assert!(
            Command::new(MAMORI)
                .args(["install", "--ocf", "/usr/lib/ocf"])
                .status()
                .unwrap()
                .success()
        );
        let child = Command::new("setsid")
            .args([
                "unshare",
                "--net",
                "--mount",
                "--ipc",
                "--propagation",
                "private",
                "--",
                "sh",
                "-c",
                INNER,
            ])
            .env("TESTPID", std::process::id().to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let c = Cluster { holder: child.id() };
        std::mem::forget(child);
        let dc = wait_until(Duration::from_secs(60), || {
            c.sh("crm_mon -1 --output-as=xml 2>/dev/null")
                .contains("<current_dc present=\"true\"")
                .then_some(())
        });
        assert!(
            dc.is_some(),
            "no DC: {}",
            c.sh("crm_mon -1; tail -20 /var/log/pacemaker/pacemaker.log")
        );
        c
    })
}

impl Cluster {
    /// Runs a shell command inside the cluster's namespaces.
    fn sh(&self, script: &str) -> String {
        let out = Command::new("nsenter")
            .args([
                "-t",
                &self.holder.to_string(),
                "-n",
                "-m",
                "-i",
                "--",
                "sh",
                "-c",
                script,
            ])
            .env(
                "PATH",
                format!(
                    "{}:/usr/sbin:/usr/bin:/sbin:/bin",
                    std::path::Path::new(MAMORI).parent().unwrap().display()
                ),
            )
            .output()
            .unwrap();
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    fn add(&self, xml: &str) {
        let out = self.sh(&format!(
            "cibadmin --create -o resources --xml-text '{xml}' && echo CREATED"
        ));
        assert!(out.contains("CREATED"), "{out}");
    }

    fn status(&self) -> String {
        self.sh("crm_mon -1 --output-as=xml")
    }

    fn started(&self, id: &str) -> bool {
        self.status().lines().any(|l| {
            l.contains(&format!("<resource id=\"{id}\""))
                && l.contains("role=\"Started\"")
                && l.contains("failed=\"false\"")
        })
    }

    fn failures(&self, id: &str) -> usize {
        self.status()
            .matches(&format!("<failure op_key=\"{id}_"))
            .count()
    }

    fn wait_started(&self, id: &str, limit: Duration) {
        let ok = wait_until(limit, || self.started(id).then_some(()));
        assert!(
            ok.is_some(),
            "{id} not started: {}",
            self.sh("crm_mon -1; cat /run/resource-agents/*.log 2>/dev/null")
        );
    }

    fn wait_failure(&self, id: &str, limit: Duration) -> Option<Duration> {
        let t0 = Instant::now();
        wait_until(limit, || (self.failures(id) > 0).then(|| t0.elapsed()))
    }

    fn remove(&self, id: &str) {
        self.sh(&format!("crm_resource --resource {id} --set-parameter target-role --meta --parameter-value Stopped"));
        let _ = wait_until(Duration::from_secs(30), || {
            (!self.status().contains(&format!(
                "<resource id=\"{id}\" resource_agent=\"ocf:mamori:"
            )) || self.status().lines().any(|l| {
                l.contains(&format!("<resource id=\"{id}\"")) && l.contains("role=\"Stopped\"")
            }))
            .then_some(())
        });
        self.sh(&format!(
            "cibadmin --delete --xml-text '<primitive id=\"{id}\"/>'"
        ));
    }
}

fn primitive(id: &str, agent: &str, params: &[(&str, &str)], interval: &str) -> String {
    let nv: String = params
        .iter()
        .map(|(k, v)| format!("<nvpair id=\"{id}-{k}\" name=\"{k}\" value=\"{v}\"/>"))
        .collect();
    format!(
        "<primitive id=\"{id}\" class=\"ocf\" provider=\"mamori\" type=\"{agent}\"><instance_attributes id=\"{id}-ia\">{nv}</instance_attributes><operations><op id=\"{id}-mon\" name=\"monitor\" interval=\"{interval}\" timeout=\"20s\"/></operations></primitive>"
    )
}

/// The pids pmf watches under `tag` in the cluster.
fn pmf_pids(c: &Cluster, tag: &str) -> Vec<i32> {
    c.sh(&format!("mamori pmfadm -l {tag}"))
        .lines()
        .find_map(|l| l.trim().strip_prefix("pids:").map(str::to_string))
        .map(|p| {
            p.split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn pmf_restarts_without_a_cluster_failure_and_gives_up_with_one() {
    let c = cluster();
    // Restarted by pmf: Pacemaker records nothing.
    c.add(&primitive(
        "pmfkeep",
        "pmf",
        &[("command", "/bin/sleep 100001"), ("retries", "3")],
        "5s",
    ));
    c.wait_started("pmfkeep", Duration::from_secs(30));
    let first = pmf_pids(c, "pmfkeep");
    assert_eq!(first.len(), 1);
    c.sh(&format!("kill -KILL {}", first[0]));
    let second = wait_until(Duration::from_secs(5), || {
        let p = pmf_pids(c, "pmfkeep");
        (p.len() == 1 && p != first).then_some(p)
    });
    assert!(second.is_some(), "pmf did not restart the daemon");
    // Two monitor intervals later Pacemaker still has no failure.
    std::thread::sleep(Duration::from_secs(11));
    assert_eq!(c.failures("pmfkeep"), 0, "{}", c.sh("crm_mon -1"));
    assert!(c.started("pmfkeep"));
    // No retries: pmf gives up; with fail_fast the failure shows at once
    // although the monitor interval is 120 s, and the resource recovers.
    c.add(&primitive(
        "pmfgive",
        "pmf",
        &[("command", "/bin/sleep 100002"), ("retries", "0")],
        "120s",
    ));
    c.wait_started("pmfgive", Duration::from_secs(30));
    let p = pmf_pids(c, "pmfgive");
    c.sh(&format!("kill -KILL {}", p[0]));
    let took = c
        .wait_failure("pmfgive", Duration::from_secs(10))
        .expect("failure recorded");
    eprintln!("pmf give-up to failure in crm_mon: {took:?}");
    assert!(took < Duration::from_secs(2), "{took:?}");
    c.wait_started("pmfgive", Duration::from_secs(30));
    let again = wait_until(Duration::from_secs(10), || {
        let q = pmf_pids(c, "pmfgive");
        (q.len() == 1 && q != p).then_some(q)
    });
    assert!(again.is_some(), "not recovered: {}", c.sh("crm_mon -1"));
    c.remove("pmfkeep");
    c.remove("pmfgive");
}

fn enter(c: &Cluster) {
    let ns = std::fs::File::open(format!("/proc/{}/ns/net", c.holder)).unwrap();
    rustix::thread::move_into_link_name_space(
        ns.as_fd(),
        Some(rustix::thread::LinkNameSpaceType::Network),
    )
    .unwrap();
}

#[test]
fn sambamon_fail_fast_against_the_monitor_interval() {
    let c = cluster();
    // smbd listens on the cluster's loopback: this thread joins its netns.
    enter(c);
    let s = smbd::Smbd::start("ocfclu", 25496, &[]);
    let addr = format!("127.0.0.1:{}", s.port);
    let (interval, retries, timeout) = (1u64, 2u64, 1u64);
    let params = |ff: &'static str| -> Vec<(&'static str, String)> {
        vec![
            ("share", "pub".into()),
            ("address", addr.clone()),
            ("interval", interval.to_string()),
            ("retries", retries.to_string()),
            ("timeout", timeout.to_string()),
            ("fail_fast", ff.into()),
        ]
    };
    let xml = |id: &str, ff: &'static str, mon: &str| {
        let p = params(ff);
        let refs: Vec<(&str, &str)> = p.iter().map(|(k, v)| (*k, v.as_str())).collect();
        primitive(id, "sambamon", &refs, mon)
    };
    let pg = s.pgid();
    let bound = Duration::from_secs(retries * (interval + timeout) + 1);

    // fail_fast=true, monitor every 120 s.
    c.add(&xml("smbfast", "true", "120s"));
    c.wait_started("smbfast", Duration::from_secs(30));
    Command::new("kill")
        .args(["-STOP", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    let fast = c.wait_failure("smbfast", bound + Duration::from_secs(5));
    Command::new("kill")
        .args(["-CONT", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    let fast = fast.expect("fail-fast failure");
    eprintln!("sambamon fail_fast: SIGSTOP to failure in crm_mon {fast:?} (bound {bound:?})");
    assert!(fast <= bound, "{fast:?} > {bound:?}");
    assert!(c.status().contains("smbfast_asyncmon_0") || c.failures("smbfast") > 0);
    c.sh("crm_resource --cleanup --resource smbfast");
    c.wait_started("smbfast", Duration::from_secs(30));
    assert_eq!(c.failures("smbfast"), 0);
    c.remove("smbfast");

    // fail_fast=false, monitor every 20 s: only the next monitor sees it.
    c.add(&xml("smbslow", "false", "20s"));
    c.wait_started("smbslow", Duration::from_secs(30));
    Command::new("kill")
        .args(["-STOP", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    let slow = c.wait_failure("smbslow", Duration::from_secs(30));
    Command::new("kill")
        .args(["-CONT", "--", &format!("-{pg}")])
        .status()
        .unwrap();
    let slow = slow.expect("interval failure");
    eprintln!("sambamon without fail_fast: SIGSTOP to failure in crm_mon {slow:?}");
    assert!(
        slow > bound,
        "{slow:?} <= {bound:?}: seen before the monitor interval?"
    );
    assert!(
        c.status().contains("smbslow_monitor_20000"),
        "{}",
        c.status()
    );
    c.sh("crm_resource --cleanup --resource smbslow");
    c.wait_started("smbslow", Duration::from_secs(30));
    c.remove("smbslow");
}

#[test]
fn pcheck_retry_over_is_a_failed_monitor() {
    let c = cluster();
    let w = World::new("ocfclupc");
    let name = format!("oclu{}", std::process::id());
    let script = w.restart_script("restart.sh", &name, 1);
    let pfile = w.pfile("", &[format!("{name}:{}:60:0:continue", script.display())]);
    w.start_daemon(&name);
    c.add(&primitive(
        "pcretry",
        "pcheck",
        &[("pfile", &pfile.display().to_string())],
        "120s",
    ));
    c.wait_started("pcretry", Duration::from_secs(30));
    for p in common::pids_named(&name) {
        let _ = Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .status();
    }
    let took = c
        .wait_failure("pcretry", Duration::from_secs(10))
        .expect("failure recorded");
    eprintln!("pcheck RETRY_OVER to failure in crm_mon: {took:?}");
    c.sh("crm_resource --resource pcretry --set-parameter target-role --meta --parameter-value Stopped");
    c.remove("pcretry");
    for p in common::pids_named(&name) {
        let _ = Command::new("kill")
            .args(["-KILL", &p.to_string()])
            .status();
    }
}
