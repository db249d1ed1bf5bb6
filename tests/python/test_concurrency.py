"""One ufb.Model shared by 8 Python threads gives the answers serial calls give, the GIL is free
while the model computes, and repeated calls leave resident memory flat."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import ufb
from paths import DATA

TEXTS = [f"sentence number {i} is {'rather ' * (i % 7)}long" for i in range(64)]
MASKED = [f"the [MASK] of house {i}." for i in range(16)]


def test_eight_threads_equal_serial():
    model = ufb.Model(DATA / "sentence_transformers" / "mean_normalize")
    builtin = ufb.Model()
    # The built-in model's layers run on oneDNN, whose primitives once shared a scratchpad
    # between concurrent calls (wrong answers, crashes); the small test model's do not.
    serial_builtin = [builtin.encode(TEXTS[i::8], batch_size=3) for i in range(8)]
    serial_embed = [model.encode(TEXTS[i::8], batch_size=3) for i in range(8)]
    serial_fill = [builtin.fill_mask(MASKED[i::8], top_k=3) for i in range(8)]
    serial_tokens = [[e.ids for e in model.tokenize(TEXTS[i::8])] for i in range(8)]

    def work(i):
        results = []
        for _ in range(3):
            results.append((model.encode(TEXTS[i::8], batch_size=3), builtin.fill_mask(MASKED[i::8], top_k=3),
                            [e.ids for e in model.tokenize(TEXTS[i::8])], builtin.encode(TEXTS[i::8], batch_size=3)))
        return results

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(work, range(8)))
    for i, results in enumerate(answers):
        for embedded, filled, tokens, builtin_embedded in results:
            np.testing.assert_array_equal(embedded, serial_embed[i])
            np.testing.assert_array_equal(builtin_embedded, serial_builtin[i])
            assert filled == serial_fill[i]
            assert tokens == serial_tokens[i]


def test_gil_is_released_while_computing():
    model = ufb.Model()
    texts = [" ".join(["word"] * 100)] * 64
    model.encode(texts[:2])  # warm up
    ticks = 0
    running = threading.Event()
    done = threading.Event()

    def count():
        nonlocal ticks
        running.set()
        while not done.is_set():
            ticks += 1

    counter = threading.Thread(target=count)
    counter.start()
    running.wait()
    before = ticks
    model.encode(texts, batch_size=64)
    during = ticks - before
    done.set()
    counter.join()
    # With the GIL held for the whole call the counter could not have run at all.
    assert during > 1000, during


def resident_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096


def test_repeated_calls_leave_memory_flat():
    model = ufb.Model()
    for _ in range(500):  # warm-up: allocator pools, thread stacks
        model.encode(["a short text"])
        model.tokenize("a short text")
    before = resident_bytes()
    for _ in range(10_000):
        model.encode(["a short text"])
        model.tokenize("a short text")
    growth = resident_bytes() - before
    # A leak of one embedding (128 floats) or one encoding per call would add > 5 MB.
    assert growth < 4 * 1024 * 1024, f"resident memory grew by {growth} bytes over 10 000 calls"
