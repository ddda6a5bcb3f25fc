//! Measuring one process run the same way for every tool: wall time, its own
//! peak RSS and CPU seconds, read by a small helper process (this program
//! started with [`MEASURE_EXEC`]) that starts the tool and reaps it with
//! `wait4`; and the daemons' CPU from /proc.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// CPU seconds (user + system) process `pid` has used so far, from /proc.
pub(crate) fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // Fields after the command name: state is the first; utime and stime
    // are the 12th and 13th (fields 14 and 15 of proc(5)).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<f64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|x| x.parse().ok())
        .collect();
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
    f.iter().sum::<f64>() / ticks
}

/// Bytes free for an unprivileged user on the file system holding `path`.
pub(crate) fn free_bytes(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return 0;
    };
    // SAFETY: an all-zero statvfs is a valid value to be filled in.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a NUL-terminated path and a valid out-pointer.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return 0;
    }
    st.f_bavail as u64 * st.f_frsize as u64
}

/// The first argument that makes this program the measuring helper instead of
/// the benchmark: `ccs-bench --measure-exec REPORT PROGRAM [ARGS...]`.
pub(crate) const MEASURE_EXEC: &str = "--measure-exec";

/// What the helper writes to REPORT about its child (one line: peak RSS,
/// CPU seconds, wall seconds).
struct HelperReport {
    peak_rss_kib: i64,
    /// User + system.
    cpu_s: f64,
    wall_s: f64,
}

/// Reads the helper's REPORT.
fn read_report(path: &Path) -> HelperReport {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let f: Vec<&str> = text.split_whitespace().collect();
    match f[..] {
        [rss, cpu, wall] => HelperReport {
            peak_rss_kib: rss.parse().unwrap_or(0),
            cpu_s: cpu.parse().unwrap_or(0.0),
            wall_s: wall.parse().unwrap_or(0.0),
        },
        _ => panic!("the measuring helper wrote no report ({text:?})"),
    }
}

/// The measuring helper (this program started with [`MEASURE_EXEC`]): runs
/// PROGRAM as its own child with the same stdio, reaps it with `wait4`, writes
/// its rusage to REPORT and exits with its status.
///
/// Why a process in between: Linux starts a process's `ru_maxrss` at the peak
/// RSS of the memory it had before `execve` (`exec_mmap` ->
/// `setmax_mm_hiwater_rss(&sig->maxrss, old_mm)`). With `posix_spawn`/vfork,
/// what std's `Command` uses, that memory is the parent's own; with `fork`, a
/// copy of it. So a tool started by the benchmark, which holds a pinset of
/// 100,000 content IDs in scenario 4, would read as at least the benchmark's
/// peak. This helper, freshly exec'd, holds a few MiB, and it reads its child's
/// rusage itself, so its own (inflated) figure is never reported.
pub(crate) fn measure_exec(args: &[std::ffi::OsString]) -> ! {
    let [report, program, rest @ ..] = args else {
        eprintln!("usage: ccs-bench {MEASURE_EXEC} REPORT PROGRAM [ARGS...]");
        std::process::exit(2);
    };
    let start = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {program:?}: {e}"));
    let pid = child.id() as i32;
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value to be filled in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for our own child with valid out-pointers.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    std::mem::forget(child); // already reaped by wait4
    assert_eq!(rc, pid, "wait4 failed: {}", std::io::Error::last_os_error());
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let cpu = tv(usage.ru_utime) + tv(usage.ru_stime);
    std::fs::write(report, format!("{} {cpu} {wall}\n", usage.ru_maxrss))
        .unwrap_or_else(|e| panic!("could not write {report:?}: {e}"));
    std::process::exit(if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        128 + libc::WTERMSIG(status)
    })
}

/// One tool run, as measured by [`measure`].
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    pub(crate) wall: Duration,
    /// The tool's own peak RSS.
    pub(crate) peak_rss_kib: i64,
    pub(crate) stdout: String,
    /// The tool's CPU seconds (user + system).
    pub(crate) cpu_s: f64,
}

/// Runs `cmd` through the measuring helper ([`measure_exec`]).
pub(crate) fn measure(cmd: &mut Command) -> Measured {
    let report = tempfile::NamedTempFile::new().unwrap_or_else(|e| panic!("{e}"));
    let exe = std::env::current_exe().unwrap_or_else(|e| panic!("{e}"));
    let mut helper = Command::new(exe);
    helper
        .arg(MEASURE_EXEC)
        .arg(report.path())
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => helper.env(k, v),
            None => helper.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        helper.current_dir(dir);
    }
    let out = helper
        .stdin(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{cmd:?} failed:\n{stderr}\n{stdout}");
    let r = read_report(report.path());
    Measured {
        wall: Duration::from_secs_f64(r.wall_s),
        peak_rss_kib: r.peak_rss_kib,
        stdout,
        cpu_s: r.cpu_s,
    }
}
