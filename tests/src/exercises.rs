//! The classroom exercises: where each one lives, how it is checked, and its hints.
//!
//! Each exercise is a starter file in its lesson's `exercises/` folder, built as a cargo
//! example named `<lesson>-<name>`; its reference solution is `exercises/solutions/<name>.rs`,
//! built as `<lesson>-<name>-solution`. `cargo exercise <id>` (an alias in `.cargo/config.toml`)
//! builds the student's file, runs it with a timeout, and checks what it printed.
//! The checks assert results and invariants, never times, and accept every valid order.

mod lesson01;
mod lesson02;
mod lesson03;
mod lesson04;
mod lesson05;
mod lesson06;
pub mod workflow;
pub mod zh;

use std::path::PathBuf;
use std::process::ExitStatus;
use std::time::{Duration, Instant};

use crate::{Diagnostics, TargetKind, build, workspace_root};

/// What a check sees of one run of an exercise: what it printed, and what the checker saw
/// of it from outside.
#[derive(Debug, Clone)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    /// The inputs chosen for this run.
    pub inputs: Inputs,
    /// Every child process of the program the checker saw alive, by pid, first seen first
    /// (only when the plan says to watch).
    pub children: Vec<u32>,
    /// How long the checker saw each of them alive, from the first look that found it to the
    /// last: never more than it really lived (so a check may rely on a lower bound only).
    pub seen_alive: Vec<(u32, Duration)>,
    /// The most children the checker saw alive at one time.
    pub most_children_at_once: usize,
    /// The child the checker killed with SIGKILL, if the plan said to kill one.
    pub killed: Option<u32>,
    /// The CPU time each child had used when last seen (same order as `children`).
    pub child_cpu: Vec<Duration>,
    /// The CPU time the program's own threads had used when last seen (its children's not
    /// counted): work that should run in a child must not show up here.
    pub program_cpu: Duration,
    /// Every thread of the program the checker saw (thread ids; the main thread's is the pid).
    pub threads: Vec<u32>,
    /// The program's pid.
    pub pid: u32,
}

/// The inputs the checker chose for one check, passed to the program in
/// `common::exercise::VAR`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs(Vec<(String, String)>);

impl Inputs {
    /// Adds `key=value`.
    pub fn with(mut self, key: &str, value: impl std::fmt::Display) -> Self {
        self.0.push((key.to_string(), value.to_string()));
        self
    }

    /// Adds `key=a,b,c`.
    pub fn list<T: std::fmt::Display>(self, key: &str, values: &[T]) -> Self {
        let joined: Vec<String> = values.iter().map(T::to_string).collect();
        self.with(key, joined.join(","))
    }

    /// The value of `key` (a check asks only for keys its plan chose).
    pub fn get(&self, key: &str) -> &str {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map_or("", |(_, value)| value.as_str())
    }

    /// The value of `key`, parsed.
    pub fn num<T: std::str::FromStr + Default>(&self, key: &str) -> T {
        self.get(key).parse().unwrap_or_default()
    }

    /// The values of a list `key`, parsed.
    pub fn nums<T: std::str::FromStr>(&self, key: &str) -> Vec<T> {
        self.get(key)
            .split(',')
            .filter_map(|item| item.parse().ok())
            .collect()
    }

    fn to_env(&self) -> String {
        let pairs: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}={v}")).collect();
        pairs.join(" ")
    }
}

/// Random numbers for choosing inputs: no one can foresee them, which is all a check needs.
#[derive(Debug)]
pub struct Random(u64);

impl Random {
    pub fn new() -> Self {
        use std::hash::{BuildHasher, RandomState};
        Self(RandomState::new().hash_one(Instant::now()) | 1)
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: u64, high: u64) -> u64 {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        low + self.0 % (high - low + 1)
    }

    /// `count` different numbers in `low..=high`.
    pub fn distinct(&mut self, count: usize, low: u64, high: u64) -> Vec<u64> {
        let mut chosen = Vec::new();
        while chosen.len() < count {
            let number = self.between(low, high);
            if !chosen.contains(&number) {
                chosen.push(number);
            }
        }
        chosen
    }
}

