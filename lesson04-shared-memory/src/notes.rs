//! The notes' program in Rust: a shared `Value('d', 1)` and `Array('i', [1, 2, 3])`, printed.
//! Notes: 共享内存shared memory

use common::pyfmt::{PyFloat, py_list};

use crate::value::{Array, Value};

pub fn main() -> anyhow::Result<()> {
    let value = Value::<f64>::new(1.0)?;
    let array = Array::<i32>::from_slice(&[1, 2, 3])?;
    println!("{} {}", PyFloat(value.get()), py_list(array.to_vec()));
    Ok(())
}
