//! Printing values the way CPython prints them, so `--plain` output can be `diff`ed against
//! Python's: floats as `repr()` writes them (`1.0`, `0.6419057846069336`, `1e-05`) and lists as
//! `[0, 1, 4]`.

use std::fmt;

/// An `f64` that displays like Python's `repr(float)`.
///
/// Rust's `{}` already picks the shortest digits that read back to the same float, as Python
/// does; the two differ only in layout: Python always shows a decimal point (`1.0`, Rust `1`)
/// and switches to scientific notation below `1e-4` and from `1e16` on (`1e-05`, `1e+16`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PyFloat(pub f64);

impl fmt::Display for PyFloat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.0;
        if x.is_nan() {
            return f.write_str("nan");
        }
        if x.is_infinite() {
            return f.write_str(if x > 0.0 { "inf" } else { "-inf" });
        }
        if x.is_sign_negative() {
            f.write_str("-")?;
        }
        // `{:e}` gives the shortest round-trip digits as `d.ddd` and a decimal exponent.
        let scientific = format!("{:e}", x.abs());
        let (mantissa, exponent) = scientific
            .split_once('e')
            .expect("`{:e}` always writes an exponent");
        let exponent: i32 = exponent.parse().expect("`{:e}` writes an integer exponent");
        let digits = mantissa.replace('.', "");
        // Where the decimal point falls, counted in digits from the left.
        let point = exponent + 1;
        if (-3..=16).contains(&point) {
            write_positional(f, &digits, point)
        } else {
            let (first, rest) = digits.split_at(1);
            let sign = if exponent < 0 { '-' } else { '+' };
            let dot = if rest.is_empty() { "" } else { "." };
            write!(f, "{first}{dot}{rest}e{sign}{:02}", exponent.abs())
        }
    }
}

fn write_positional(f: &mut fmt::Formatter<'_>, digits: &str, point: i32) -> fmt::Result {
    let len = digits.len() as i32;
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        write!(f, "0.{zeros}{digits}")
    } else if point >= len {
        let zeros = "0".repeat((point - len) as usize);
        write!(f, "{digits}{zeros}.0")
    } else {
        let (whole, fraction) = digits.split_at(point as usize);
        write!(f, "{whole}.{fraction}")
    }
}

/// Formats items like Python's `repr(list)`: `[0, 1, 4]`.
pub fn py_list<T: fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    let items: Vec<String> = items.into_iter().map(|item| item.to_string()).collect();
    format!("[{}]", items.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(x: f64) -> String {
        PyFloat(x).to_string()
    }

    #[test]
    fn floats_print_as_python_repr_does() {
        // Each right-hand side is what CPython 3.11 prints for `repr(x)`.
        let cases = [
            (1.0, "1.0"),
            (0.0, "0.0"),
            (-0.0, "-0.0"),
            (-2.5, "-2.5"),
            (0.6419057846069336, "0.6419057846069336"),
            (0.1 + 0.2, "0.30000000000000004"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (0.000015, "1.5e-05"),
            (123456.0, "123456.0"),
            (1e15, "1000000000000000.0"),
            (1e16, "1e+16"),
            (1.5e300, "1.5e+300"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (f64::NAN, "nan"),
        ];
        for (x, python) in cases {
            assert_eq!(repr(x), python, "repr({x:?})");
        }
    }

    #[test]
    fn lists_print_as_python_repr_does() {
        assert_eq!(py_list(0..4u64), "[0, 1, 2, 3]");
        assert_eq!(py_list(Vec::<u8>::new()), "[]");
        assert_eq!(py_list([1.0, 2.5].map(PyFloat)), "[1.0, 2.5]");
    }
}
