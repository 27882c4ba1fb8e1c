import threading


def before_add(n: int) -> None:
    if n == 13:
        threading.Event().wait()  # never returns
