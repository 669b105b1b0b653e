//! What a student's session with `cargo exercise` remembers and does between checks: which
//! exercises are solved (a small file under `target/`, never in the tracked tree), which one
//! comes next, putting a starter back as shipped, and watching a file for saves.

use std::collections::BTreeSet;
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

use notify_debouncer_mini::notify::RecursiveMode;
use notify_debouncer_mini::{DebounceEventResult, new_debouncer};

use super::{Exercise, all};

/// The ids of the solved exercises, one a line, in a file that `git` ignores.
#[derive(Debug, Clone)]
pub struct Progress {
    path: PathBuf,
    solved: BTreeSet<String>,
}

/// Where progress is kept: `$CARGO_TARGET_DIR` or the workspace's `target/`, so that
/// `cargo clean` forgets it and a fresh clone starts with none. `EXERCISE_PROGRESS` names
/// another file (the tests use it).
pub fn progress_file() -> PathBuf {
    if let Some(path) = std::env::var_os("EXERCISE_PROGRESS") {
        return PathBuf::from(path);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| crate::workspace_root().join("target"), PathBuf::from);
    target.join("exercise-progress.txt")
}

impl Progress {
    /// The progress kept in `path`; none yet if the file does not exist.
    pub fn load(path: &Path) -> Result<Self, String> {
        let solved = match fs::read_to_string(path) {
            Ok(text) => text.lines().map(str::to_string).collect(),
            Err(err) if err.kind() == ErrorKind::NotFound => BTreeSet::new(),
            Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
        };
        Ok(Self {
            path: path.to_path_buf(),
            solved,
        })
    }

    pub fn is_solved(&self, id: &str) -> bool {
        self.solved.contains(id)
    }

    /// Records that `id` passed its check, or that it no longer does.
    pub fn set(&mut self, id: &str, solved: bool) -> Result<(), String> {
        let changed = if solved {
            self.solved.insert(id.to_string())
        } else {
            self.solved.remove(id)
        };
        if !changed {
            return Ok(());
        }
        if let Some(folder) = self.path.parent() {
            fs::create_dir_all(folder)
                .map_err(|err| format!("cannot create {}: {err}", folder.display()))?;
        }
        let text: String = self.solved.iter().map(|id| format!("{id}\n")).collect();
        fs::write(&self.path, text)
            .map_err(|err| format!("cannot write {}: {err}", self.path.display()))
    }

    /// The first exercise, in class order, that is not solved yet.
    pub fn next(&self) -> Option<Exercise> {
        all()
            .into_iter()
            .find(|exercise| !self.is_solved(exercise.id))
    }
}

