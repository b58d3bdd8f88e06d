"""Code that runs next to the candidate's app: finding it, describing it, serving it.

In ``docker`` mode this package alone is mounted (read-only) into the
candidate's container, so it imports nothing from the rest of :mod:`grader`.
Nothing here is trusted with a verdict: it only produces the app and facts
about it, which the trusted test side checks.
"""
