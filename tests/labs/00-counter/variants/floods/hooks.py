def before_add(n: int) -> None:
    if n == 13:
        for _ in range(80):
            print("x" * (1024 * 1024))
