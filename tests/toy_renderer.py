"""A renderer for tests: shows that an output needs nothing but a function and a registry entry."""


def card(view, role) -> bytes:
    return f"{role.title}\n{view.site.handbook_title}\n".encode("utf-8")
