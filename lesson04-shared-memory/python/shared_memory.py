# Our CPython counterpart of the notes' shared-memory program. It starts no process.
import multiprocessing

value = multiprocessing.Value("d", 1)
array = multiprocessing.Array("i", [1, 2, 3])
print(value.value, array[:])
