# The notes' queue program as MPI ranks, with mpi4py (pip install mpi4py):
#   mpirun -n 2 python3 mpi_queue.py
# Every rank computes job; reduce adds the parts at rank 0. Python's integers
# have no fixed size, so mpi4py pickles them: the lower-case reduce sends objects.
from mpi4py import MPI


def job():
    res = 0
    for i in range(1000):
        res += i + i**2 + i**3
    return res


if __name__ == '__main__':
    comm = MPI.COMM_WORLD
    total = comm.reduce(job(), op=MPI.SUM, root=0)
    if comm.Get_rank() == 0:
        print(total)
