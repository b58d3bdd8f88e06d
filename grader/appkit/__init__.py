"""Code that runs next to the candidate's app: finding it, describing it, serving it.

In ``docker`` mode only this package, :mod:`grader.protocol` and the
package's ``__init__`` are mounted (read-only) into the candidate's
container, so nothing here imports anything else of :mod:`grader`. Its entry
points (:mod:`.launch`, :mod:`.inspector`, :mod:`.serve`) are started by path
with ``python -I``, so the submission cannot shadow any of them. Nothing here
is trusted with a verdict: the launcher and the inspector produce facts
about the app, which the trusted test side checks with tests over HTTP.
"""
