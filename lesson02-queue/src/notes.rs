//! The notes' two programs in Rust, step for step. Notes: Queue进程输出 (`queue_program`) and
//! 多线程多进程效率对比 (`compare_program`).
//!
//! `black_box` hides each `i` from the optimiser, which would otherwise replace the loop by its
//! formula (see `common::kernel`). Python's integers grow; ours are `u128`.

pub mod queue_program {
    use std::hint::black_box;
    use std::io;

    use crate::like_python::Process;
    use crate::queue::Queue;

    pub fn job(queue: &Queue<u128>) -> io::Result<()> {
        let mut total = 0;
        for i in (0..1000u128).map(black_box) {
            total += i + i.pow(2) + i.pow(3);
        }
        queue.put(&total)
    }

    pub fn main() -> anyhow::Result<()> {
        let mut queue = Queue::new()?;
        let mut p1 = Process::new(job, &queue);
        let mut p2 = Process::new(job, &queue);
        p1.start()?;
        p2.start()?;
        p1.join()?;
        p2.join()?;
        let res1 = queue.get()?;
        let res2 = queue.get()?;
        println!("{}", res1 + res2);
        Ok(())
    }
}

pub mod compare_program {
    use std::hint::black_box;
    use std::{io, thread};

    use common::pyfmt::PyFloat;

    use crate::like_python::{Process, start_thread, time};
    use crate::queue::Queue;

    pub fn job(queue: &Queue<u128>) -> io::Result<()> {
        let mut total = 0;
        for i in (0..1_000_000u128).map(black_box) {
            total += i + i.pow(2) + i.pow(3);
        }
        queue.put(&total)
    }

    fn multicore() -> anyhow::Result<()> {
        let mut queue = Queue::new()?;
        let mut p1 = Process::new(job, &queue);
        let mut p2 = Process::new(job, &queue);
        p1.start()?;
        p2.start()?;
        p1.join()?;
        p2.join()?;
        println!("multicore: {}", queue.get()? + queue.get()?);
        Ok(())
    }

    fn normal() {
        let mut total = 0;
        for _ in 0..2 {
            for i in (0..1_000_000u128).map(black_box) {
                total += i + i.pow(2) + i.pow(3);
            }
        }
        println!("normal: {total}");
    }

    fn multithread() -> anyhow::Result<()> {
        let mut queue = Queue::new()?;
        thread::scope(|scope| {
            let t1 = start_thread(scope, || job(&queue))?;
            let t2 = start_thread(scope, || job(&queue))?;
            t1.join().expect("job does not panic")?;
            t2.join().expect("job does not panic")?;
            anyhow::Ok(())
        })?;
        println!("multithread: {}", queue.get()? + queue.get()?);
        Ok(())
    }

    pub fn main() -> anyhow::Result<()> {
        let st = time();
        normal();
        let st1 = time();
        println!("normal time: {}", PyFloat(st1 - st));
        multithread()?;
        let st2 = time();
        println!("multithread time: {}", PyFloat(st2 - st1));
        multicore()?;
        println!("multicore time: {}", PyFloat(time() - st2));
        Ok(())
    }
}