impl Default for Random {
    fn default() -> Self {
        Self::new()
    }
}

/// What the checker does while the program runs, besides waiting for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Watch {
    #[default]
    Nothing,
    /// Records the program's child processes ([`Run::children`]).
    Children,
    /// Records them, and once this many are alive at one time, kills one of them (chosen at
    /// random) with SIGKILL: the program must then report what really happened to it.
    KillOneOnce(usize),
    /// Records them, and once this many are alive at one time, kills one of them that is
    /// asleep (state `S` in `/proc/PID/stat`) with SIGKILL. A child that sleeps only once it has
    /// done its first part (taken a lock, say) is killed with that part done.
    KillOneAsleep(usize),
}

/// What one check hands the program and does while it runs.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub inputs: Inputs,
    pub watch: Watch,
}

/// The plan of an exercise that takes no inputs.
pub fn no_inputs(_: &mut Random) -> Plan {
    Plan::default()
}

/// A known way to sidestep an exercise, kept in `exercises/cheats/` so CI proves the check
/// rejects it.
#[derive(Debug, Clone, Copy)]
pub struct Cheat {
    /// `printing`: the file is `exercises/cheats/<exercise>_<name>.rs`.
    pub name: &'static str,
    /// What the check's message says when it rejects the cheat.
    pub rejected_with: &'static str,
}

/// A check's verdict: `Ok` with what was confirmed, or `Err` with what is still wrong.
pub type Verdict = Result<String, String>;

/// One exercise of the course.
#[derive(Debug, Clone, Copy)]
pub struct Exercise {
    /// `lesson01/children`: what a student types after `cargo exercise`.
    pub id: &'static str,
    /// The crate the exercise belongs to, e.g. `lesson01-process`.
    pub lesson: &'static str,
    pub title: &'static str,
    /// The section of the notes it practises.
    pub notes: &'static str,
    pub difficulty: &'static str,
    pub minutes: u32,
    pub timeout: Duration,
    /// The first nudges; the last nearly tells.
    pub hints: &'static [&'static str],
    /// Chooses the inputs and what to watch, afresh for each check.
    pub plan: fn(&mut Random) -> Plan,
    pub check: fn(&Run) -> Verdict,
    /// Known cheats, each kept as a file, each rejected by `check`.
    pub cheats: &'static [Cheat],
}

/// The student's file, the reference solution, or a kept cheat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Starter,
    Solution,
    Cheat(&'static str),
}

/// Every exercise, in the order a class does them.
pub fn all() -> Vec<Exercise> {
    [
        lesson01::exercises(),
        lesson02::exercises(),
        lesson03::exercises(),
        lesson04::exercises(),
        lesson05::exercises(),
        lesson06::exercises(),
    ]
    .concat()
}

/// The exercise called `id`.
pub fn find(id: &str) -> Option<Exercise> {
    all().into_iter().find(|exercise| exercise.id == id)
}