/// The starter `file` (relative to `root`, a git checkout) as the repository has it at HEAD:
/// what `cargo exercise reset` puts back.
pub fn shipped(root: &Path, file: &Path) -> Result<String, String> {
    let spec = format!("HEAD:{}", file.display());
    let output = Command::new("git")
        .args(["show", &spec])
        .current_dir(root)
        .output()
        .map_err(|err| format!("cannot run git to find the starter as shipped: {err}"))?;
    if !output.status.success() {
        let said = String::from_utf8_lossy(&output.stderr);
        return Err(format!(
            "git has no {} at HEAD: {}",
            file.display(),
            said.lines().next().unwrap_or("no reason given")
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("{} is not UTF-8", file.display()))
}

/// Puts the starter `file` back as shipped; returns whether anything changed.
pub fn reset(root: &Path, file: &Path) -> Result<bool, String> {
    let starter = shipped(root, file)?;
    let path = root.join(file);
    if fs::read_to_string(&path).is_ok_and(|now| now == starter) {
        return Ok(false);
    }
    fs::write(&path, starter).map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    Ok(true)
}

/// Calls `on_save` each time `file` is written (saves that come within 200 ms count once),
/// until it returns `false`. Watches the file's folder, since many editors save by writing a
/// new file and renaming it over the old one.
pub fn watch(file: &Path, mut on_save: impl FnMut() -> bool) -> Result<(), String> {
    let folder = file
        .parent()
        .ok_or_else(|| format!("{} has no folder", file.display()))?;
    let (saves, saved) = mpsc::channel();
    let wanted = file.to_path_buf();
    let mut debouncer = new_debouncer(
        Duration::from_millis(200),
        move |result: DebounceEventResult| {
            if let Ok(events) = result
                && events.iter().any(|event| event.path == wanted)
            {
                let _ = saves.send(());
            }
        },
    )
    .map_err(|err| format!("cannot watch files: {err}"))?;
    debouncer
        .watcher()
        .watch(folder, RecursiveMode::NonRecursive)
        .map_err(|err| format!("cannot watch {}: {err}", folder.display()))?;
    while saved.recv().is_ok() {
        if !on_save() {
            break;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("exercise-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("a scratch folder");
        dir
    }

    #[test]
    fn progress_survives_a_reload_and_names_the_next_exercise() {
        let dir = scratch("progress");
        let path = dir.join("deep/progress.txt");
        let mut progress = Progress::load(&path).expect("no file yet is no progress");
        let ids: Vec<&str> = all().iter().map(|exercise| exercise.id).collect();
        assert_eq!(progress.next().map(|e| e.id), Some(ids[0]));
        progress.set(ids[0], true).expect("written");
        progress.set(ids[1], true).expect("written");
        let mut reloaded = Progress::load(&path).expect("read back");
        assert!(reloaded.is_solved(ids[0]) && reloaded.is_solved(ids[1]));
        assert_eq!(reloaded.next().map(|e| e.id), Some(ids[2]));
        reloaded.set(ids[0], false).expect("written");
        assert_eq!(
            Progress::load(&path).expect("read").next().map(|e| e.id),
            Some(ids[0]),
            "an exercise that fails again is the next one again"
        );
        for id in &ids {
            reloaded.set(id, true).expect("written");
        }
        assert!(reloaded.next().is_none(), "all solved");
        fs::remove_dir_all(dir).expect("cleaned");
    }

    #[test]
    fn reset_puts_back_what_git_has_at_head() {
        let dir = scratch("reset");
        let git = |args: &[&str]| {
            let status = Command::new("git")
                .args(args)
                .current_dir(&dir)
                .env("GIT_AUTHOR_NAME", "t")
                .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
                .env("GIT_COMMITTER_NAME", "t")
                .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
                .status()
                .expect("git runs");
            assert!(status.success(), "git {args:?}");
        };
        git(&["init", "-q"]);
        fs::create_dir_all(dir.join("ex")).expect("folder");
        fs::write(dir.join("ex/a.rs"), "todo!()\n").expect("written");
        git(&["add", "."]);
        git(&["commit", "-qm", "starter"]);
        let file = Path::new("ex/a.rs");
        assert_eq!(reset(&dir, file), Ok(false), "unchanged: nothing to do");
        fs::write(dir.join(file), "my attempt\n").expect("edited");
        assert_eq!(reset(&dir, file), Ok(true));
        assert_eq!(
            fs::read_to_string(dir.join(file)).ok().as_deref(),
            Some("todo!()\n")
        );
        let missing = reset(&dir, Path::new("ex/b.rs")).expect_err("not in git");
        assert!(
            missing.starts_with("git has no ex/b.rs at HEAD"),
            "{missing}"
        );
        fs::remove_dir_all(dir).expect("cleaned");
    }

    #[test]
    fn watch_calls_back_on_each_save_until_told_to_stop() {
        let dir = scratch("watch");
        let file = dir.join("a.rs");
        fs::write(&file, "0").expect("written");
        let (ack, acked) = mpsc::channel::<String>();
        let writer_file = file.clone();
        // Each save is written again until the watcher has seen it: no guess at how long the
        // watcher takes to start or to report. It saves as many editors do: a new file renamed
        // over the old one, so a reader never sees it half written.
        let writer = std::thread::spawn(move || {
            let new = writer_file.with_extension("new");
            for save in ["1", "2", "3"] {
                let seen = (0..100).any(|_| {
                    fs::write(&new, save).expect("written");
                    fs::rename(&new, &writer_file).expect("saved");
                    acked.recv_timeout(Duration::from_millis(500)).as_deref() == Ok(save)
                });
                assert!(seen, "the watcher never reported save {save}");
            }
        });
        let mut seen: Vec<String> = Vec::new();
        watch(&file, || {
            let now = fs::read_to_string(&file).expect("read");
            let _ = ack.send(now.clone());
            if seen.last() != Some(&now) {
                seen.push(now.clone());
            }
            now != "3"
        })
        .expect("watched");
        writer
            .join()
            .expect("the writer saw each save acknowledged");
        assert_eq!(seen, ["1", "2", "3"]);
        fs::remove_dir_all(dir).expect("cleaned");
    }
}
