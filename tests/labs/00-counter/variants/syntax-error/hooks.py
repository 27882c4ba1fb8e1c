def before_add(n:
    pass
