import os


def before_add(n: int) -> None:
    if n == 13:
        os._exit(3)
