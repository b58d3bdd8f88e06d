from markupsafe import escape


def hello(name: str) -> str:
    return f"Hello, {escape(name)}!"
