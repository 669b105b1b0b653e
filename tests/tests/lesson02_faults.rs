//! The deadlock demo of lesson02-queue ends by itself and leaves no process behind. A test
//! binary of its own, because it adopts orphans (subreaper) to see any that are left.

use std::time::Duration;

use course_tests::lesson_bin;
use course_tests::procs::{Running, become_subreaper, children};

#[test]
fn the_deadlock_is_detected_fixed_and_leaves_no_process() {
    become_subreaper();
    let lesson = Running::start(
        &lesson_bin("lesson02-queue"),
        &["--payload-bytes", "200000"],
    );
    let (status, stdout, stderr) = lesson.finish(Duration::from_secs(30));
    assert!(status.success(), "{status}: {stderr}");
    let out = stdout.join("\n");
    assert!(out.contains("deadlock: after 2 s worker"), "{out}");
    assert!(
        out.contains("2. the fix: get() both results first, then join()"),
        "{out}"
    );
    assert!(
        out.contains("got 2 results of 200000 bytes, each intact"),
        "{out}"
    );
    assert_eq!(
        out.matches("joined worker").count(),
        2,
        "only the fixed run joins: {out}"
    );
    // The stuck workers were killed and reaped by the lesson: nothing was orphaned to us.
    std::thread::sleep(Duration::from_millis(100));
    let own = std::process::id() as i32;
    let left: Vec<_> = children(own)
        .into_iter()
        .filter(|child| child.name.starts_with("lesson02"))
        .collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}
