//! Part 2, the fix: the notes' `Value('d', 1)` and `Array('i', [1, 2, 3])`, changed by a child
//! started by fork, spawn or forkserver, read back by the parent, and removed from `/dev/shm`. Our
//! CPython counterpart is `python/child_changes.py`.

use anyhow::{bail, ensure};
use common::process::Child;
use common::pyfmt::{PyFloat, py_list};
use lesson01_process::StartMethod;
use lesson01_process::start::{field, start_with_orders};
use nix::unistd::{getpid, getppid};

use crate::cleanup;
use crate::faults::ChildFaults;
use crate::signals;
use crate::value::{Array, Value};

pub fn run(method: StartMethod, faults: &ChildFaults) -> anyhow::Result<()> {
    println!();
    println!("2. The fix: Value('d', 1) and Array('i', [1, 2, 3]) in named shared memory");
    let value = Value::<f64>::new(1.0)?;
    let array = Array::<i32>::from_slice(&[1, 2, 3])?;
    describe(&value, &array);
    println!("parent: before the child: {}", show(&value, &array));
    println!("parent: starting a child by {method}: {}", how(method));
    let mut child = match method {
        StartMethod::Fork => signals::fork_child(|| change_in_child(&value, &array, faults))?,
        method => start_by_name(method, &value, &array, faults)?,
    };
    let pid = child.pid();
    let status = signals::join(&mut child)?;
    println!("parent: joined child {pid}: {status}");
    if !status.success() {
        // Returning drops `value` and `array`, which removes both segments.
        bail!("child {pid} failed: {status}");
    }
    println!("parent: after the child:  {}", show(&value, &array));
    let names = [value.name().to_string(), array.name().to_string()];
    drop((value, array));
    let gone = names.iter().all(|name| cleanup::exists(name) != Some(true));
    ensure!(gone, "a segment is still in /dev/shm after its drop");
    println!(
        "parent: dropped both: their names are removed{}",
        if cfg!(target_os = "linux") {
            " (checked: no longer in /dev/shm)"
        } else {
            ""
        }
    );
    Ok(())
}

/// Where each segment is, and what `ls -l /dev/shm` says of it.
fn describe(value: &Value<f64>, array: &Array<i32>) {
    for (what, name) in [
        (Value::<f64>::what(), value.name()),
        (Array::<i32>::what(array.len()), array.name()),
    ] {
        match cleanup::describe(name) {
            Some(details) => println!("parent: {what} is /dev/shm/{name}: {details}"),
            None => println!("parent: {what} is shared-memory segment /{name}"),
        }
    }
}

/// The value and the array as Python's `print(value.value, array[:])` writes them.
fn show(value: &Value<f64>, array: &Array<i32>) -> String {
    format!("{} {}", PyFloat(value.get()), py_list(array.to_vec()))
}

fn how(method: StartMethod) -> &'static str {
    match method {
        StartMethod::Fork => "it inherits the mappings, so it changes the very pages we read",
        StartMethod::Spawn => "a fresh run of this program, which opens both segments by name",
        StartMethod::Forkserver => {
            "the server forks it; it inherits no mapping and opens both segments by name"
        }
    }
}

/// What the child does to the shared values: `value.value += 1.5`, and squares every item.
pub fn change(value: &Value<f64>, array: &Array<i32>) {
    value.set(value.get() + 1.5);
    for item in array.iter() {
        item.set(item.get().wrapping_mul(item.get()));
    }
}

/// The child's side, started either way; returns its exit code.
fn change_in_child(value: &Value<f64>, array: &Array<i32>, faults: &ChildFaults) -> i32 {
    println!(
        "child:  pid {}, parent {}: value.value += 1.5, array[i] = array[i] ** 2",
        getpid(),
        getppid()
    );
    faults.strike();
    change(value, array);
    0
}

/// Starts a child by spawn or forkserver that opens `value` and `array` by name.
fn start_by_name(
    method: StartMethod,
    value: &Value<f64>,
    array: &Array<i32>,
    faults: &ChildFaults,
) -> anyhow::Result<Child> {
    let orders = [
        value.name().to_string(),
        array.name().to_string(),
        format!("sleep_ms={}", faults.sleep_ms),
        format!("panic={}", faults.panic),
    ];
    start_with_orders(method, &orders, &[])
}

/// A spawned child's orders: `VALUE_NAME ARRAY_NAME sleep_ms=N panic=B`.
#[derive(Debug)]
pub struct ChildOrders {
    value: String,
    array: String,
    faults: ChildFaults,
}

impl ChildOrders {
    /// Reads the orders [`spawn`] wrote.
    pub fn from_args(args: &[String]) -> anyhow::Result<Self> {
        let [value, array, sleep_ms, panic] = args else {
            bail!("expected VALUE ARRAY sleep_ms=N panic=B, got {args:?}");
        };
        Ok(Self {
            value: value.clone(),
            array: array.clone(),
            faults: ChildFaults {
                sleep_ms: field(sleep_ms, "sleep_ms")?,
                panic: field(panic, "panic")?,
            },
        })
    }

    /// Opens the two segments, changes them, and returns the child's exit code.
    pub fn run(self) -> anyhow::Result<i32> {
        let value = Value::<f64>::open(&self.value)?;
        let array = Array::<i32>::open(&self.array, 3)?;
        Ok(change_in_child(&value, &array, &self.faults))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spawned_child_orders_are_read_strictly() {
        let good: Vec<String> = ["v", "a", "sleep_ms=5", "panic=false"]
            .map(String::from)
            .to_vec();
        let orders = ChildOrders::from_args(&good).expect("valid");
        assert_eq!((orders.value.as_str(), orders.array.as_str()), ("v", "a"));
        assert_eq!(
            orders.faults,
            ChildFaults {
                sleep_ms: 5,
                panic: false
            }
        );
        for bad in [
            vec![],
            vec!["v", "a", "sleep_ms=5", "panic=yes"],
            vec!["v", "a", "sleep=5", "panic=false"],
            vec!["v", "a", "commentary=true", "sleep_ms=5", "panic=false"],
            vec!["v", "a"],
        ] {
            let args: Vec<String> = bad.iter().map(|arg| arg.to_string()).collect();
            assert!(ChildOrders::from_args(&args).is_err(), "{bad:?}");
        }
    }
}