impl Exercise {
    fn name(&self) -> &'static str {
        self.id.split_once('/').map_or(self.id, |(_, name)| name)
    }

    fn lesson_number(&self) -> &'static str {
        self.id
            .split_once('/')
            .map_or(self.id, |(lesson, _)| lesson)
    }

    /// The cargo example that builds `which` file.
    pub fn example(&self, which: Which) -> String {
        let base = format!("{}-{}", self.lesson_number(), self.name());
        match which {
            Which::Starter => base,
            Which::Solution => format!("{base}-solution"),
            Which::Cheat(cheat) => format!("{base}-cheat-{cheat}"),
        }
    }

    /// The file a student edits, or the solution, relative to the workspace root.
    pub fn file(&self, which: Which) -> PathBuf {
        let exercises = PathBuf::from(self.lesson).join("exercises");
        let stem = self.name().replace('-', "_");
        match which {
            Which::Starter => exercises.join(format!("{stem}.rs")),
            Which::Solution => exercises.join("solutions").join(format!("{stem}.rs")),
            Which::Cheat(cheat) => exercises
                .join("cheats")
                .join(format!("{stem}_{}.rs", cheat.replace('-', "_"))),
        }
    }

    /// The problem statement: the `//!` lines at the top of the starter as shipped.
    pub fn statement(&self) -> String {
        let path = workspace_root().join(self.file(Which::Starter));
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text
            .lines()
            .map_while(|line| line.strip_prefix("//!"))
            .map(|line| line.strip_prefix(' ').unwrap_or(line))
            .collect();
        lines.join("\n")
    }

    /// The marker of the English a translation of this exercise translates: its statement and
    /// its hints.
    pub fn english_marker(&self) -> String {
        crate::marker(&format!("{}\n{}", self.statement(), self.hints.join("\n")))
    }

    /// The source file (relative to the workspace root) of the program that made `run`: the
    /// starter, the solution or a kept cheat. Reading a student's source is a check's last
    /// resort, where behaviour cannot tell the work from a sidestep.
    pub fn source_of(&self, run: &Run) -> Option<PathBuf> {
        let program = program_of(run)?;
        let name = program.file_name()?.to_str()?;
        let cheats = self.cheats.iter().map(|cheat| Which::Cheat(cheat.name));
        [Which::Starter, Which::Solution]
            .into_iter()
            .chain(cheats)
            .find(|which| self.example(*which) == name)
            .map(|which| self.file(which))
    }

    /// Builds `which` file, runs it and checks it. `Err` holds what a student should read.
    pub fn check(&self, which: Which, diagnostics: Diagnostics) -> Verdict {
        let program =
            build(TargetKind::Example, &self.example(which), diagnostics).map_err(|err| {
                let shown = if diagnostics == Diagnostics::Show {
                    String::new()
                } else {
                    format!("\n{err}")
                };
                format!("it does not compile yet: see the compiler's messages above{shown}")
            })?;
        let plan = (self.plan)(&mut Random::new());
        let run = run(program, self.timeout, plan)?;
        judge(self, &run)
    }
}

/// Runs the exercise with its inputs and a timeout, watching its children as the plan says.
/// On time-out it is killed; then any shared-memory segment it created (lessons 4 and 5 name
/// theirs `lessonNN-PID-...`) is removed, so that a stuck attempt leaves nothing behind in
/// `/dev/shm`.
fn run(program: PathBuf, timeout: Duration, plan: Plan) -> Result<Run, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};

    let mut child = Command::new(&program)
        .current_dir(workspace_root())
        // A panic then shows its message, not a backtrace that would hide it.
        .env("RUST_BACKTRACE", "0")
        .env(common::exercise::VAR, plan.inputs.to_env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("cannot run {}: {err}", program.display()))?;
    let pid = child.id();
    remember_program(pid, &program);
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("piped")));
    let stderr = read_all(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + timeout;
    let mut seen = Seen::default();
    let mut random = Random::new();
    let (status, timed_out) = loop {
        match child.try_wait().map_err(|err| err.to_string())? {
            Some(status) => break (status, false),
            None if Instant::now() >= deadline => {
                let _ = child.kill();
                break (child.wait().map_err(|err| err.to_string())?, true);
            }
            None if plan.watch == Watch::Nothing => {
                std::thread::sleep(Duration::from_millis(10));
            }
            None => {
                seen.look(pid, plan.watch, &mut random);
                std::thread::sleep(Duration::from_millis(2));
            }
        }
    };
    remove_segments_of(pid);
    Ok(Run {
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        timed_out,
        inputs: plan.inputs,
        seen_alive: seen
            .children
            .iter()
            .zip(&seen.first_last)
            .map(|(pid, (first, last))| (*pid, *last - *first))
            .collect(),
        children: seen.children,
        most_children_at_once: seen.most_at_once,
        killed: seen.killed,
        child_cpu: seen.child_cpu,
        program_cpu: seen.program_cpu,
        threads: seen.threads,
        pid,
    })
}

