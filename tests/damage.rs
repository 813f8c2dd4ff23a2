//! A damaged segment (its header or a record overwritten, as a stray
//! write or a broken writer would) is reported as "damaged" with what is
//! wrong, never as "not running", and its owner rewrites it on its next
//! turn; a pmf slot overwritten with garbage does not let a second
//! supervisor start for the same nametag.

mod common;

use std::mem::offset_of;
use std::time::Duration;

use common::{World, stderr, stdout};
use mamori::pcheck::state::{EntryRecord, Head};
use mamori::shm::table::TableHeader;
use mamori::sys::ipc::Shm;

const S: Duration = Duration::from_secs(1);

fn attach(key: u32) -> Shm {
    Shm::attach(Shm::lookup(key as i32).unwrap(), false).unwrap()
}

const HEAD: usize = size_of::<TableHeader>();

#[test]
fn pcheck_reports_and_repairs_its_damaged_segment() {
    let mut w = World::new("damagepc");
    let name = w.name.clone();
    let pid = w.start_daemon(&name);
    let pfile = w.pfile(
        "MSG_CHECK_INTERVAL 0.1\n",
        &[format!("{name}:-:60:3:continue")],
    );
    let pf = pfile.to_str().unwrap().to_string();
    let pcheck = w.spawn_pcheck(&pfile, &[]);
    w.wait_log(&format!("({name} ,pid={pid}) Up"), 5 * S);
    let show = |w: &World| w.run("padmin", &["-f", &pf, "-c", "show", "pent"]);
    assert!(show(&w).status.success());

    // A record: proc_sts out of range.
    let shm = attach(w.key);
    let rec_at = HEAD + size_of::<Head>();
    let mut r: EntryRecord = shm.read(rec_at).unwrap();
    r.proc_sts = 9;
    shm.write(rec_at, &r);
    let o = show(&w);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains(&format!(
            "no pcheck is running with pfile {pf} (IPC key 0x{:08x}: pcheck segment damaged: proc_sts)",
            w.key
        )),
        "{err}"
    );
    w.wait_log("segment damaged: proc_sts; rewritten", 5 * S);
    let ok = common::wait_until(5 * S, || show(&w).status.success().then_some(()));
    assert!(ok.is_some(), "rewritten on the next turn");
    assert!(stdout(&show(&w)).contains("proc_sts       = AVAIL"));

    // The header: a forged interval and an owner that is not pcheck.
    let mut h: Head = shm.read(HEAD).unwrap();
    h.msg_check_interval_ms = u32::MAX;
    h.owner.pid = 1;
    shm.write(HEAD, &h);
    let err = stderr(&show(&w));
    assert!(
        err.contains("pcheck segment damaged: interval out of range"),
        "{err}"
    );
    w.wait_log_count("segment damaged: ", 2, 5 * S);
    let ok = common::wait_until(5 * S, || show(&w).status.success().then_some(()));
    assert!(ok.is_some(), "header rewritten on the next turn");
    let h: Head = shm.read(HEAD).unwrap();
    assert_eq!((h.owner.pid, h.msg_check_interval_ms), (pcheck as i32, 100));

    // The common header: the reader says so; the owner puts it back.
    let mut t: TableHeader = shm.read(0).unwrap();
    t.record_size = 1;
    shm.write(0, &t);
    let ok = common::wait_until(5 * S, || show(&w).status.success().then_some(()));
    assert!(ok.is_some(), "common header rewritten");
    w.wait_log("segment damaged: record size; rewritten", 5 * S);

    let o = w.run("padmin", &["-f", &pf, "-c", "shutdown"]);
    assert!(o.status.success(), "{}", stderr(&o));
    w.wait_pcheck(pcheck, 5 * S);
    common::kill_named(&name);
}

#[test]
fn a_pmf_slot_overwritten_with_garbage_is_rewritten_and_keeps_its_tag() {
    let w = World::new("damagepmf");
    let key = format!("0x{:08x}", w.key);
    let pmfadm = |args: &[&str]| {
        w.cmd("pmfadm")
            .env("MAMORI_PMF_IPCKEY", &key)
            .args(args)
            .output()
            .unwrap()
    };
    let o = pmfadm(&["-c", "dmg", "-n", "-1", "/bin/sleep", "100000"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Garbage over the first slot: owner, state and tag.
    let shm = attach(w.key);
    let slot_at = HEAD + size_of::<mamori::shm::table::NoHead>();
    let garbage = [0x5au8; 64];
    shm.write(slot_at, &garbage);
    let tag_at = slot_at + offset_of!(mamori::pmf::registry::Slot, tag);
    shm.write(tag_at, &[0xffu8; 8]);
    assert_eq!(pmfadm(&["-q", "dmg"]).status.code(), Some(1), "vanished");
    // Within the supervisor's next slot check it is back, and a second
    // supervisor for the tag is refused.
    w.wait_log("dmg: pmf registry damaged: slot 0", 10 * S);
    assert_eq!(pmfadm(&["-q", "dmg"]).status.code(), Some(0));
    let o = pmfadm(&["-c", "dmg", "/bin/sleep", "100000"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("already running"), "{}", stderr(&o));
    assert!(pmfadm(&["-s", "dmg", "KILL"]).status.success());
}

/// A segment left by (or in use by) a pcheck of the old layout: named a
/// version mismatch by padmin and pcheck, never misread or taken over.
#[test]
fn an_old_layout_segment_is_a_version_mismatch() {
    let w = World::new("damagev1");
    let pfile = w.pfile("", &[format!("{}:-:60:3:continue", w.name)]);
    let pf = pfile.to_str().unwrap();
    // Layout version 1: magic, owner start time, then the version.
    let shm = Shm::create(w.key as i32, 8192, 0o600).unwrap();
    shm.write(0, b"MAMORIpc");
    shm.write(16, &1u32);
    let want = format!(
        "IPC key 0x{:08x}: version mismatch: pcheck segment of layout version 1, this mamori \
         reads version 2; use the mamori that created it",
        w.key
    );
    let o = w.run("padmin", &["-f", pf, "-c", "shutdown"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    let o = w.run("pcheck", &["-f", pf]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains(&want), "{}", stderr(&o));
    assert_eq!(shm.read::<u32>(16), Some(1), "left as it was");
    shm.remove().unwrap();
}
