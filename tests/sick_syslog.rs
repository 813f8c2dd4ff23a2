//! A syslog that does not read (its socket queue full) must not stop
//! monitoring: pcheck still restarts a killed daemon and obeys SIGTERM,
//! and once the logger reads again it is told how many lines were lost.

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use common::{World, pids_named, wait_until};

const S: Duration = Duration::from_secs(1);

#[test]
fn a_full_syslog_queue_drops_lines_and_monitoring_goes_on() {
    let mut w = World::new("sicklog");
    let path = w.path("stuck.sock");
    let stuck = UnixDatagram::bind(&path).unwrap();
    // Fill its queue, as a logger that stopped reading would leave it.
    let filler = UnixDatagram::unbound().unwrap();
    filler.set_nonblocking(true).unwrap();
    let mut queued = 0;
    while filler.send_to(&[b'x'; 512], &path).is_ok() {
        queued += 1;
    }
    assert!(queued > 0);
    let name = w.name.clone();
    let first = w.start_daemon(&name);
    let script = w.restart_script("restart.sh", &name, 0);
    let pfile = w.pfile(
        "MONITOR_INTERVAL 0.2\n",
        &[format!("{name}:{}:60:100:continue", script.display())],
    );
    let pc = w.spawn_pcheck(&pfile, &[("MAMORI_SYSLOG_SOCKET", path.to_str().unwrap())]);
    // Each death is restarted although no line reaches the logger.
    let mut last = first;
    for _ in 0..3 {
        let found = wait_until(5 * S, || pids_named(&name).first().copied());
        let pid = found.expect("the daemon runs");
        common::kill(pid, "-KILL");
        last = wait_until(5 * S, || pids_named(&name).into_iter().find(|p| *p != pid))
            .expect("restarted while syslog is stuck");
    }
    assert_ne!(last, first);
    // The logger reads again: the next line says how many were lost.
    let mut buf = [0u8; 4096];
    stuck.set_nonblocking(true).unwrap();
    while stuck.recv(&mut buf).is_ok() {}
    common::kill(pc as i32, "-HUP");
    stuck.set_nonblocking(false).unwrap();
    stuck.set_read_timeout(Some(5 * S)).unwrap();
    let n = stuck.recv(&mut buf).expect("a line once the queue drains");
    let line = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(
        line.contains("log lines dropped: the syslog socket was full"),
        "{line}"
    );
    // SIGTERM is obeyed at once, stuck logger or not.
    let mut buf2 = [0u8; 4096];
    stuck.set_nonblocking(true).unwrap();
    while stuck.recv(&mut buf2).is_ok() {}
    common::kill(pc as i32, "-TERM");
    assert_eq!(w.wait_pcheck(pc, 5 * S).unwrap().code(), Some(0));
    common::kill_named(&name);
}