/// What the checker saw of a program's children so far.
#[derive(Debug, Default)]
struct Seen {
    children: Vec<u32>,
    /// When each of `children` was first and last seen alive.
    first_last: Vec<(Instant, Instant)>,
    child_cpu: Vec<Duration>,
    program_cpu: Duration,
    threads: Vec<u32>,
    most_at_once: usize,
    killed: Option<u32>,
}

impl Seen {
    /// Looks once at the children alive now (every thread's, from `/proc`), and kills one if
    /// the plan says so and their number has come.
    fn look(&mut self, pid: u32, watch: Watch, random: &mut Random) {
        let alive = children_of(pid);
        let now = Instant::now();
        for child in &alive {
            let index = match self.children.iter().position(|seen| seen == child) {
                Some(index) => index,
                None => {
                    self.children.push(*child);
                    self.first_last.push((now, now));
                    self.child_cpu.push(Duration::ZERO);
                    self.children.len() - 1
                }
            };
            self.first_last[index].1 = now;
            if let Some(cpu) = cpu_time(*child) {
                self.child_cpu[index] = cpu;
            }
        }
        if let Some(cpu) = cpu_time(pid) {
            self.program_cpu = cpu;
        }
        for thread in threads_of(pid) {
            if !self.threads.contains(&thread) {
                self.threads.push(thread);
            }
        }
        self.most_at_once = self.most_at_once.max(alive.len());
        if let Watch::KillOneOnce(count) = watch
            && self.killed.is_none()
            && alive.len() >= count
        {
            let victim = alive[random.between(0, alive.len() as u64 - 1) as usize];
            let target = nix::unistd::Pid::from_raw(victim as i32);
            if nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGKILL).is_ok() {
                self.killed = Some(victim);
            }
        }
        if let Watch::KillOneAsleep(count) = watch
            && self.killed.is_none()
            && alive.len() >= count
        {
            let asleep: Vec<u32> = alive
                .iter()
                .copied()
                .filter(|child| state_of(*child) == Some('S'))
                .collect();
            if !asleep.is_empty() {
                let victim = asleep[random.between(0, asleep.len() as u64 - 1) as usize];
                let target = nix::unistd::Pid::from_raw(victim as i32);
                if nix::sys::signal::kill(target, nix::sys::signal::Signal::SIGKILL).is_ok() {
                    self.killed = Some(victim);
                }
            }
        }
    }
}

/// A process's state letter (`R` running, `S` asleep, `Z` zombie...), from `/proc/PID/stat`.
fn state_of(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit_once(')')?
        .1
        .split_whitespace()
        .next()?
        .chars()
        .next()
}

/// The executable of every program run so far in this process, by pid, newest last.
static PROGRAMS: std::sync::Mutex<Vec<(u32, PathBuf)>> = std::sync::Mutex::new(Vec::new());

fn remember_program(pid: u32, program: &std::path::Path) {
    if let Ok(mut programs) = PROGRAMS.lock() {
        programs.push((pid, program.to_path_buf()));
    }
}

/// The executable that made `run`: for a check that must, as a last resort, read the source
/// it was built from (see [`Exercise::source_of`]).
pub fn program_of(run: &Run) -> Option<PathBuf> {
    let programs = PROGRAMS.lock().ok()?;
    programs
        .iter()
        .rev()
        .find(|(pid, _)| *pid == run.pid)
        .map(|(_, program)| program.clone())
}

/// The CPU time (user + system) a process's own threads have used, from `/proc/PID/stat`.
fn cpu_time(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name, in parentheses, may hold spaces: count fields after its `)`.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let per_second = nix::unistd::sysconf(nix::unistd::SysconfVar::CLK_TCK).ok()??;
    Some(Duration::from_secs_f64(ticks as f64 / per_second as f64))
}

