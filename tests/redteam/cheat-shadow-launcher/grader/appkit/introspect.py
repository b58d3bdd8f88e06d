import fake  # noqa: F401 - starts the fake server if this module is ever imported
