"""The lab's nbgrader analysis notebook: released to students, autograded in a sandbox.

    source (tests/hidden/notebook/) --release--> starter/notebook/ (no solutions, no hidden tests)
    submission's notebook/ --autograde--> points per question, folded into the lab's result

nbgrader runs in a worker process (`worker.py`) inside a throw-away course folder;
the student's kernel runs in bubblewrap (`kernel.py`), which sees neither that folder
nor the network.  What comes back is points per graded cell, never a cell's output:
student code in the kernel can see each test cell's source as it runs.
"""
