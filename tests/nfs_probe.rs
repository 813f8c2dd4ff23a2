//! The NFS probe against real rpcbind 1.2.6 + nfs-ganesha 4.3, each test
//! in its own network + mount namespace (see `common/mod.rs`). Runs as
//! root.

#[path = "servers/ganesha.rs"]
mod common;

use std::time::{Duration, Instant};

use common::{Peers, Protocols, lo};
use mamori::probe::nfs::{Io, NfsFailure, PortmapFailure, Stage, Version, check};
use mamori::wire::mount::Mountstat3;
use mamori::wire::nfs4::{Nfsstat4, Opcode};

const T: Duration = Duration::from_secs(2);

/// A healthy export: NFSv3 (also from a reserved port and over IPv6),
/// Auto, NFSv4, a given NFS port, and an unexported directory.
#[test]
fn healthy_export_and_unexported_dir() {
    let p = Peers::start(Protocols::V3V4);
    let export = p.export();

    let r = check(lo(), 111, None, &export, Version::V3, T, true)
        .unwrap_or_else(|e| panic!("{e}\n{}", p.ganesha_log()));
    assert_eq!(r.version, Version::V3);
    assert_eq!(r.mount_port, Some(20048));
    assert_eq!(r.nfs_port, 2049);
    assert_eq!(r.ftype, 2, "a directory");

    let r = check(lo(), 111, None, &export, Version::V3, T, false).unwrap();
    assert_eq!(r.version, Version::V3);

    let r = check(lo(), 111, None, &export, Version::Auto, T, true).unwrap();
    assert_eq!(r.version, Version::V3);

    let r = check(
        "::1".parse().unwrap(),
        111,
        None,
        &export,
        Version::V3,
        T,
        true,
    )
    .unwrap();
    assert_eq!(r.version, Version::V3);

    let r = check(lo(), 111, Some(2049), &export, Version::V3, T, true).unwrap();
    assert_eq!(r.nfs_port, 2049);

    let sub = format!("{export}/sub");
    let r = check(lo(), 111, None, &sub, Version::V4, T, true).unwrap();
    assert_eq!(r.version, Version::V4);
    assert_eq!(r.ftype, 2);

    // Not exported: MOUNT answers MNT3ERR_ACCES, NFSv4 LOOKUP NOENT.
    let missing = format!("{}/nowhere", p.dir.display());
    assert_eq!(
        check(lo(), 111, None, &missing, Version::V3, T, true),
        Err(NfsFailure::Mount(Mountstat3::Acces))
    );
    assert_eq!(
        check(lo(), 111, None, "/not/exported", Version::Auto, T, true),
        Err(NfsFailure::Mount(Mountstat3::Acces))
    );
    let e = check(lo(), 111, None, &missing, Version::V4, T, true).unwrap_err();
    assert_eq!(
        e,
        NfsFailure::Nfs4 {
            op: Opcode::Lookup,
            status: Nfsstat4::NoEnt
        }
    );
}

/// ganesha with `Protocols = 4` and no rpcbind at all.
#[test]
fn v4_only_without_rpcbind() {
    let p = Peers::start(Protocols::V4Only);
    let export = p.export();

    let r = check(lo(), 111, None, &export, Version::V4, T, true).unwrap();
    assert_eq!(
        (r.version, r.nfs_port, r.mount_port),
        (Version::V4, 2049, None)
    );
    let r = check(lo(), 111, Some(2049), &export, Version::V4, T, false).unwrap();
    assert_eq!(r.version, Version::V4);

    // Auto with the NFS port given falls back to NFSv4 when the portmapper
    // cannot be reached; without it, the portmapper failure is reported.
    let r = check(lo(), 111, Some(2049), &export, Version::Auto, T, true).unwrap();
    assert_eq!(r.version, Version::V4);
    let refused = NfsFailure::PortMapper(
        Stage::GetPortMount,
        PortmapFailure::Io(Io::Connect(libc::ECONNREFUSED)),
    );
    assert_eq!(
        check(lo(), 111, None, &export, Version::Auto, T, true),
        Err(refused)
    );
    assert_eq!(
        check(lo(), 111, None, &export, Version::V3, T, true),
        Err(refused)
    );
}