/// The thread ids of `pid`, from `/proc/PID/task`.
fn threads_of(pid: u32) -> Vec<u32> {
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .map(|tasks| {
            tasks
                .flatten()
                .filter_map(|task| task.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The pids of `pid`'s live children, from `/proc/PID/task/*/children` (Linux).
fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|child| child.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Removes `/dev/shm/lessonNN-<pid>-...`: the segments of a run that was killed.
fn remove_segments_of(pid: u32) {
    let Ok(entries) = std::fs::read_dir("/dev/shm") else {
        return;
    };
    let mark = format!("-{pid}-");
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("lesson") && name.contains(&mark) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The checks every exercise shares, then the exercise's own.
fn judge(exercise: &Exercise, run: &Run) -> Verdict {
    if run.timed_out {
        return Err(format!(
            "it did not finish within {} s and was stopped (is something waiting for ever: a deadlock, or a child nobody ends?)",
            exercise.timeout.as_secs()
        ));
    }
    if let Some(todo) = run
        .stderr
        .lines()
        .find(|line| line.contains("not yet implemented"))
    {
        return Err(format!("it reached a todo!(): {}", todo.trim()));
    }
    (exercise.check)(run)
}

/// Fails unless the program ended with exit code 0, showing the end of what it printed.
pub fn succeeded(run: &Run) -> Result<(), String> {
    if run.status.success() {
        return Ok(());
    }
    let tail: Vec<&str> = run.stderr.lines().rev().take(3).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    Err(format!(
        "it ended with {} (stderr: {:?})",
        run.status,
        tail.join(" | ")
    ))
}

/// The lines of stdout that start with `prefix`, with the prefix taken off.
pub fn lines_after<'a>(run: &'a Run, prefix: &str) -> Vec<&'a str> {
    run.stdout
        .lines()
        .filter_map(|line| line.strip_prefix(prefix))
        .collect()
}

/// The table of exercises for the top-level README.
pub fn table() -> String {
    rows(None)
}

/// The table with a first column that marks each exercise `solved`, or `next` for the first
/// that is not: what `cargo exercise list` prints.
pub fn table_with_progress(progress: &workflow::Progress) -> String {
    rows(Some(progress))
}

fn rows(progress: Option<&workflow::Progress>) -> String {
    let mut out = String::new();
    if progress.is_some() {
        out += "| Done ";
    }
    out += "| Lesson | Exercise | Notes section | Difficulty | Minutes | Check it with |\n";
    if progress.is_some() {
        out += "| --- ";
    }
    out += "| --- | --- | --- | --- | --- | --- |\n";
    let next = progress.and_then(|progress| progress.next().map(|exercise| exercise.id));
    for exercise in all() {
        if let Some(progress) = progress {
            let mark = if progress.is_solved(exercise.id) {
                "solved"
            } else if next == Some(exercise.id) {
                "next"
            } else {
                ""
            };
            out += &format!("| {mark} ");
        }
        out += &format!(
            "| {} | [{}]({}) | {} | {} | {} | `cargo exercise {}` |\n",
            exercise.lesson,
            exercise.title,
            exercise.file(Which::Starter).display(),
            exercise.notes,
            exercise.difficulty,
            exercise.minutes,
            exercise.id
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checker_reads_cpu_time_threads_and_children_from_proc() {
        let me = std::process::id();
        let busy = Instant::now();
        while busy.elapsed() < Duration::from_millis(50) {
            std::hint::black_box(busy.elapsed());
        }
        assert!(cpu_time(me).is_some_and(|cpu| cpu > Duration::ZERO));
        assert!(
            threads_of(me).contains(&me),
            "the main thread's id is the pid"
        );
        let mut sleeper = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep starts");
        assert!(children_of(me).contains(&sleeper.id()));
        sleeper.kill().expect("killed");
        sleeper.wait().expect("reaped");
        assert!(!children_of(me).contains(&sleeper.id()));
    }

    #[test]
    fn random_choices_stay_in_range_and_distinct() {
        let mut random = Random::new();
        for _ in 0..1000 {
            assert!((3..=5).contains(&random.between(3, 5)));
        }
        let mut chosen = random.distinct(10, 1, 12);
        chosen.sort_unstable();
        chosen.dedup();
        assert_eq!(chosen.len(), 10);
    }
}