/// ganesha stopped with SIGSTOP: the kernel still accepts the connection,
/// the request times out within its bound.
#[test]
fn ganesha_stalled_times_out() {
    let p = Peers::start(Protocols::V3V4);
    let export = p.export();
    Peers::signal(p.ganesha.as_ref().unwrap(), rustix::process::Signal::STOP);
    let t = Duration::from_millis(700);

    let start = Instant::now();
    let e = check(lo(), 111, None, &export, Version::V3, t, true).unwrap_err();
    let took = start.elapsed();
    assert_eq!(e, NfsFailure::Io(Stage::Mount, Io::Timeout));
    assert!(e.is_timeout());
    assert!(
        took >= t && took < t + Duration::from_millis(1000),
        "{took:?}"
    );

    let start = Instant::now();
    let e = check(lo(), 111, None, &export, Version::V4, t, true).unwrap_err();
    let took = start.elapsed();
    assert_eq!(e, NfsFailure::Io(Stage::Compound, Io::Timeout));
    assert!(
        took >= t && took < t + Duration::from_millis(1000),
        "{took:?}"
    );

    Peers::signal(p.ganesha.as_ref().unwrap(), rustix::process::Signal::CONT);
    check(lo(), 111, None, &export, Version::V3, T, true).unwrap();
}

/// ganesha killed: rpcbind still lists it (stale), connections are
/// refused.
#[test]
fn ganesha_killed_refused() {
    let mut p = Peers::start(Protocols::V3V4);
    let export = p.export();
    Peers::kill(&mut p.ganesha);

    let start = Instant::now();
    assert_eq!(
        check(lo(), 111, None, &export, Version::V3, T, true),
        Err(NfsFailure::Io(
            Stage::Mount,
            Io::Connect(libc::ECONNREFUSED)
        ))
    );
    assert_eq!(
        check(lo(), 111, None, &export, Version::V4, T, true),
        Err(NfsFailure::Io(
            Stage::Compound,
            Io::Connect(libc::ECONNREFUSED)
        ))
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

/// rpcbind stalled, then killed while ganesha runs: port mapper failure, unless the NFS
/// port is given and NFSv4 may answer; rpcbind restarted without warm
/// start: "Program not registered".
#[test]
fn rpcbind_killed_and_restarted() {
    let mut p = Peers::start(Protocols::V3V4);
    let export = p.export();

    // Stalled portmapper: GETPORT times out within its bound; with the
    // NFS port given, Auto still checks over NFSv4.
    Peers::signal(p.rpcbind.as_ref().unwrap(), rustix::process::Signal::STOP);
    let t = Duration::from_millis(500);
    let start = Instant::now();
    assert_eq!(
        check(lo(), 111, None, &export, Version::Auto, t, true),
        Err(NfsFailure::PortMapper(
            Stage::GetPortMount,
            PortmapFailure::Io(Io::Timeout)
        ))
    );
    let took = start.elapsed();
    assert!(
        took >= t && took < t + Duration::from_millis(1000),
        "{took:?}"
    );
    let r = check(lo(), 111, Some(2049), &export, Version::Auto, t, true).unwrap();
    assert_eq!(r.version, Version::V4);
    Peers::signal(p.rpcbind.as_ref().unwrap(), rustix::process::Signal::CONT);

    Peers::kill(&mut p.rpcbind);

    let refused = NfsFailure::PortMapper(
        Stage::GetPortMount,
        PortmapFailure::Io(Io::Connect(libc::ECONNREFUSED)),
    );
    assert_eq!(
        check(lo(), 111, None, &export, Version::V3, T, true),
        Err(refused)
    );
    assert_eq!(
        check(lo(), 111, None, &export, Version::Auto, T, true),
        Err(refused)
    );
    // The NFS port given, the portmapper gone.
    assert_eq!(
        check(lo(), 111, Some(2049), &export, Version::V3, T, true),
        Err(refused)
    );
    let r = check(lo(), 111, Some(2049), &export, Version::Auto, T, true).unwrap();
    assert_eq!((r.version, r.nfs_port), (Version::V4, 2049));

    // A fresh rpcbind knows nothing of ganesha.
    p.start_rpcbind();
    assert_eq!(
        check(lo(), 111, None, &export, Version::V3, T, true),
        Err(NfsFailure::ProgramNotRegistered {
            prog: 100_005,
            vers: 3
        })
    );
    let r = check(lo(), 111, None, &export, Version::Auto, T, true).unwrap();
    assert_eq!(r.version, Version::V4);
}
